import { allow, or } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// Time is staff data: a portal session holds none of these permissions and is denied every field.
// Which entries a staff member sees (their own, their engagements', or all) the service decides.
const readsTime = or(allowedTo('time:read_any'), allowedTo('time:write'), allowedTo('time:write_any'));
const writesTime = or(allowedTo('time:write'), allowedTo('time:write_any'));
// Approving needs time:approve or managing the entry's engagement, which any staff member may;
// the service refuses each entry the caller may not approve.
const approvesTime = or(allowedTo('time:approve'), allowedTo('time:write'));

/** graphql-shield rules of the time entries module. */
export const timeEntriesRules: RuleMap<Resolvers> = {
  Query: { timeEntry: readsTime },
  Mutation: {
    createTimeEntry: writesTime,
    updateTimeEntry: writesTime,
    deleteTimeEntry: writesTime,
    submitTimeEntries: writesTime,
    approveTimeEntries: approvesTime,
    rejectTimeEntries: approvesTime,
    updateTimeSettings: allowedTo('firm:update'),
  },
  TimeEntry: {
    '*': readsTime,
    rate: allowedTo('rate:read'),
    value: allowedTo('rate:read'),
  },
  TimeEntryRate: allowedTo('rate:read'),
  TimeEntryConnection: allow,
  TimeEntryEdge: allow,
  Engagement: { timeEntries: readsTime },
  User: { timeEntries: readsTime },
  Firm: {
    timeEntries: readsTime,
    timeZone: allowedTo('firm:read'),
    timeRounding: allowedTo('firm:read'),
    allowSelfApproval: allowedTo('firm:read'),
  },
  TimeEntryPayload: allow,
  DeleteTimeEntryPayload: allow,
  TimeEntriesPayload: allow,
  UpdateTimeSettingsPayload: allow,
};
