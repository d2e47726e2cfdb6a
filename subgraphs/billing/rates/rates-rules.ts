import { allow } from 'graphql-shield';
import { allowedTo, isFirmMember } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/**
 * graphql-shield rules of the rates module. Rate cards are staff data behind `rate:read`; a staff
 * member's own cost rates are theirs to see, which the service decides (`userCostRates`).
 */
export const ratesRules: RuleMap<Resolvers> = {
  Query: { effectiveRate: allowedTo('rate:read') },
  Mutation: {
    setRate: allowedTo('rate:write'),
    deleteRate: allowedTo('rate:write'),
    setCostRate: allowedTo('rate:write'),
  },
  Rate: allowedTo('rate:read'),
  RateConnection: allow,
  RateEdge: allow,
  EffectiveRate: allowedTo('rate:read'),
  CostRate: allow,
  Firm: { rates: allowedTo('rate:read') },
  User: { costRates: isFirmMember },
  SetRatePayload: allow,
  DeleteRatePayload: allow,
  SetCostRatePayload: allow,
};
