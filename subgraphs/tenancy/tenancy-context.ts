import type { SubgraphContext } from '../../platform/subgraph-server.ts';
import type { IdentityLoaders } from './identity/identity-loaders.ts';
import type { PortalLoaders } from './portal/portal-loaders.ts';

/** Per-request loaders of the tenancy subgraph, one set per domain module. */
export type TenancyLoaders = IdentityLoaders & PortalLoaders;

/** Per-request context of the tenancy subgraph. */
export type TenancyContext = SubgraphContext<TenancyLoaders>;
