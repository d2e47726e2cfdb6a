import { selectsOnlyTotalCount } from '../../../platform/relay.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { findFolder } from '../folders/folder-service.ts';
import {
  completeDocumentUpload,
  currentVersion,
  documentVersions,
  findDocument,
  clientDocuments,
  moveDocument,
  renameDocument,
  requestDocumentUpload,
  restoreDocumentVersion,
  versionDownloadUrl,
} from './document-service.ts';

/** Resolvers of `Document`, `DocumentVersion`, `Client.documents`, the document root fields and the upload mutations. */
export const documentResolvers: Resolvers = {
  Query: {
    document: (_parent, { id }, ctx) => findDocument(ctx, id),
  },
  Mutation: {
    requestDocumentUpload: async (_parent, { input }, ctx) => {
      const { upload, userErrors } = await requestDocumentUpload(ctx, input);
      return {
        upload: upload && {
          uploadId: upload.uploadId,
          url: upload.url,
          fields: Object.entries(upload.fields).map(([name, value]) => ({ name, value })),
          expiresAt: upload.expiresAt,
        },
        userErrors,
      };
    },
    completeDocumentUpload: (_parent, { input }, ctx) => completeDocumentUpload(ctx, input),
    restoreDocumentVersion: (_parent, { input }, ctx) => restoreDocumentVersion(ctx, input),
    renameDocument: (_parent, { input }, ctx) => renameDocument(ctx, input),
    moveDocument: (_parent, { input }, ctx) => moveDocument(ctx, input),
  },
  Client: {
    __resolveReference: (reference) => reference,
    documents: (client, args, ctx, info) => clientDocuments(ctx, client.id, args, selectsOnlyTotalCount(info)),
  },
  Document: {
    __resolveReference: (reference, ctx) => findDocument(ctx, reference.id),
    client: (document) => ({ id: document.clientId }),
    folder: (document, _args, ctx) => findFolder(ctx, document.folderId),
    currentVersion: (document, _args, ctx) => currentVersion(ctx, document),
    versions: (document, _args, ctx) => documentVersions(ctx, document),
  },
  DocumentVersion: {
    downloadUrl: (version, _args, ctx) => versionDownloadUrl(ctx, version),
  },
};
