import type { timeRoundingEnum } from '../../../db/schema/time.ts';

/** A firm's timer rounding setting (`billing.time_rounding`). */
export type TimeRoundingValue = (typeof timeRoundingEnum.enumValues)[number];

/** The most minutes one time entry may hold (a day; `time_entries_minutes` in db/schema/time.ts). */
const MAX_ENTRY_MINUTES = 1440;

/** The step each rounding rounds up to, in minutes. */
const STEP_MINUTES: Record<TimeRoundingValue, number> = { NONE: 1, UP_TO_6_MINUTES: 6, UP_TO_15_MINUTES: 15 };

/**
 * The minutes a stopped timer records, under the firm's `timeRounding` (billing.firm_time_settings;
 * the `TimeRounding` enum of subgraphs/billing/time-entries/time-entries.graphql). The one statement
 * of the rule:
 *
 * 1. A started minute counts as a whole one: `ceil(elapsedSeconds / 60)`, and at least 1 (a timer
 *    stopped within its first second still records a minute). Partial seconds are the caller's to
 *    drop: pass whole seconds (the service passes `floor` of the database clock's difference).
 * 2. Then up to the next multiple of the step: `NONE` 1 (whole minutes as timed), `UP_TO_6_MINUTES`
 *    6 (tenths of an hour), `UP_TO_15_MINUTES` 15 (quarter hours). A count already on a multiple
 *    stays as it is (12 minutes under UP_TO_6 is 12, 13 is 18).
 * 3. Capped at 1,440 minutes, the most one entry holds. 1,440 is a multiple of every step, so the
 *    cap never breaks step 2; the timer service refuses timers over a day before rounding.
 *
 * @param elapsedSeconds whole seconds since the timer started, ≥ 0.
 * @returns minutes, 1–1,440, a multiple of the rounding's step (below the cap).
 * @throws RangeError when `elapsedSeconds` is negative, not an integer or not finite.
 */
export function roundTimerMinutes(elapsedSeconds: number, rounding: TimeRoundingValue): number {
  if (!Number.isSafeInteger(elapsedSeconds) || elapsedSeconds < 0) {
    throw new RangeError(`elapsedSeconds must be a non-negative whole number, got ${elapsedSeconds}`);
  }
  const step = STEP_MINUTES[rounding];
  const minutes = Math.max(1, Math.ceil(elapsedSeconds / 60));
  return Math.min(MAX_ENTRY_MINUTES, Math.ceil(minutes / step) * step);
}
