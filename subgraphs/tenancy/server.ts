import { mountIntrospection } from '../../platform/introspection.ts';
import { startOutboxDispatcher } from '../../platform/outbox.ts';
import { DateTimeScalar } from '../../platform/scalars.ts';
import { mergeDisjoint, type SubgraphDefinition } from '../../platform/subgraph-server.ts';
import { apiKeyResolvers } from './api-keys/api-key-resolvers.ts';
import { apiKeysRules } from './api-keys/api-keys-rules.ts';
import { breakGlassResolvers } from './break-glass/break-glass-resolvers.ts';
import { breakGlassRules } from './break-glass/break-glass-rules.ts';
import { auditResolvers } from './audit/audit-resolvers.ts';
import { auditRules } from './audit/audit-rules.ts';
import { tenancyIntrospection } from './introspection/introspection-service.ts';
import { createIdentityLoaders } from './identity/identity-loaders.ts';
import { identityResolvers } from './identity/identity-resolvers.ts';
import { identityRules } from './identity/identity-rules.ts';
import { createPortalLoaders } from './portal/portal-loaders.ts';
import { portalResolvers } from './portal/portal-resolvers.ts';
import { portalRules } from './portal/portal-rules.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { TenancyLoaders } from './tenancy-context.ts';
import { tenancyRules } from './tenancy-rules.ts';

/** The tenancy subgraph: firms, users, memberships, sessions, invitations, API keys, break-glass grants and portal users. */
export const tenancySubgraph: SubgraphDefinition<TenancyLoaders, Resolvers> = {
  name: 'tenancy',
  resolvers: mergeDisjoint(
    { DateTime: DateTimeScalar },
    identityResolvers,
    apiKeyResolvers,
    breakGlassResolvers,
    auditResolvers,
    portalResolvers,
  ),
  rules: mergeDisjoint(tenancyRules, identityRules, apiKeysRules, breakGlassRules, auditRules, portalRules),
  createLoaders: (scope) => mergeDisjoint(createIdentityLoaders(scope), createPortalLoaders(scope)),
  // The gateway resolves every bearer credential here (README "Authentication").
  mountRoutes: (app, { database, config }) => mountIntrospection(app, tenancyIntrospection(database, config)),
  // Credential revocations leave through tenancy's outbox; replicas share the work (SKIP LOCKED).
  startBackground: async (deps) => {
    const dispatcher = await startOutboxDispatcher({ schema: 'tenancy', ...deps });
    return () => dispatcher.stop();
  },
};
