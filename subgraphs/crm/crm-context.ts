import type { SubgraphContext } from '../shared/subgraph-server.ts';
import type { ClientLoaders } from './clients/client-loaders.ts';

/** Per-request context of the crm subgraph. */
export type CrmContext = SubgraphContext<ClientLoaders>;
