import type { SubgraphContext } from '../../platform/subgraph-server.ts';
import type { DocumentLoaders } from './documents/document-loaders.ts';

/** Per-request context of the documents subgraph. */
export type DocumentsContext = SubgraphContext<DocumentLoaders>;
