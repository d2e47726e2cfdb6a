import type { runningTimers } from '../../../db/schema/time.ts';

/**
 * A running timer as resolvers receive it: the `billing.running_timers` row, with the whole seconds
 * elapsed since `startedAt` by the database clock when it was read (never negative).
 */
export type RunningTimerModel = typeof runningTimers.$inferSelect & { elapsedSeconds: number };
