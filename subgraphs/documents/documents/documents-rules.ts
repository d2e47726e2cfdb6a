import { allow, or } from 'graphql-shield';
import type { DocumentsClientReference } from './document-model.ts';
import type { DocumentRow } from '../../../db/schema/documents.ts';
import { allowedTo } from '../../../platform/authz.ts';
import { portalCanSee } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// Portal-visible fields, named one by one: staff with `document:read`, or a portal session granted
// the client. Any field not named here stays staff-only (FORBIDDEN to a portal session).
const clientForPortal = or(
  allowedTo('document:read'),
  portalCanSee<DocumentsClientReference>('DocumentsClient', (client) => client.id),
);
const documentForPortal = or(
  allowedTo('document:read'),
  portalCanSee<DocumentRow>('Document', (document) => document.clientId),
);

/** graphql-shield rules of the documents module: `Document`, documents' `Client` fields and `Query.document`. */
export const documentsModuleRules: RuleMap<Resolvers> = {
  Query: {
    document: allowedTo('document:read'),
  },
  Client: {
    '*': allowedTo('document:read'),
    id: clientForPortal,
    documents: clientForPortal,
  },
  Document: {
    '*': allowedTo('document:read'),
    id: documentForPortal,
    filename: documentForPortal,
    contentType: documentForPortal,
    sizeBytes: documentForPortal,
    client: documentForPortal,
    createdAt: documentForPortal,
  },
  DocumentConnection: allow,
  DocumentEdge: allow,
};
