import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { notFound } from '../../../platform/errors.ts';
import { selectsField } from '../../../platform/relay.ts';
import {
  assignEngagementTeamMember,
  changeEngagementStatus,
  createEngagement,
  engagementTeam,
  findEngagement,
  listClientEngagements,
  listFirmEngagements,
  removeEngagementTeamMember,
  updateEngagement,
} from './engagement-service.ts';

/** Resolvers of `Engagement`, `Client.engagements`, `Firm.engagements` and the engagement root fields. */
export const engagementResolvers: Resolvers = {
  Query: {
    engagement: (_parent, { id }, ctx) => findEngagement(ctx, id),
  },
  Mutation: {
    createEngagement: (_parent, { input }, ctx) => createEngagement(ctx, input),
    updateEngagement: (_parent, { input }, ctx) => updateEngagement(ctx, input),
    changeEngagementStatus: (_parent, { input }, ctx) => changeEngagementStatus(ctx, input),
    assignEngagementTeamMember: (_parent, { input }, ctx) => assignEngagementTeamMember(ctx, input),
    removeEngagementTeamMember: (_parent, { input }, ctx) => removeEngagementTeamMember(ctx, input),
  },
  Engagement: {
    __resolveReference: (reference, ctx) => findEngagement(ctx, reference.id),
    client: async (engagement, _args, ctx) => {
      const client = await ctx.loaders.clientById.load(engagement.clientId);
      if (!client) throw notFound('Client');
      return client;
    },
    manager: (engagement) => ({ kind: 'STAFF', id: engagement.managerUserId }),
    team: (engagement, _args, ctx) => engagementTeam(ctx, engagement),
  },
  Client: {
    engagements: (client, args, ctx, info) =>
      listClientEngagements(ctx, client, args, selectsField(info, 'totalCount')),
  },
  Firm: {
    engagements: (firm, args, ctx, info) => listFirmEngagements(ctx, firm, args, selectsField(info, 'totalCount')),
  },
};
