import { DateTimeScalar } from '../../platform/scalars.ts';
import { mergeResolverMaps, type SubgraphDefinition } from '../../platform/subgraph-server.ts';
import { documentsRules } from './documents-rules.ts';
import { createDocumentLoaders, type DocumentLoaders } from './documents/document-loaders.ts';
import { documentResolvers } from './documents/document-resolvers.ts';
import { messageAttachmentResolvers } from './messages/message-attachment-resolvers.ts';

/** The documents subgraph: document records per client (and, later, uploads, sharing and e-signature). */
export const documentsSubgraph: SubgraphDefinition<DocumentLoaders> = {
  name: 'documents',
  resolvers: mergeResolverMaps({ DateTime: DateTimeScalar }, documentResolvers, messageAttachmentResolvers),
  rules: documentsRules,
  createLoaders: createDocumentLoaders,
};
