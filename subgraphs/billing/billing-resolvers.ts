import type { Resolvers } from './__generated__/resolvers-types.ts';
import { actingFirmId } from '../../platform/signed-context.ts';

/**
 * Reference resolvers of the entities other subgraphs own that billing adds fields to. A `Firm`
 * resolves only as the caller's active firm (null otherwise, like crm's); `User` and `Engagement`
 * resolve to their key, and each field billing adds checks the caller and the firm itself.
 */
export const billingResolvers: Resolvers = {
  Firm: { __resolveReference: (reference, ctx) => (actingFirmId(ctx.actor) === reference.id ? reference : null) },
  User: { __resolveReference: (reference) => reference },
  Engagement: { __resolveReference: (reference) => reference },
};
