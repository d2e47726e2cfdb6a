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
  UserError: allow,
  // The key of another subgraph's entity: any member of the firm may hold it. Each field billing
  // adds to these types has its own rule in its module.
  User: { id: isFirmMember },
  Engagement: { id: isFirmMember },
  Firm: { id: isFirmMember },
  _Service: allow,
};
