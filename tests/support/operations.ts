/** GraphQL operations shared by the end-to-end suites, written as a client would send them. */

export const CLIENT_FIELDS = 'id name email phone website currency status createdAt updatedAt archivedAt';

export const CLIENT = /* GraphQL */ `query Client($id: ID!) { client(id: $id) { ${CLIENT_FIELDS} } }`;

export const CREATE_CLIENT = /* GraphQL */ `
  mutation CreateClient($input: CreateClientInput!) {
    createClient(input: $input) { client { ${CLIENT_FIELDS} } userErrors { field message code } }
  }
`;

export const UPDATE_CLIENT = /* GraphQL */ `
  mutation UpdateClient($input: UpdateClientInput!) {
    updateClient(input: $input) { client { ${CLIENT_FIELDS} } userErrors { field message code } }
  }
`;

export const ARCHIVE_CLIENT = /* GraphQL */ `
  mutation ArchiveClient($input: ArchiveClientInput!) {
    archiveClient(input: $input) { client { ${CLIENT_FIELDS} } userErrors { field message code } }
  }
`;
