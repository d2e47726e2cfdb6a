import { DateTimeScalar } from '../shared/scalars.ts';
import type { SubgraphDefinition } from '../shared/subgraph-server.ts';
import { createIdentityLoaders, type IdentityLoaders } from './identity/identity-loaders.ts';
import { identityResolvers } from './identity/identity-resolvers.ts';
import { tenancyRules } from './tenancy-rules.ts';

/** The tenancy subgraph: firms, users, memberships, sessions and invitations. */
export const tenancySubgraph: SubgraphDefinition<IdentityLoaders> = {
  name: 'tenancy',
  resolvers: { DateTime: DateTimeScalar, ...identityResolvers },
  rules: tenancyRules,
  createLoaders: createIdentityLoaders,
};
