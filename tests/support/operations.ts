import { graphql } from '../gql/index.ts';

/**
 * GraphQL operations shared by the end-to-end suites, written as a client would send them. Each
 * selects every scalar field of `Client` in the crm subgraph.
 */

/** `client(id)`. */
export const CLIENT = graphql(`
  query Client($id: ID!) {
    client(id: $id) {
      id
      name
      email
      phone
      website
      currency
      status
      createdAt
      updatedAt
      archivedAt
    }
  }
`);

/** `createClient` with the client and user errors. */
export const CREATE_CLIENT = graphql(`
  mutation CreateClient($input: CreateClientInput!) {
    createClient(input: $input) {
      client {
        id
        name
        email
        phone
        website
        currency
        status
        createdAt
        updatedAt
        archivedAt
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);

/** `updateClient` with the client and user errors. */
export const UPDATE_CLIENT = graphql(`
  mutation UpdateClient($input: UpdateClientInput!) {
    updateClient(input: $input) {
      client {
        id
        name
        email
        phone
        website
        currency
        status
        createdAt
        updatedAt
        archivedAt
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);

/** `archiveClient` with the client and user errors. */
export const ARCHIVE_CLIENT = graphql(`
  mutation ArchiveClient($input: ArchiveClientInput!) {
    archiveClient(input: $input) {
      client {
        id
        name
        email
        phone
        website
        currency
        status
        createdAt
        updatedAt
        archivedAt
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
