import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { selectsField } from '../../../platform/relay.ts';
import { findService } from '../services/catalogue-service.ts';
import {
  approveTimeEntries,
  createTimeEntry,
  deleteTimeEntry,
  entryRate,
  entryValue,
  findTimeEntry,
  firmTimeSettings,
  listTime,
  rejectTimeEntries,
  submitTimeEntries,
  updateTimeEntry,
  updateTimeSettings,
} from './time-entry-service.ts';

const userRef = (id: string | null) => (id ? { id } : null);

/** Resolvers of `TimeEntry`, its lists on `Engagement`, `User` and `Firm`, the firm's time settings and the time mutations. */
export const timeEntryResolvers: Resolvers = {
  Query: {
    timeEntry: (_parent, { id }, ctx) => findTimeEntry(ctx, id),
  },
  Mutation: {
    createTimeEntry: (_parent, { input }, ctx) => createTimeEntry(ctx, input),
    updateTimeEntry: (_parent, { input }, ctx) => updateTimeEntry(ctx, input),
    deleteTimeEntry: (_parent, { input }, ctx) => deleteTimeEntry(ctx, input.id),
    submitTimeEntries: (_parent, { input }, ctx) => submitTimeEntries(ctx, input.ids),
    approveTimeEntries: (_parent, { input }, ctx) => approveTimeEntries(ctx, input.ids),
    rejectTimeEntries: (_parent, { input }, ctx) => rejectTimeEntries(ctx, input.ids, input.reason),
    updateTimeSettings: (_parent, { input }, ctx) => updateTimeSettings(ctx, input),
  },
  TimeEntry: {
    __resolveReference: (reference, ctx) => findTimeEntry(ctx, reference.id),
    user: (entry) => ({ id: entry.userId }),
    engagement: (entry) => ({ id: entry.engagementId }),
    client: (entry) => ({ id: entry.clientId }),
    service: async (entry, _args, ctx) => (await findService(ctx, entry.serviceId))!,
    submittedBy: (entry) => userRef(entry.submittedById),
    approvedBy: (entry) => userRef(entry.approvedById),
    rejectedBy: (entry) => userRef(entry.rejectedById),
    rate: (entry) => entryRate(entry),
    value: (entry) => entryValue(entry),
  },
  Engagement: {
    timeEntries: async (engagement, args, ctx, info) =>
      (await listTime(
        ctx,
        { kind: 'engagement', engagementId: engagement.id },
        args,
        selectsField(info, 'totalCount'),
      ))!,
  },
  User: {
    timeEntries: (user, args, ctx, info) =>
      listTime(ctx, { kind: 'user', userId: user.id }, args, selectsField(info, 'totalCount')),
  },
  Firm: {
    timeEntries: (firm, args, ctx, info) =>
      firm.id === (ctx.actor.kind === 'ANONYMOUS' ? null : ctx.actor.firmId)
        ? listTime(ctx, { kind: 'firm' }, args, selectsField(info, 'totalCount'))
        : null,
    timeZone: async (firm, _args, ctx) => (await firmTimeSettings(ctx, firm))?.timeZone ?? null,
    timeRounding: async (firm, _args, ctx) => (await firmTimeSettings(ctx, firm))?.timeRounding ?? null,
    allowSelfApproval: async (firm, _args, ctx) => (await firmTimeSettings(ctx, firm))?.allowSelfApproval ?? null,
  },
};
