import { allow } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// A timer is its staff member's own: `time:write`, and the service refuses API keys (they own no
// timer). Portal sessions hold no permission and are denied every field. `Subscription` and
// `TimerChangedEvent` are served by the gateway and never executed here, so they stay denied.
const ownsTimers = allowedTo('time:write');

/** graphql-shield rules of the timers module. */
export const timersRules: RuleMap<Resolvers> = {
  Query: { runningTimer: ownsTimers },
  Mutation: { startTimer: ownsTimers, stopTimer: ownsTimers, discardTimer: ownsTimers },
  RunningTimer: ownsTimers,
  StartTimerPayload: allow,
  StopTimerPayload: allow,
  DiscardTimerPayload: allow,
};
