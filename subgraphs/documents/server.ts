import { DateTimeScalar } from '../../platform/scalars.ts';
import { mergeDisjoint, type SubgraphDefinition } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { documentsRules } from './documents-rules.ts';
import { createDocumentLoaders, type DocumentLoaders } from './documents/document-loaders.ts';
import { documentResolvers } from './documents/document-resolvers.ts';
import { documentsModuleRules } from './documents/documents-rules.ts';
import { folderResolvers } from './folders/folder-resolvers.ts';
import { foldersRules } from './folders/folders-rules.ts';
import { messageAttachmentResolvers } from './messages/message-attachment-resolvers.ts';
import { messagesRules } from './messages/messages-rules.ts';
import { signatureResolvers } from './signatures/signature-resolvers.ts';
import { signaturesRules } from './signatures/signatures-rules.ts';
import { blobStoreFor } from './storage/blob-store.ts';
import { mountLocalBlobRoutes } from './storage/local-blob-store.ts';

/** The documents subgraph: folders, documents and their versions, uploads and downloads, portal sharing, e-signature. */
export const documentsSubgraph: SubgraphDefinition<DocumentLoaders, Resolvers> = {
  name: 'documents',
  resolvers: mergeDisjoint(
    { DateTime: DateTimeScalar },
    documentResolvers,
    folderResolvers,
    messageAttachmentResolvers,
    signatureResolvers,
  ),
  rules: mergeDisjoint(documentsRules, documentsModuleRules, foldersRules, messagesRules, signaturesRules),
  createLoaders: createDocumentLoaders,
  // The local blob store's signed upload and download routes (none for S3, which browsers reach directly).
  mountRoutes: (app, { config }) => mountLocalBlobRoutes(app, blobStoreFor(config)),
};
