import { DateTimeScalar } from '../shared/scalars.ts';
import type { SubgraphDefinition } from '../shared/subgraph-server.ts';
import { apiKeyResolvers } from './api-keys/api-key-resolvers.ts';
import { breakGlassResolvers } from './break-glass/break-glass-resolvers.ts';
import { auditResolvers } from './audit/audit-resolvers.ts';
import { createIdentityLoaders, type IdentityLoaders } from './identity/identity-loaders.ts';
import { identityResolvers } from './identity/identity-resolvers.ts';
import { tenancyRules } from './tenancy-rules.ts';

/** Merges resolver maps type by type, so several modules can each add `Query` and `Mutation` fields. */
function mergeResolverMaps(...maps: object[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      const existing = merged[type];
      merged[type] = existing ? { ...(existing as object), ...(fields as object) } : fields;
    }
  }
  return merged;
}

/** The tenancy subgraph: firms, users, memberships, sessions, invitations, API keys and break-glass grants. */
export const tenancySubgraph: SubgraphDefinition<IdentityLoaders> = {
  name: 'tenancy',
  resolvers: mergeResolverMaps({ DateTime: DateTimeScalar }, identityResolvers, apiKeyResolvers, breakGlassResolvers, auditResolvers),
  rules: tenancyRules,
  createLoaders: createIdentityLoaders,
};
