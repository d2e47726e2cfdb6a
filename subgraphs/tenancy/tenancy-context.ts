import type { SubgraphContext } from '../shared/subgraph-server.ts';
import type { IdentityLoaders } from './identity/identity-loaders.ts';

/** Per-request context of the tenancy subgraph. */
export type TenancyContext = SubgraphContext<IdentityLoaders>;
