import { DateTimeScalar } from '../shared/scalars.ts';
import type { SubgraphDefinition } from '../shared/subgraph-server.ts';
import { documentsRules } from './documents-rules.ts';
import { createDocumentLoaders, type DocumentLoaders } from './documents/document-loaders.ts';
import { documentResolvers } from './documents/document-resolvers.ts';

/** The documents subgraph: document records per client (and, later, uploads, sharing and e-signature). */
export const documentsSubgraph: SubgraphDefinition<DocumentLoaders> = {
  name: 'documents',
  resolvers: { DateTime: DateTimeScalar, ...documentResolvers },
  rules: documentsRules,
  createLoaders: createDocumentLoaders,
};
