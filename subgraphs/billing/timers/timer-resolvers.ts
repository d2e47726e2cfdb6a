import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { findService } from '../services/catalogue-service.ts';
import { discardTimer, findRunningTimer, startTimer, stopTimer } from './timer-service.ts';

/** Resolvers of `RunningTimer`, `Query.runningTimer` and the timer mutations. `timerChanged` is the gateway's. */
export const timerResolvers: Resolvers = {
  Query: {
    runningTimer: (_parent, _args, ctx) => findRunningTimer(ctx),
  },
  Mutation: {
    startTimer: (_parent, { input }, ctx) => startTimer(ctx, input),
    stopTimer: (_parent, _args, ctx) => stopTimer(ctx),
    discardTimer: (_parent, _args, ctx) => discardTimer(ctx),
  },
  RunningTimer: {
    engagement: (timer) => ({ id: timer.engagementId }),
    service: async (timer, _args, ctx) => (await findService(ctx, timer.serviceId))!,
    elapsedMinutes: (timer) => Math.floor(timer.elapsedSeconds / 60),
  },
};
