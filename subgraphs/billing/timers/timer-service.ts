import type { Tx } from '../../../db/client.ts';
import type { TimeEntryRow } from '../../../db/schema/time.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertStaffCan, type FirmStaffActor } from '../../../platform/authz.ts';
import { enqueueEvents } from '../../../platform/outbox.ts';
import { optionalText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { StartTimerInput, UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import {
  checkTimeTarget,
  MAX_DESCRIPTION,
  MINUTES_PER_DAY,
  recordTimeEntry,
  refusingTimeRules,
} from '../time-entries/time-entry-service.ts';
import { getTimeSettings } from '../time-entries/time-entry-store.ts';
import type { RunningTimerModel } from './timer-model.ts';
import { roundTimerMinutes } from './time-rounding.ts';
import { dateIn, deleteRunningTimer, getRunningTimer, insertRunningTimer, lockUserTimer } from './timer-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result of `startTimer`. */
export interface StartTimerPayload {
  timer: RunningTimerModel | null;
  stoppedEntry: TimeEntryRow | null;
  userErrors: UserError[];
}

/** Result of `stopTimer`. */
export interface StopTimerPayload {
  timeEntry: TimeEntryRow | null;
  userErrors: UserError[];
}

/** Result of `discardTimer`. */
export interface DiscardTimerPayload {
  discarded: boolean;
  userErrors: UserError[];
}

/** The longest a timer may run and still be stopped into an entry: a day, in seconds. */
const MAX_TIMER_SECONDS = MINUTES_PER_DAY * 60;

/** Timers are a staff member's own: `time:write`, and a signed-in user (an API key owns no timer). @throws FORBIDDEN, UNAUTHENTICATED */
function assertTimerOwner(ctx: BillingContext): FirmStaffActor {
  return assertStaffCan(ctx.actor, 'time:write');
}

const noTimer = (): UserError => ({ field: [], message: 'No timer is running.', code: 'NOT_FOUND' });

/**
 * Runs `work` in one `withTenant` transaction of the actor's firm that first takes the actor's
 * timer lock (`lockUserTimer`) and then reads their running timer (null when none), so every timer
 * change of one user is serialized and sees the one before it.
 */
async function withOwnTimer<T>(
  ctx: BillingContext,
  actor: FirmStaffActor,
  work: (tx: Tx, current: RunningTimerModel | null) => Promise<T>,
): Promise<T> {
  const owner = { firmId: actor.firmId, userId: actor.userId };
  return ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => {
    await lockUserTimer(tx, owner);
    return work(tx, await getRunningTimer(tx, owner));
  });
}

/**
 * The caller's running timer in the active firm, or null.
 * @throws FORBIDDEN unless the caller is staff with `time:write`; UNAUTHENTICATED when anonymous.
 */
export async function findRunningTimer(ctx: BillingContext): Promise<RunningTimerModel | null> {
  const actor = assertTimerOwner(ctx);
  return ctx.database.withTenant({ firmId: actor.firmId }, (tx) =>
    getRunningTimer(tx, { firmId: actor.firmId, userId: actor.userId }),
  );
}

/**
 * Stops `timer` into a DRAFT entry inside `tx`, which holds `lockUserTimer`: minutes by
 * `roundTimerMinutes` (subgraphs/billing/timers/time-rounding.ts) under the firm's `timeRounding`,
 * from the whole seconds elapsed by the database clock; work date the date `startedAt` falls on in
 * the firm's time zone, so a timer running past midnight books all its time on the day it started;
 * everything else as `recordTimeEntry` checks it (the engagement still ACTIVE, the caller still on
 * its team, the service still active, the day's 1,440 minutes). A timer that ran longer than a day
 * is refused with OUT_OF_RANGE (almost always a forgotten timer: the caller discards it and records
 * the time by hand). On a refusal nothing is written and the timer keeps running; user errors have
 * no field (there is no input at fault) and say that the running timer is what cannot be stopped.
 * Audits `timer.stop`.
 */
async function stopInto(
  tx: Tx,
  ctx: BillingContext,
  actor: FirmStaffActor,
  timer: RunningTimerModel,
): Promise<StopTimerPayload> {
  if (timer.elapsedSeconds > MAX_TIMER_SECONDS) {
    return {
      timeEntry: null,
      userErrors: [
        {
          field: [],
          message:
            'The running timer has run for more than 24 hours; discard it and record the time with createTimeEntry.',
          code: 'OUT_OF_RANGE',
        },
      ],
    };
  }
  const settings = await getTimeSettings(tx, actor.firmId);
  const minutes = roundTimerMinutes(timer.elapsedSeconds, settings.timeRounding);
  const recorded = await recordTimeEntry(tx, ctx, actor, {
    userId: actor.userId,
    engagementId: timer.engagementId,
    serviceId: timer.serviceId,
    workDate: await dateIn(tx, timer.startedAt, settings.timeZone),
    minutes,
    description: timer.description,
    billable: null,
  });
  if (!recorded.timeEntry) {
    return {
      timeEntry: null,
      userErrors: recorded.userErrors.map(stopRefused),
    };
  }
  await deleteRunningTimer(tx, timer);
  await recordAudit(tx, ctx, {
    firmId: actor.firmId,
    action: 'timer.stop',
    targetType: 'time_entry',
    targetId: recorded.timeEntry.id,
    metadata: { engagementId: timer.engagementId, elapsedSeconds: timer.elapsedSeconds, minutes },
  });
  return recorded;
}

/** Queues the `timer.changed` event of the caller's change in `tx` (platform/outbox.ts), published after commit. */
async function timerChanged(
  tx: Tx,
  actor: FirmStaffActor,
  change: 'STARTED' | 'STOPPED' | 'DISCARDED',
  timeEntryId: string | null,
): Promise<void> {
  await enqueueEvents(tx, 'billing', [
    { firmId: actor.firmId, topic: 'timer.changed', payload: { userId: actor.userId, change, timeEntryId } },
  ]);
}

/** A stop refused because the day would exceed 1,440 minutes, worded like the other stop refusals. */
function stopRefused(error: UserError): UserError {
  return { ...error, field: [], message: `The running timer cannot be stopped: ${error.message}` };
}

/**
 * Starts the caller's timer, in one transaction: where it runs is checked as recorded time is
 * (`checkTimeTarget`: ACTIVE engagement, on its team or `time:write_any`, active service); a timer
 * already running is stopped first (`stopInto`), and if that is refused nothing changes. The whole
 * change holds the user's timer lock (`lockUserTimer`), so of two concurrent starts the second waits
 * and then stops the first's timer: one timer is left. Audits `timer.start` and publishes
 * `timer.changed` STARTED (with the stopped entry's id) after commit.
 * @throws FORBIDDEN unless the caller is staff with `time:write`; UNAUTHENTICATED when anonymous.
 */
export async function startTimer(ctx: BillingContext, input: StartTimerInput): Promise<StartTimerPayload> {
  const actor = assertTimerOwner(ctx);
  const userErrors: UserError[] = [];
  const description = optionalText(input.description, ['input', 'description'], MAX_DESCRIPTION, userErrors);
  if (userErrors.length > 0) return { timer: null, stoppedEntry: null, userErrors };
  return refusingTimeRules(
    () =>
      withOwnTimer(ctx, actor, async (tx, previous) => {
        const target = await checkTimeTarget(tx, actor, {
          userId: actor.userId,
          engagementId: input.engagementId,
          serviceId: input.serviceId,
        });
        if (!target.engagement || !target.service || target.userErrors.length > 0) {
          return { timer: null, stoppedEntry: null, userErrors: target.userErrors };
        }
        let stoppedEntry: TimeEntryRow | null = null;
        if (previous) {
          const stopped = await stopInto(tx, ctx, actor, previous);
          if (!stopped.timeEntry) return { timer: null, stoppedEntry: null, userErrors: stopped.userErrors };
          stoppedEntry = stopped.timeEntry;
        }
        const timer = await insertRunningTimer(tx, {
          firmId: actor.firmId,
          userId: actor.userId,
          engagementId: target.engagement.engagementId,
          serviceId: target.service.id,
          description,
        });
        await recordAudit(tx, ctx, {
          firmId: actor.firmId,
          action: 'timer.start',
          targetType: 'user',
          targetId: actor.userId,
          metadata: {
            engagementId: timer.engagementId,
            serviceId: timer.serviceId,
            stoppedEntryId: stoppedEntry?.id ?? null,
          },
        });
        await timerChanged(tx, actor, 'STARTED', stoppedEntry?.id ?? null);
        return { timer, stoppedEntry, userErrors: [] };
      }),
    (error) => ({ timer: null, stoppedEntry: null, userErrors: [stopRefused(error)] }),
  );
}

/**
 * Stops the caller's timer into a DRAFT entry, in one transaction (`stopInto`); NOT_FOUND (a user
 * error) when none is running. Publishes `timer.changed` STOPPED after commit.
 * @throws FORBIDDEN unless the caller is staff with `time:write`; UNAUTHENTICATED when anonymous.
 */
export async function stopTimer(ctx: BillingContext): Promise<StopTimerPayload> {
  const actor = assertTimerOwner(ctx);
  return refusingTimeRules(
    () =>
      withOwnTimer(ctx, actor, async (tx, timer) => {
        if (!timer) return { timeEntry: null, userErrors: [noTimer()] };
        const stopped = await stopInto(tx, ctx, actor, timer);
        if (stopped.timeEntry) await timerChanged(tx, actor, 'STOPPED', stopped.timeEntry.id);
        return stopped;
      }),
    (error) => ({ timeEntry: null, userErrors: [stopRefused(error)] }),
  );
}

/**
 * Discards the caller's timer without recording time, in one transaction; NOT_FOUND (a user error)
 * when none is running. Audits `timer.discard` (with the minutes it had run) and publishes
 * `timer.changed` DISCARDED after commit.
 * @throws FORBIDDEN unless the caller is staff with `time:write`; UNAUTHENTICATED when anonymous.
 */
export async function discardTimer(ctx: BillingContext): Promise<DiscardTimerPayload> {
  const actor = assertTimerOwner(ctx);
  return withOwnTimer(ctx, actor, async (tx, timer) => {
    if (!timer) return { discarded: false, userErrors: [noTimer()] };
    await deleteRunningTimer(tx, timer);
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'timer.discard',
      targetType: 'user',
      targetId: actor.userId,
      metadata: { engagementId: timer.engagementId, elapsedSeconds: timer.elapsedSeconds },
    });
    await timerChanged(tx, actor, 'DISCARDED', null);
    return { discarded: true, userErrors: [] };
  });
}
