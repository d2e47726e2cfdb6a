import { allow } from 'graphql-shield';
import { isFirmMember } from '../../platform/authz.ts';
import type { RuleMap } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';

/**
 * graphql-shield rules of billing's subgraph-wide SDL (`billing.graphql`) and federation's fields.
 * Each module adds its own (`invoices/invoices-rules.ts`); every type nobody names is denied.
 */
export const billingRules: RuleMap<Resolvers> = {
  Query: {
    _entities: isFirmMember,
    _service: allow,
  },
  Money: allow,
  PageInfo: allow,
  _Service: allow,
};
