import { allow } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/**
 * graphql-shield rules of the services module. The catalogue and arrangements are staff data: a
 * portal session holds no catalogue permission and is denied every field.
 */
export const catalogueRules: RuleMap<Resolvers> = {
  Query: { service: allowedTo('engagement:read') },
  Mutation: {
    createService: allowedTo('rate:write'),
    updateService: allowedTo('rate:write'),
    setEngagementBillingArrangement: allowedTo('engagement:write'),
  },
  Service: allowedTo('engagement:read'),
  Engagement: { billingArrangement: allowedTo('engagement:read') },
  Firm: { services: allowedTo('engagement:read') },
  EngagementBillingArrangement: allow,
  EngagementServiceLine: allow,
  ServicePayload: allow,
  SetEngagementBillingArrangementPayload: allow,
};
