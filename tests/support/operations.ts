/** GraphQL operations shared by the end-to-end suites, written as a client would send them. */

/** Every scalar field of `Client` in the crm subgraph. */
const CLIENT_FIELDS = 'id name email phone website currency status createdAt updatedAt archivedAt';

/** `client(id)`. */
export const CLIENT = /* GraphQL */ `query Client($id: ID!) { client(id: $id) { ${CLIENT_FIELDS} } }`;

/** `createClient` with the client and user errors. */
export const CREATE_CLIENT = /* GraphQL */ `
  mutation CreateClient($input: CreateClientInput!) {
    createClient(input: $input) { client { ${CLIENT_FIELDS} } userErrors { field message code } }
  }
`;

/** `updateClient` with the client and user errors. */
export const UPDATE_CLIENT = /* GraphQL */ `
  mutation UpdateClient($input: UpdateClientInput!) {
    updateClient(input: $input) { client { ${CLIENT_FIELDS} } userErrors { field message code } }
  }
`;

/** `archiveClient` with the client and user errors. */
export const ARCHIVE_CLIENT = /* GraphQL */ `
  mutation ArchiveClient($input: ArchiveClientInput!) {
    archiveClient(input: $input) { client { ${CLIENT_FIELDS} } userErrors { field message code } }
  }
`;
