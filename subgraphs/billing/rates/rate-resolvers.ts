import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { findService } from '../services/catalogue-service.ts';
import {
  deleteRate,
  effectiveRate,
  findRate,
  firmRates,
  rateAmount,
  setCostRate,
  setRate,
  userCostRates,
} from './rate-service.ts';

/** Resolvers of `Rate`, cost rates, `Firm.rates`, `effectiveRate` and the rate mutations. */
export const rateResolvers: Resolvers = {
  Query: {
    effectiveRate: (_parent, args, ctx) => effectiveRate(ctx, args),
  },
  Mutation: {
    setRate: (_parent, { input }, ctx) => setRate(ctx, input),
    deleteRate: (_parent, { input }, ctx) => deleteRate(ctx, input.id),
    setCostRate: (_parent, { input }, ctx) => setCostRate(ctx, input),
  },
  Rate: {
    __resolveReference: (reference, ctx) => findRate(ctx, reference.id),
    engagement: (rate) => (rate.engagementId ? { id: rate.engagementId } : null),
    client: (rate) => (rate.clientId ? { id: rate.clientId } : null),
    user: (rate) => (rate.userId ? { id: rate.userId } : null),
    service: (rate, _args, ctx) => (rate.serviceId ? findService(ctx, rate.serviceId) : null),
    role: (rate) => rate.role as 'OWNER' | 'ADMIN' | 'MANAGER' | 'STAFF' | null,
    hourlyRate: (rate) => rateAmount(rate),
  },
  Firm: {
    rates: (firm, args, ctx) => firmRates(ctx, firm, args),
  },
  User: {
    costRates: (user, _args, ctx) => userCostRates(ctx, user),
  },
};
