import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { findService } from '../services/catalogue-service.ts';
import {
  clientWip,
  engagementWip,
  setStaffCapacity,
  utilizationReport,
  weeklyCapacityMinutes,
  wipReport,
  wipReportRowsPage,
  wipReportTotalsOf,
} from './time-report-service.ts';

/** Resolvers of the WIP and utilization reports, `setStaffCapacity`, and the fields they add to `User`, `Engagement` and `Client`. */
export const timeReportResolvers: Resolvers = {
  Query: {
    wipReport: (_parent, { asOf, groupBy }, ctx) => wipReport(ctx, asOf, groupBy),
    utilizationReport: (_parent, { from, to }, ctx) => utilizationReport(ctx, from, to),
  },
  Mutation: {
    setStaffCapacity: (_parent, { input }, ctx) => setStaffCapacity(ctx, input),
  },
  WipReport: {
    rows: (report, args, ctx) => wipReportRowsPage(ctx, report, args),
    totals: (report, _args, ctx) => wipReportTotalsOf(ctx, report),
  },
  WipRow: {
    service: (row, _args, ctx) => (row.serviceId === null ? null : findService(ctx, row.serviceId)),
  },
  User: {
    weeklyCapacityMinutes: (user, _args, ctx) => weeklyCapacityMinutes(ctx, user.id),
  },
  Engagement: {
    wip: (engagement, _args, ctx) => engagementWip(ctx, engagement.id),
  },
  Client: {
    wip: (client, _args, ctx) => clientWip(ctx, client),
  },
};
