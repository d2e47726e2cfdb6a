import { allow, or } from 'graphql-shield';
import type { DocumentsClientReference } from './document-model.ts';
import type { DocumentVersionRow } from '../../../db/schema/documents.ts';
import type { DocumentModel } from './document-store.ts';
import { allowedTo } from '../../../platform/authz.ts';
import { isPortalUser, portalCanSee } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// Portal-visible fields, named one by one: staff with `document:read`, or a portal session granted
// the client. Any field not named here stays staff-only (FORBIDDEN to a portal session). Which of
// the client's documents a portal user sees (the shared ones) the service decides.
const clientForPortal = or(
  allowedTo('document:read'),
  portalCanSee<DocumentsClientReference>('DocumentsClient', (client) => client.id),
);
const documentForPortal = or(
  allowedTo('document:read'),
  portalCanSee<DocumentModel>('Document', (document) => document.clientId),
);
const versionForPortal = or(
  allowedTo('document:read'),
  portalCanSee<DocumentVersionRow>('DocumentVersion', (version) => version.clientId),
);
// Uploading is for staff with `document:write` and for portal users into their `From client`
// folder; the service refuses anything else a portal user asks.
const uploads = or(allowedTo('document:write'), isPortalUser);

/** graphql-shield rules of the documents module: `Document`, `DocumentVersion`, documents' `Client` fields and their root fields. */
export const documentsModuleRules: RuleMap<Resolvers> = {
  Query: {
    document: allowedTo('document:read'),
  },
  Mutation: {
    requestDocumentUpload: uploads,
    completeDocumentUpload: uploads,
    restoreDocumentVersion: allowedTo('document:write'),
    renameDocument: allowedTo('document:write'),
    moveDocument: allowedTo('document:write'),
  },
  Client: {
    '*': allowedTo('document:read'),
    id: clientForPortal,
    documents: clientForPortal,
    folders: clientForPortal,
  },
  Document: {
    '*': allowedTo('document:read'),
    id: documentForPortal,
    filename: documentForPortal,
    contentType: documentForPortal,
    sizeBytes: documentForPortal,
    client: documentForPortal,
    createdAt: documentForPortal,
    category: documentForPortal,
    folder: documentForPortal,
    currentVersion: documentForPortal,
    versions: documentForPortal,
  },
  DocumentVersion: {
    '*': allowedTo('document:read'),
    id: versionForPortal,
    versionNumber: versionForPortal,
    filename: versionForPortal,
    contentType: versionForPortal,
    byteSize: versionForPortal,
    sha256: versionForPortal,
    signed: versionForPortal,
    createdAt: versionForPortal,
    downloadUrl: versionForPortal,
  },
  DownloadLink: allow,
  DocumentConnection: allow,
  DocumentEdge: allow,
  RequestDocumentUploadPayload: allow,
  DocumentUploadForm: allow,
  UploadFormField: allow,
  DocumentVersionPayload: allow,
  DocumentPayload: allow,
  UserError: allow,
};
