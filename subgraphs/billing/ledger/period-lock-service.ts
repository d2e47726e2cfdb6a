import type { Tx } from '../../../db/client.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { optionalText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type {
  ClosePeriodInput,
  HardLockPeriodInput,
  ReopenPeriodInput,
  UserErrorCode,
} from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import type { EntityReference } from '../billing-model.ts';
import { getPeriodLock, lockPeriodLock, savePeriodLock, type PeriodLockState } from './ledger-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** A firm's period locks as the API shows them (`YYYY-MM-DD` or null). */
export interface PeriodLockModel {
  lockDate: string | null;
  hardLockDate: string | null;
}

/** Result of the period-lock mutations. */
export interface PeriodLockPayload {
  periodLock: PeriodLockModel | null;
  userErrors: UserError[];
}

/** The longest reason a reopening may give: what an audit record's metadata holds (platform/audit.ts). */
const MAX_REOPEN_REASON = 500;

/** The firm's period locks; null unless `firm` is the active firm. Requires `ledger:read`. */
export async function firmPeriodLock(ctx: BillingContext, firm: EntityReference): Promise<PeriodLockModel | null> {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  if (firm.id !== firmId) return null;
  return ctx.database.withTenant({ firmId }, (tx) => getPeriodLock(tx, { firmId }));
}

const refused = (code: UserErrorCode, message: string): PeriodLockPayload => ({
  periodLock: null,
  userErrors: [{ field: ['input', 'through'], message, code }],
});

/** OUT_OF_RANGE for a lock after today: a period is closed once it has ended. */
function afterToday(through: string, state: PeriodLockState): PeriodLockPayload | null {
  return through > state.today
    ? refused(
        'OUT_OF_RANGE',
        `A period can be closed only once it has ended: ${through} is after today (${state.today}).`,
      )
    : null;
}

/**
 * Runs one period-lock change in one transaction of the actor's firm, on the firm's period-lock row
 * locked FOR UPDATE (`lockPeriodLock`): the change waits for postings in flight and later postings
 * see it. `change` returns the new locks, or a refusal (nothing written).
 */
async function changeLock(
  ctx: BillingContext,
  firmId: string,
  change: (tx: Tx, state: PeriodLockState) => Promise<PeriodLockPayload>,
): Promise<PeriodLockPayload> {
  return ctx.database.withTenant({ firmId }, async (tx) => change(tx, await lockPeriodLock(tx, { firmId })));
}

/**
 * Closes the books through `through`, in one transaction. Requires `period:close`. The lock only
 * moves forward: a date on or before the current lock (or the hard lock) is LOCK_BACKWARDS, and a
 * date after today in the firm's time zone OUT_OF_RANGE. From then on the database refuses journal
 * entries and time dated on or before it (migration 0017). Audited as `period.close`.
 */
export async function closePeriod(ctx: BillingContext, input: ClosePeriodInput): Promise<PeriodLockPayload> {
  const { firmId } = assertCan(ctx.actor, 'period:close');
  return changeLock(ctx, firmId, async (tx, state) => {
    const current = maxDate(state.lockDate, state.hardLockDate);
    if (current !== null && input.through <= current) {
      return refused(
        'LOCK_BACKWARDS',
        `The books are already closed through ${current}; use reopenPeriod to move back.`,
      );
    }
    const future = afterToday(input.through, state);
    if (future) return future;
    const periodLock = await savePeriodLock(tx, {
      firmId,
      lockDate: input.through,
      hardLockDate: state.hardLockDate,
      allowReopen: false,
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'period.close',
      targetType: 'period_lock',
      targetId: firmId,
      metadata: { from: state.lockDate, to: input.through },
    });
    return { periodLock, userErrors: [] };
  });
}

/**
 * Moves the period lock back to `through` with a reason, in one transaction. Requires
 * `period:reopen` (OWNER). The reason is required (REQUIRED; at most 500 characters, TOO_LONG);
 * `through` must be earlier than the current lock (INVALID otherwise: that is closing, not
 * reopening) and not earlier than the hard lock (LOCK_BACKWARDS). Sets `app.period_reopen` in its
 * transaction, the one way migration 0017 lets the lock move back. Audited as `period.reopen` with
 * the reason.
 */
