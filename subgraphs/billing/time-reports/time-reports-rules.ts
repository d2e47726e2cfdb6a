import { allow, rule } from 'graphql-shield';
import { allowedTo, denied } from '../../../platform/authz.ts';
import { unauthenticated } from '../../../platform/errors.ts';
import type { Actor } from '../../../platform/signed-context.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { EntityReference } from '../billing-model.ts';
import { canSeeCapacity } from './time-report-service.ts';

// A member's own capacity, or anyone's with `time:read_any`; keyed by the user, so one rule
// evaluation serves every field of the same user in a request.
const selfOrReadAnyTime = rule('selfOrReadAnyTime', { cache: (parent: EntityReference) => parent.id })((
  parent: EntityReference,
  _args,
  context: { actor: Actor },
) => {
  if (context.actor.kind === 'ANONYMOUS') return unauthenticated();
  return canSeeCapacity(context.actor, parent.id) || denied(context.actor);
});

/**
 * graphql-shield rules of the time-reports module. WIP is the value of time (`rate:read`);
 * utilization is everyone's time (`time:read_any`); capacity is set with `firm:update`. No field
 * here is portal-visible.
 */
export const timeReportsRules: RuleMap<Resolvers> = {
  Query: {
    wipReport: allowedTo('rate:read'),
    utilizationReport: allowedTo('time:read_any'),
  },
  Mutation: {
    setStaffCapacity: allowedTo('firm:update'),
  },
  WipReport: allowedTo('rate:read'),
  WipRowConnection: allowedTo('rate:read'),
  WipRowEdge: allowedTo('rate:read'),
  WipRow: allowedTo('rate:read'),
  WipTotal: allowedTo('rate:read'),
  WipAging: allowedTo('rate:read'),
  WipAmount: allowedTo('rate:read'),
  UtilizationReport: allowedTo('time:read_any'),
  UtilizationRow: allowedTo('time:read_any'),
  SetStaffCapacityPayload: allow,
  User: { weeklyCapacityMinutes: selfOrReadAnyTime },
  Engagement: { wip: allowedTo('rate:read') },
  Client: { wip: allowedTo('rate:read') },
};
