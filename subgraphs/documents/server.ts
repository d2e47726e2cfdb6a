import { DateTimeScalar } from '../../platform/scalars.ts';
import { mergeDisjoint, type SubgraphDefinition } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { documentsRules } from './documents-rules.ts';
import { createDocumentLoaders, type DocumentLoaders } from './documents/document-loaders.ts';
import { documentResolvers } from './documents/document-resolvers.ts';
import { documentsModuleRules } from './documents/documents-rules.ts';
import { messageAttachmentResolvers } from './messages/message-attachment-resolvers.ts';
import { messagesRules } from './messages/messages-rules.ts';

/** The documents subgraph: document records per client (and, later, uploads, sharing and e-signature). */
export const documentsSubgraph: SubgraphDefinition<DocumentLoaders, Resolvers> = {
  name: 'documents',
  resolvers: mergeDisjoint({ DateTime: DateTimeScalar }, documentResolvers, messageAttachmentResolvers),
  rules: mergeDisjoint(documentsRules, documentsModuleRules, messagesRules),
  createLoaders: createDocumentLoaders,
};