export async function reopenPeriod(ctx: BillingContext, input: ReopenPeriodInput): Promise<PeriodLockPayload> {
  const { firmId } = assertCan(ctx.actor, 'period:reopen');
  const userErrors: UserError[] = [];
  const reason = optionalText(input.reason, ['input', 'reason'], MAX_REOPEN_REASON, userErrors);
  if (reason === null && userErrors.length === 0) {
    userErrors.push({ field: ['input', 'reason'], message: 'Say why the period is reopened.', code: 'REQUIRED' });
  }
  if (userErrors.length > 0) return { periodLock: null, userErrors };
  return changeLock(ctx, firmId, async (tx, state) => {
    if (state.hardLockDate !== null && input.through < state.hardLockDate) {
      return refused('LOCK_BACKWARDS', `The hard lock through ${state.hardLockDate} can never be reopened.`);
    }
    if (state.lockDate === null || input.through >= state.lockDate) {
      return refused(
        'INVALID',
        state.lockDate === null
          ? 'No period is closed.'
          : `The books are closed through ${state.lockDate}; reopening moves the lock to an earlier date.`,
      );
    }
    const periodLock = await savePeriodLock(tx, {
      firmId,
      lockDate: input.through,
      hardLockDate: state.hardLockDate,
      allowReopen: true,
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'period.reopen',
      targetType: 'period_lock',
      targetId: firmId,
      metadata: { from: state.lockDate, to: input.through, reason },
    });
    return { periodLock, userErrors: [] };
  });
}

/**
 * Sets the hard lock through `through`, in one transaction. Requires `period:hard_lock` (OWNER) and
 * a staff session signed in with a second factor (`mfaVerified` of the signed context, set by
 * tenancy from the session: MFA_REQUIRED otherwise, API keys included). The hard lock never moves
 * back (LOCK_BACKWARDS for a date on or before it, also held by migration 0017's trigger) and a
 * date after today is OUT_OF_RANGE; the period lock moves up to it when it is earlier. Audited as
 * `period.hard_lock`.
 */
export async function hardLockPeriod(ctx: BillingContext, input: HardLockPeriodInput): Promise<PeriodLockPayload> {
  const actor = assertCan(ctx.actor, 'period:hard_lock');
  if (actor.kind !== 'STAFF' || actor.mfaVerified !== true) {
    return {
      periodLock: null,
      userErrors: [
        {
          field: [],
          message:
            'The hard lock needs a session signed in with multi-factor authentication: sign in again with your code.',
          code: 'MFA_REQUIRED',
        },
      ],
    };
  }
  const firmId = actor.firmId;
  return changeLock(ctx, firmId, async (tx, state) => {
    if (state.hardLockDate !== null && input.through <= state.hardLockDate) {
      return refused('LOCK_BACKWARDS', `The hard lock is already through ${state.hardLockDate}; it never moves back.`);
    }
    const future = afterToday(input.through, state);
    if (future) return future;
    const periodLock = await savePeriodLock(tx, {
      firmId,
      lockDate: maxDate(state.lockDate, input.through),
      hardLockDate: input.through,
      allowReopen: false,
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'period.hard_lock',
      targetType: 'period_lock',
      targetId: firmId,
      metadata: { from: state.hardLockDate, to: input.through, lockDate: periodLock.lockDate },
    });
    return { periodLock, userErrors: [] };
  });
}

/** The later of two `YYYY-MM-DD` dates, either of which may be null. */
function maxDate(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/** The user error of a date in a closed period, at `field`. */
export function periodLockedError(field: string[], through: string | null, date: string): UserError {
  return {
    field,
    message: through
      ? `The books are closed through ${through}: nothing dated ${date} can change.`
      : `The period of ${date} is closed.`,
    code: 'PERIOD_LOCKED',
  };
}
