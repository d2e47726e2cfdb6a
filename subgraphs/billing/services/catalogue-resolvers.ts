import type { Resolvers } from '../__generated__/resolvers-types.ts';
import {
  createService,
  engagementArrangement,
  findService,
  firmServices,
  setEngagementBillingArrangement,
  updateService,
} from './catalogue-service.ts';

/** Resolvers of `Service`, engagement billing arrangements, `Firm.services` and their root fields. */
export const catalogueResolvers: Resolvers = {
  Query: {
    service: (_parent, { id }, ctx) => findService(ctx, id),
  },
  Mutation: {
    createService: (_parent, { input }, ctx) => createService(ctx, input),
    updateService: (_parent, { input }, ctx) => updateService(ctx, input),
    setEngagementBillingArrangement: (_parent, { input }, ctx) => setEngagementBillingArrangement(ctx, input),
  },
  Service: {
    __resolveReference: (reference, ctx) => findService(ctx, reference.id),
  },
  Engagement: {
    billingArrangement: (engagement, _args, ctx) => engagementArrangement(ctx, engagement),
  },
  EngagementServiceLine: {
    service: (line, _args, ctx) => findService(ctx, line.service.id).then((row) => row!),
  },
  Firm: {
    services: (firm, { includeInactive }, ctx) => firmServices(ctx, firm, includeInactive ?? false),
  },
};
