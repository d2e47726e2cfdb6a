import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import type { ServiceRow, TimeEntryRow, TimeEntryStatusValue } from '../../../db/schema/time.ts';
import { recordAudit, recordAudits } from '../../../platform/audit.ts';
import { assertCan, denied, type FirmActor } from '../../../platform/authz.ts';
import { badUserInput, notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { money } from '../../../platform/money.ts';
import { parsePageArgs, toConnection, type Connection, type PageArgs } from '../../../platform/relay.ts';
import { can, type Actor } from '../../../platform/signed-context.ts';
import { isCheckViolation } from '../../../platform/pg-errors.ts';
import { lockedThrough } from '../ledger/journal-store.ts';
import { periodLockedError } from '../ledger/period-lock-service.ts';
import { isPeriodLocked } from '../ledger/posting-rules.ts';
import { isStorableText, optionalText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type {
  CreateTimeEntryInput,
  TimeEntryFilter,
  UpdateTimeEntryInput,
  UpdateTimeSettingsInput,
  UserErrorCode,
} from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { engagementsForTime, firmMembers, type EngagementForTime } from '../billing-crossings.ts';
import type { EntityReference } from '../billing-model.ts';
import { priceWork } from '../rates/rate-service.ts';
import { getServicesByIds } from '../services/catalogue-store.ts';
import {
  countTimeEntries,
  deleteTimeEntryRow,
  insertTimeEntry,
  isKnownTimeZone,
  listTimeEntries,
  lockTimeEntries,
  saveTimeSettings,
  timeEntrySortKey,
  recordingContext,
  updateTimeEntryRow,
  updateAllOrNone,
  updateTimeEntryRows,
  type TimeEntryQuery,
  type TimeSettings,
} from './time-entry-store.ts';
import { z } from 'zod';

type UserError = GenericUserError<UserErrorCode>;

/** Minutes in a day: the most one entry, and one user's entries on one work date together, may hold. */
export const MINUTES_PER_DAY = 1440;
/** The longest description a time entry (or a running timer, which becomes one) may have, in characters. */
export const MAX_DESCRIPTION = 2000;
const MAX_REASON = 1000;
/** The most ids one bulk mutation takes. */
const MAX_BULK_IDS = 200;
const EDITABLE: readonly TimeEntryStatusValue[] = ['DRAFT', 'REJECTED'];
const TIME_ENTRY_CURSOR = z.tuple([z.iso.date(), z.uuid()]);
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Result of `createTimeEntry` and `updateTimeEntry`. */
export interface TimeEntryPayload {
  timeEntry: TimeEntryRow | null;
  userErrors: UserError[];
}

/** Result of the bulk mutations: all entries changed, or none and the reasons. */
export interface TimeEntriesPayload {
  timeEntries: TimeEntryRow[];
  userErrors: UserError[];
}

/** The signed-in staff user behind an actor, or null for API keys and operators. */
function staffUserId(actor: Actor): string | null {
  return actor.kind === 'STAFF' ? actor.userId : null;
}

/** Requires `time:write` or `time:write_any` (an API key may hold only the latter). */
function assertCanWriteTime(actor: Actor): FirmActor {
  if (actor.kind !== 'ANONYMOUS' && !can(actor, 'time:write') && can(actor, 'time:write_any')) {
    return assertCan(actor, 'time:write_any');
  }
  return assertCan(actor, 'time:write');
}

/** True when the actor may edit, delete or submit `entry`: its owner, or a holder of `time:write_any`. */
function mayWrite(actor: FirmActor, entry: Pick<TimeEntryRow, 'userId'>): boolean {
  return can(actor, 'time:write_any') || (staffUserId(actor) === entry.userId && can(actor, 'time:write'));
}

/**
 * True when the actor may see `entry`: its owner, a holder of `time:read_any`, or the manager of
 * its engagement (`managers` maps engagement ids to their managers' user ids).
 */
function maySee(actor: FirmActor, entry: TimeEntryRow, managers: ReadonlyMap<string, EngagementForTime>): boolean {
  const userId = staffUserId(actor);
  return (
    can(actor, 'time:read_any') ||
    (userId !== null && (entry.userId === userId || managers.get(entry.engagementId)?.managerUserId === userId))
  );
}

/** The time settings of the actor's firm for `Firm.timeZone` and friends; null unless `firm` is the active firm. */
export async function firmTimeSettings(ctx: BillingContext, firm: EntityReference): Promise<TimeSettings | null> {
  const { firmId } = assertCan(ctx.actor, 'firm:read');
  if (firm.id !== firmId) return null;
  return ctx.loaders.timeSettings.load(firmId);
}

/**
 * Changes the firm's time zone, timer rounding or self-approval policy, in one transaction.
 * Requires `firm:update`. A zone PostgreSQL does not know (`pg_timezone_names`) is INVALID.
 */
export async function updateTimeSettings(ctx: BillingContext, input: UpdateTimeSettingsInput) {
  const { firmId } = assertCan(ctx.actor, 'firm:update');
  const patch: Partial<TimeSettings> = {};
  if (input.timeZone != null) patch.timeZone = input.timeZone.trim();
  if (input.timeRounding != null) patch.timeRounding = input.timeRounding;
  if (input.allowSelfApproval != null) patch.allowSelfApproval = input.allowSelfApproval;
  return ctx.database.withTenant({ firmId }, async (tx) => {
    if (
      patch.timeZone !== undefined &&
      !(isStorableText(patch.timeZone) && (await isKnownTimeZone(tx, patch.timeZone)))
    ) {
      return {
        firm: null,
        userErrors: [
          {
            field: ['input', 'timeZone'],
            message: 'Use an IANA time zone name, e.g. Europe/Berlin.',
            code: 'INVALID' as const,
          },
        ],
      };
    }
    const saved = await saveTimeSettings(tx, firmId, patch);
    await recordAudit(tx, ctx, {
      firmId,
      action: 'firm.time_settings',
      targetType: 'firm',
      targetId: firmId,
      metadata: {
        timeZone: saved.timeZone,
        timeRounding: saved.timeRounding,
        allowSelfApproval: saved.allowSelfApproval,
      },
    });
    ctx.loaders.timeSettings.clear(firmId).prime(firmId, saved);
    return { firm: { id: firmId }, userErrors: [] };
  });
}

/** What `recordTimeEntry` records: the work, for whom, and how the caller may act. */
export interface TimeToRecord {
  userId: string;
  engagementId: string;
  serviceId: string;
  workDate: string;
  minutes: number;
  description: string | null;
  billable: boolean | null;
}

/** Where time is recorded, as `checkTimeTarget` found it: both set, or user errors. */
export type TimeTarget =
  | { engagement: EngagementForTime; service: TargetService; userErrors: [] }
  | { engagement?: EngagementForTime | null; service?: TargetService | null; userErrors: UserError[] };

/** What the checks read of a service. */
type TargetService = Pick<ServiceRow, 'id' | 'active' | 'billingType'>;

/** A malformed id names nothing, like a random one: ask for the nil UUID instead. */
const orNil = (id: string) => (isUuid(id) ? id : NIL_UUID);

/**
 * The one statement of where time may go (createTimeEntry, a stopped timer, startTimer): an ACTIVE
 * engagement of the firm with `userId` on its team (or the actor holding `time:write_any`), an
 * active service of the firm, and `userId` an enabled staff member of the firm. Unknown, malformed
 * and other firms' ids are alike NOT_FOUND (no existence oracle, README "Isolation proof"). User
 * errors name fields under `input` (`engagementId`, `serviceId`, `userId`); nothing is written.
 * @param found the engagement and service already read (`recordingContext`); read here when absent.
 */
export async function checkTimeTarget(
  tx: Tx,
  actor: FirmActor,
  target: Pick<TimeToRecord, 'userId' | 'engagementId' | 'serviceId'>,
  found?: { engagement: EngagementForTime | null; service: TargetService | null },
): Promise<TimeTarget> {
  const userErrors: UserError[] = [];
  const anyone = can(actor, 'time:write_any');
  const engagement =
    found?.engagement ??
    (found
      ? null
      : ((await engagementsForTime(tx, [orNil(target.engagementId)], target.userId)).get(target.engagementId) ?? null));
  if (!engagement) {
    userErrors.push({
      field: ['input', 'engagementId'],
      message: 'No such engagement in this firm.',
      code: 'NOT_FOUND',
    });
  } else if (engagement.status !== 'ACTIVE') {
    userErrors.push({
      field: ['input', 'engagementId'],
      message: `Time can be logged only on ACTIVE engagements; this one is ${engagement.status}.`,
      code: 'NOT_ACTIVE',
    });
  } else if (!engagement.onTeam && !anyone) {
    userErrors.push({
      field: ['input', 'engagementId'],
      message: "You are not on this engagement's team.",
      code: 'NOT_ON_TEAM',
    });
  }
  const service =
    found?.service ??
    (found ? null : ((await getServicesByIds(tx, actor.firmId, [orNil(target.serviceId)]))[0] ?? null));
  if (!service) {
    userErrors.push({ field: ['input', 'serviceId'], message: 'No such service in this firm.', code: 'NOT_FOUND' });
  } else if (!service.active) {
    userErrors.push({ field: ['input', 'serviceId'], message: 'This service is retired.', code: 'NOT_ACTIVE' });
  }
  if (staffUserId(actor) !== target.userId && !(await firmMembers(tx, [target.userId])).has(target.userId)) {
    userErrors.push({ field: ['input', 'userId'], message: 'No such staff member in this firm.', code: 'NOT_FOUND' });
  }
  if (userErrors.length > 0 || !engagement || !service) return { engagement, service, userErrors };
  return { engagement, service, userErrors: [] };
}

/** True when `workDate` is on or before the date the firm's books are closed through (null: none closed). */
function inClosedPeriod(workDate: string, through: string | null): boolean {
  return through !== null && workDate <= through;
}

/**
 * Validates and inserts one DRAFT entry inside `tx` (createTimeEntry, and a stopped timer): the
 * work date at most tomorrow in the firm's time zone and after the firm's period locks
 * (PERIOD_LOCKED), and where time may go (`checkTimeTarget`), read
 * in one statement (`recordingContext`). Writes nothing and returns user errors (fields under
 * `input`) when any fails; audits `time_entry.create` otherwise.
 * @throws the database's check_violation `user_day_totals_daily_limit` when the user's day would
 *   exceed 1,440 minutes (migration 0015's trigger, under the day row's lock, so concurrent entries
 *   cannot both pass), or `period_locked` when a period was closed since the check (migration 0017's
 *   trigger): run the transaction inside `refusingTimeRules`.
 */
export async function recordTimeEntry(
  tx: Tx,
  ctx: BillingContext,
  actor: FirmActor,
  work: TimeToRecord,
): Promise<TimeEntryPayload> {
  const firmId = actor.firmId;
  const userErrors: UserError[] = [];
  if (!Number.isInteger(work.minutes) || work.minutes < 1 || work.minutes > MINUTES_PER_DAY) {
    userErrors.push({ field: ['input', 'minutes'], message: 'Minutes must be 1 to 1440.', code: 'OUT_OF_RANGE' });
  }
  const context = await recordingContext(tx, firmId, {
    engagementId: orNil(work.engagementId),
    serviceId: orNil(work.serviceId),
    userId: work.userId,
  });
  if (work.workDate > context.tomorrow) {
    userErrors.push({
      field: ['input', 'workDate'],
      message: `The work date may be at most tomorrow in the firm's time zone (${context.settings.timeZone}).`,
      code: 'TOO_FAR_AHEAD',
    });
  }
  if (inClosedPeriod(work.workDate, context.lockedThrough)) {
    userErrors.push(periodLockedError(['input', 'workDate'], context.lockedThrough, work.workDate));
  }
  const { engagement, service, userErrors: targetErrors } = await checkTimeTarget(tx, actor, work, context);
  userErrors.push(...targetErrors);
  if (userErrors.length > 0 || !engagement || !service) return { timeEntry: null, userErrors };

  // The day's 1,440 minutes are held by the insert's trigger (migration 0015): a day over them fails
  // the statement, which the caller's `refusingTimeRules` reports as DAILY_LIMIT.
  const timeEntry = await insertTimeEntry(tx, {
    firmId,
    id: newId(),
    userId: work.userId,
    engagementId: engagement.engagementId,
    clientId: engagement.clientId,
    currency: engagement.currency,
    serviceId: service.id,
    workDate: work.workDate,
    minutes: work.minutes,
    description: work.description,
    billable: work.billable ?? service.billingType !== 'NON_BILLABLE',
    createdById: staffUserId(actor) ?? work.userId,
  });
  await recordAudit(tx, ctx, {
    firmId,
    action: 'time_entry.create',
    targetType: 'time_entry',
    targetId: timeEntry.id,
    metadata: { userId: timeEntry.userId, engagementId: timeEntry.engagementId, minutes: timeEntry.minutes },
  });
  return { timeEntry, userErrors: [] };
}

/**
 * Runs a transaction that records or changes time, and answers `refused()` with a user error
 * (nothing written: the transaction rolled back) when the database refused it for taking a user's
 * day over 1,440 minutes (DAILY_LIMIT, `user_day_totals_daily_limit`, migration 0015) or for a work
 * date in a closed period (PERIOD_LOCKED at `lockedField`, `isPeriodLocked`, migration 0017: the
 * backstop of the services' own check, for a period closed in between). Other errors pass through.
 */
export async function refusingTimeRules<T>(
  run: () => Promise<T>,
  refused: (error: UserError) => T,
  lockedField: string[] = ['input', 'workDate'],
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isCheckViolation(error, 'user_day_totals_daily_limit')) return refused(dailyLimit());
    if (isPeriodLocked(error)) {
      return refused({ field: lockedField, message: 'The work date is in a closed period.', code: 'PERIOD_LOCKED' });
    }
    throw error;
  }
}

function dailyLimit(): UserError {
  return {
    field: ['input', 'minutes'],
    message: "The day's entries would exceed 1440 minutes.",
    code: 'DAILY_LIMIT',
  };
}

/**
 * The staff user a write is for: `requested` (which needs `time:write_any` unless it is the
 * caller), else the caller; a user error when neither gives one (an API key must name the user).
 */
function targetUser(actor: FirmActor, requested: string | null | undefined, errors: UserError[]): string {
  const self = staffUserId(actor);
  const userId = requested ?? self;
  if (!userId) {
    errors.push({ field: ['input', 'userId'], message: 'Name the staff member the time is for.', code: 'REQUIRED' });
    return '';
  }
  if (!isUuid(userId)) {
    errors.push({ field: ['input', 'userId'], message: 'No such staff member in this firm.', code: 'NOT_FOUND' });
  } else if (userId !== self && !can(actor, 'time:write_any')) {
    errors.push({
      field: ['input', 'userId'],
      message: "Recording others' time needs time:write_any.",
      code: 'FORBIDDEN',
    });
  }
  return userId;
}

/** Records time as a DRAFT, in one transaction (`recordTimeEntry`). Requires `time:write` or `time:write_any`. */
export async function createTimeEntry(ctx: BillingContext, input: CreateTimeEntryInput): Promise<TimeEntryPayload> {
  const actor = assertCanWriteTime(ctx.actor);
  const userErrors: UserError[] = [];
  const userId = targetUser(actor, input.userId, userErrors);
  const description = optionalText(input.description, ['input', 'description'], MAX_DESCRIPTION, userErrors);
  if (userErrors.length > 0) return { timeEntry: null, userErrors };
  return refusingTimeRules(
    () =>
      ctx.database.withTenant({ firmId: actor.firmId }, (tx) =>
        recordTimeEntry(tx, ctx, actor, {
          userId,
          engagementId: input.engagementId,
          serviceId: input.serviceId,
          workDate: input.workDate,
          minutes: input.minutes,
          description,
          billable: input.billable ?? null,
        }),
      ),
    (error) => ({ timeEntry: null, userErrors: [error] }),
  );
}

/**
 * Locks one entry the actor may write, for update or delete.
 * @throws NOT_FOUND when the firm has no such entry or the actor may not see it (another firm's id included).
 */
async function lockWritable(
  tx: Tx,
  actor: FirmActor,
  id: string,
): Promise<{ entry: TimeEntryRow; errors: UserError[] }> {
  const [entry] = isUuid(id) ? await lockTimeEntries(tx, actor.firmId, [id]) : [];
  if (!entry) throw notFound('TimeEntry');
  const managers = await engagementsForTime(tx, [entry.engagementId], null);
  if (!maySee(actor, entry, managers)) throw notFound('TimeEntry');
  const errors: UserError[] = [];
  if (!mayWrite(actor, entry)) {
    errors.push({ field: ['input', 'id'], message: 'Only its owner may change this entry.', code: 'FORBIDDEN' });
  } else if (!EDITABLE.includes(entry.status)) {
    errors.push({
      field: ['input', 'id'],
      message: `A ${entry.status} entry cannot be changed; only DRAFT and REJECTED entries can.`,
      code: 'NOT_EDITABLE',
    });
  }
  return { entry, errors };
}

/**
 * Changes a DRAFT or REJECTED entry, in one transaction, under the same rules as recording it;
 * neither its work date nor the new one may be in a closed period (PERIOD_LOCKED).
 * Its owner or `time:write_any`.
 * @throws NOT_FOUND for an entry the caller cannot see.
 */
export async function updateTimeEntry(ctx: BillingContext, input: UpdateTimeEntryInput): Promise<TimeEntryPayload> {
  const actor = assertCanWriteTime(ctx.actor);
  const userErrors: UserError[] = [];
  const description =
    input.description === undefined
      ? undefined
      : optionalText(input.description, ['input', 'description'], MAX_DESCRIPTION, userErrors);
  if (input.minutes != null && (input.minutes < 1 || input.minutes > MINUTES_PER_DAY)) {
    userErrors.push({ field: ['input', 'minutes'], message: 'Minutes must be 1 to 1440.', code: 'OUT_OF_RANGE' });
  }
  const change = async (tx: Tx): Promise<TimeEntryPayload> => {
    const { entry, errors } = await lockWritable(tx, actor, input.id);
    userErrors.push(...errors);
    const next = {
      serviceId: input.serviceId ?? entry.serviceId,
      workDate: input.workDate ?? entry.workDate,
      minutes: input.minutes ?? entry.minutes,
    };
    if (userErrors.length === 0) {
      const context = await recordingContext(tx, actor.firmId, {
        engagementId: entry.engagementId,
        serviceId: orNil(next.serviceId),
        userId: entry.userId,
      });
      if (next.workDate > context.tomorrow) {
        userErrors.push({
          field: ['input', 'workDate'],
          message: `The work date may be at most tomorrow in the firm's time zone (${context.settings.timeZone}).`,
          code: 'TOO_FAR_AHEAD',
        });
      }
      // Neither the entry's date nor the one it moves to may be in a closed period.
      if (inClosedPeriod(entry.workDate, context.lockedThrough)) {
        userErrors.push(periodLockedError(['input', 'id'], context.lockedThrough, entry.workDate));
      } else if (inClosedPeriod(next.workDate, context.lockedThrough)) {
        userErrors.push(periodLockedError(['input', 'workDate'], context.lockedThrough, next.workDate));
      }
      if (context.engagement?.status !== 'ACTIVE') {
        userErrors.push({
          field: ['input', 'id'],
          message: 'Time can be changed only on ACTIVE engagements.',
          code: 'NOT_ACTIVE',
        });
      }
      // A service retired since keeps the entry editable; a new one must be active.
      if (input.serviceId != null && !context.service) {
        userErrors.push({ field: ['input', 'serviceId'], message: 'No such service in this firm.', code: 'NOT_FOUND' });
      } else if (input.serviceId != null && !context.service!.active) {
        userErrors.push({ field: ['input', 'serviceId'], message: 'This service is retired.', code: 'NOT_ACTIVE' });
      }
    }
    if (userErrors.length > 0) return { timeEntry: null, userErrors };
    // The day's 1,440 minutes are held by the update's trigger (migration 0015).
    const timeEntry = await updateTimeEntryRow(tx, actor.firmId, entry.id, {
      ...next,
      ...(description !== undefined ? { description } : {}),
      ...(input.billable != null ? { billable: input.billable } : {}),
    });
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'time_entry.update',
      targetType: 'time_entry',
      targetId: entry.id,
      metadata: { minutes: timeEntry.minutes, workDate: timeEntry.workDate },
    });
    return { timeEntry, userErrors: [] };
  };
  return refusingTimeRules(
    () => ctx.database.withTenant({ firmId: actor.firmId }, change),
    (error) => ({ timeEntry: null, userErrors: [error] }),
  );
}

/**
 * Deletes a DRAFT or REJECTED entry, in one transaction, unless its work date is in a closed period
 * (PERIOD_LOCKED). Its owner or `time:write_any`.
 * @throws NOT_FOUND for an entry the caller cannot see.
 */
export async function deleteTimeEntry(ctx: BillingContext, id: string) {
  const actor = assertCanWriteTime(ctx.actor);
  const work = async (tx: Tx) => {
    const { entry, errors } = await lockWritable(tx, actor, id);
    if (errors.length === 0) {
      const through = await lockedThrough(tx, actor.firmId);
      if (inClosedPeriod(entry.workDate, through))
        errors.push(periodLockedError(['input', 'id'], through, entry.workDate));
    }
    if (errors.length > 0) return { deletedTimeEntryId: null, userErrors: errors };
    await deleteTimeEntryRow(tx, actor.firmId, entry.id);
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'time_entry.delete',
      targetType: 'time_entry',
      targetId: entry.id,
      metadata: { minutes: entry.minutes, workDate: entry.workDate },
    });
    return { deletedTimeEntryId: entry.id, userErrors: [] };
  };
  return refusingTimeRules(
    () => ctx.database.withTenant({ firmId: actor.firmId }, work),
    (error) => ({ deletedTimeEntryId: null, userErrors: [error] }),
    ['input', 'id'],
  );
}

/** How one bulk mutation checks and changes its entries. */
interface BulkChange {
  action: 'time_entry.submit' | 'time_entry.approve' | 'time_entry.reject';
  /** Statuses an entry must be in. */
  from: readonly TimeEntryStatusValue[];
  /** Whether `refuse` reads the engagement (its manager); otherwise it is looked up only when visibility needs it. */
  usesEngagements: boolean;
  /**
   * The common case in one statement, when the change can tell on its own that every entry
   * qualifies: the changed rows, or null to fall back to checking each entry and explaining.
   */
  allOrNone?: (tx: Tx, ids: readonly string[]) => Promise<TimeEntryRow[] | null>;
  /** Why the actor may not act on this entry, or null when it may. */
  refuse: (entry: TimeEntryRow, engagement: EngagementForTime | undefined) => UserError | null;
  /** Writes the change for every entry (all passed every check) and returns them. */
  apply: (tx: Tx, entries: TimeEntryRow[]) => Promise<TimeEntryRow[] | UserError[]>;
}

/**
 * Runs a bulk change all-or-nothing in one transaction: the entries are locked in id order, so of
 * two concurrent callers the second sees the first's result; when any id is refused (unknown or
 * unseen: NOT_FOUND, not allowed: FORBIDDEN, wrong status: NOT_EDITABLE, dated in a closed period:
 * PERIOD_LOCKED, or the change's own refusal) nothing changes and each refusal is reported at
 * `["input", "ids", "<index>"]`. Each changed entry gets its own audit record.
 */
async function bulkChange(
  ctx: BillingContext,
  actor: FirmActor,
  ids: readonly string[],
  change: BulkChange,
): Promise<TimeEntriesPayload> {
  return refusingTimeRules(
    () => bulkChangeOnce(ctx, actor, ids, change),
    (error) => ({ timeEntries: [], userErrors: [error] }),
    ['input', 'ids'],
  );
}

async function bulkChangeOnce(ctx: BillingContext, actor: FirmActor, ids: readonly string[], change: BulkChange) {
  const userErrors: UserError[] = [];
  if (ids.length === 0 || ids.length > MAX_BULK_IDS) {
    return {
      timeEntries: [],
      userErrors: [
        { field: ['input', 'ids'], message: `Name 1 to ${MAX_BULK_IDS} entries.`, code: 'OUT_OF_RANGE' as const },
      ],
    };
  }
  const firstIndex = new Map<string, number>();
  ids.forEach((id, index) => {
    if (firstIndex.has(id)) {
      userErrors.push({
        field: ['input', 'ids', String(index)],
        message: 'This entry is named twice.',
        code: 'DUPLICATE',
      });
    } else firstIndex.set(id, index);
  });
  return ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => {
    const fast =
      change.allOrNone && userErrors.length === 0 && ids.every(isUuid) ? await change.allOrNone(tx, ids) : null;
    if (fast) {
      // Only submit has a fast path, and an entry was REJECTED before it exactly when it has been
      // rejected once: nothing moves an entry back to DRAFT.
      const before = fast.map((row) => ({ status: row.rejectedAt ? ('REJECTED' as const) : ('DRAFT' as const) }));
      await auditBulk(tx, ctx, actor, change.action, fast, before);
      const byChangedId = new Map(fast.map((row) => [row.id, row]));
      return { timeEntries: ids.map((id) => byChangedId.get(id)!), userErrors: [] };
    }
    const [rows, through] = await Promise.all([
      lockTimeEntries(tx, actor.firmId, [...firstIndex.keys()].filter(isUuid)),
      lockedThrough(tx, actor.firmId),
    ]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    // Engagement managers matter only to approvals and to entries the caller sees as a manager.
    const engagements =
      change.usesEngagements || rows.some((row) => !maySee(actor, row, new Map()))
        ? await engagementsForTime(tx, [...new Set(rows.map((row) => row.engagementId))], null)
        : new Map<string, EngagementForTime>();
    for (const [id, index] of firstIndex) {
      const field = ['input', 'ids', String(index)];
      const entry = byId.get(id);
      if (!entry || !maySee(actor, entry, engagements)) {
        userErrors.push({ field, message: 'No such time entry.', code: 'NOT_FOUND' });
        continue;
      }
      const refusal = change.refuse(entry, engagements.get(entry.engagementId));
      if (refusal) userErrors.push({ ...refusal, field });
      else if (inClosedPeriod(entry.workDate, through))
        userErrors.push(periodLockedError(field, through, entry.workDate));
      else if (!change.from.includes(entry.status)) {
        userErrors.push({
          field,
          message: `This entry is ${entry.status}; it must be ${change.from.join(' or ')}.`,
          code: 'NOT_EDITABLE',
        });
      }
    }
    if (userErrors.length > 0) return { timeEntries: [], userErrors: sortByIndex(userErrors) };
    const entries = ids.map((id) => byId.get(id)!);
    const applied = await change.apply(tx, entries);
    if (applied.length > 0 && !('id' in applied[0]!)) {
      return { timeEntries: [], userErrors: sortByIndex(applied as UserError[]) };
    }
    const changed = new Map((applied as TimeEntryRow[]).map((row) => [row.id, row]));
    await auditBulk(tx, ctx, actor, change.action, entries, entries);
    return { timeEntries: entries.map((entry) => changed.get(entry.id)!), userErrors: [] };
  });
}

/** One audit record per changed entry, in one statement; `before` gives each record's `from` status. */
async function auditBulk(
  tx: Tx,
  ctx: BillingContext,
  actor: FirmActor,
  action: BulkChange['action'],
  entries: readonly TimeEntryRow[],
  before: readonly Pick<TimeEntryRow, 'status'>[],
): Promise<void> {
  await recordAudits(
    tx,
    ctx,
    entries.map((entry, index) => ({
      firmId: actor.firmId,
      action,
      targetType: 'time_entry',
      targetId: entry.id,
      metadata: { userId: entry.userId, engagementId: entry.engagementId, from: before[index]!.status },
    })),
  );
}

function sortByIndex(errors: UserError[]): UserError[] {
  return errors.sort((a, b) => Number(a.field[2] ?? -1) - Number(b.field[2] ?? -1));
}

/** Submits DRAFT or REJECTED entries for approval, all-or-nothing (`bulkChange`). Their owner or `time:write_any`. */
export async function submitTimeEntries(ctx: BillingContext, ids: readonly string[]): Promise<TimeEntriesPayload> {
  const actor = assertCanWriteTime(ctx.actor);
  return bulkChange(ctx, actor, ids, {
    action: 'time_entry.submit',
    from: EDITABLE,
    usesEngagements: false,
    // Own drafts (or anyone's, with time:write_any) need no other check.
    allOrNone: (tx, entryIds) =>
      can(actor, 'time:write_any') || staffUserId(actor) !== null
        ? updateAllOrNone(
            tx,
            actor.firmId,
            entryIds,
            { from: EDITABLE, ownerId: can(actor, 'time:write_any') ? null : staffUserId(actor) },
            { status: 'SUBMITTED', submittedAt: sql`now()`, submittedById: staffUserId(actor) },
          )
        : Promise.resolve(null),
    refuse: (entry) =>
      mayWrite(actor, entry)
        ? null
        : { field: [], message: 'Only its owner may submit this entry.', code: 'FORBIDDEN' },
    apply: (tx, entries) =>
      updateTimeEntryRows(
        tx,
        actor.firmId,
        entries.map((entry) => entry.id),
        { status: 'SUBMITTED', submittedAt: sql`now()`, submittedById: staffUserId(actor) },
      ),
  });
}

/**
 * Why `actor` may not approve or reject `entry`: neither `time:approve` nor the manager of its
 * engagement (FORBIDDEN), or its own entry while the firm's `allowSelfApproval` is off (SELF_APPROVAL).
 */
function approvalRefusal(
  actor: FirmActor,
  settings: TimeSettings,
  entry: TimeEntryRow,
  engagement: EngagementForTime | undefined,
): UserError | null {
  const userId = staffUserId(actor);
  if (!can(actor, 'time:approve') && (userId === null || engagement?.managerUserId !== userId)) {
    return { field: [], message: "Approving needs time:approve or the engagement's manager.", code: 'FORBIDDEN' };
  }
  if (userId === entry.userId && !settings.allowSelfApproval) {
    return { field: [], message: "The firm's policy does not allow approving your own time.", code: 'SELF_APPROVAL' };
  }
  return null;
}

/** Requires a signed-in firm actor who could approve something: `time:approve`, or staff who may manage an engagement. */
function assertMayApprove(actor: Actor): FirmActor {
  if (actor.kind !== 'ANONYMOUS' && actor.firmId !== null && (can(actor, 'time:approve') || actor.kind === 'STAFF')) {
    return actor as FirmActor;
  }
  if (actor.kind === 'ANONYMOUS') return assertCan(actor, 'time:approve');
  throw denied(actor);
}

/**
 * Approves SUBMITTED entries all-or-nothing (`bulkChange`), snapshotting each one's rate, source
 * and value (`priceWork`: rate resolution of subgraphs/billing/rates/rate-resolution.ts). A
 * billable entry no rate card applies to is refused with NO_RATE; a non-billable one is valued 0.
 * `time:approve` or the engagement's manager; self-approval per the firm's policy.
 */
export async function approveTimeEntries(ctx: BillingContext, ids: readonly string[]): Promise<TimeEntriesPayload> {
  const actor = assertMayApprove(ctx.actor);
  const settings = await ctx.loaders.timeSettings.load(actor.firmId);
  return bulkChange(ctx, actor, ids, {
    action: 'time_entry.approve',
    from: ['SUBMITTED'],
    usesEngagements: true,
    refuse: (entry, engagement) => approvalRefusal(actor, settings, entry, engagement),
    apply: async (tx, entries) => {
      const priced = await priceWork(tx, actor.firmId, entries);
      const missing: UserError[] = [];
      entries.forEach((entry, index) => {
        if (entry.billable && !priced[index]!.rate) {
          missing.push({
            field: ['input', 'ids', String(ids.indexOf(entry.id))],
            message: `No rate card entry prices this time (${entry.currency} on ${entry.workDate}).`,
            code: 'NO_RATE',
          });
        }
      });
      if (missing.length > 0) return missing;
      return approveRows(tx, actor, entries, priced);
    },
  });
}

/** Writes the approval and snapshot of every entry in one UPDATE … FROM (VALUES …). */
async function approveRows(
  tx: Tx,
  actor: FirmActor,
  entries: TimeEntryRow[],
  priced: Awaited<ReturnType<typeof priceWork>>,
): Promise<TimeEntryRow[]> {
  const values = entries.map((entry, index) => {
    const { rate, valueMinor } = priced[index]!;
    const billedRate = entry.billable ? rate : null;
    return sql`(${entry.id}::uuid, ${billedRate?.id ?? null}::uuid, ${billedRate?.source ?? null}::billing.rate_source,
      ${billedRate?.hourlyMinor ?? null}::bigint, ${entry.billable ? valueMinor : 0n}::bigint)`;
  });
  await tx.execute(sql`
    update billing.time_entries t set status = 'APPROVED', approved_at = now(), approved_by_id = ${staffUserId(actor)}::uuid,
      rate_id = v.rate_id, rate_source = v.rate_source, rate_hourly_minor = v.rate_hourly_minor, value_minor = v.value_minor,
      updated_at = now()
    from (values ${sql.join(values, sql`, `)}) as v(id, rate_id, rate_source, rate_hourly_minor, value_minor)
    where t.firm_id = ${actor.firmId}::uuid and t.id = v.id`);
  return lockTimeEntries(
    tx,
    actor.firmId,
    entries.map((entry) => entry.id),
  );
}

/** Sends SUBMITTED entries back with a reason, all-or-nothing (`bulkChange`). `time:approve` or the engagement's manager. */
export async function rejectTimeEntries(
  ctx: BillingContext,
  ids: readonly string[],
  reason: string,
): Promise<TimeEntriesPayload> {
  const actor = assertMayApprove(ctx.actor);
  const trimmed = reason.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_REASON || !isStorableText(trimmed)) {
    return {
      timeEntries: [],
      userErrors: [
        {
          field: ['input', 'reason'],
          message: `Give a reason of 1 to ${MAX_REASON} characters.`,
          code: trimmed.length === 0 ? 'REQUIRED' : 'INVALID',
        },
      ],
    };
  }
  const settings = await ctx.loaders.timeSettings.load(actor.firmId);
  return bulkChange(ctx, actor, ids, {
    action: 'time_entry.reject',
    from: ['SUBMITTED'],
    usesEngagements: true,
    refuse: (entry, engagement) => approvalRefusal(actor, { ...settings, allowSelfApproval: true }, entry, engagement),
    apply: (tx, entries) =>
      updateTimeEntryRows(
        tx,
        actor.firmId,
        entries.map((entry) => entry.id),
        {
          status: 'REJECTED',
          rejectedAt: sql`now()`,
          rejectedById: staffUserId(actor),
          rejectionReason: trimmed,
        },
      ),
  });
}

/**
 * A time entry the caller may see (`maySee`), or null: unknown, malformed, unseen and other
 * firms' ids answer alike. Requires `time:write`, `time:write_any` or `time:read_any`.
 */
export async function findTimeEntry(ctx: BillingContext, id: string): Promise<TimeEntryRow | null> {
  const actor = assertCanReadTime(ctx.actor);
  const entry = isUuid(id) ? await ctx.loaders.timeEntryById.load(id) : null;
  if (!entry) return null;
  if (maySee(actor, entry, new Map())) return entry;
  const managers = await ctx.database.withTenant({ firmId: actor.firmId }, (tx) =>
    engagementsForTime(tx, [entry.engagementId], null),
  );
  return maySee(actor, entry, managers) ? entry : null;
}

/** Requires a permission that lets the caller see some time: `time:read_any`, `time:write` or `time:write_any`. */
function assertCanReadTime(actor: Actor): FirmActor {
  if (actor.kind !== 'ANONYMOUS' && can(actor, 'time:read_any')) return assertCan(actor, 'time:read_any');
  return assertCanWriteTime(actor);
}

/** Where a time entry list comes from and whom it must be narrowed to. */
type ListScope = { kind: 'firm' } | { kind: 'engagement'; engagementId: string } | { kind: 'user'; userId: string };

/**
 * One page of time entries, latest work date first, narrowed to what the caller may see: everything
 * with `time:read_any`; an engagement's entries to its manager; otherwise the caller's own.
 * Returns null for a user list the caller may not read.
 * @throws BAD_USER_INPUT for invalid page arguments, or a work-date range longer than 10 years or reversed.
 */
export async function listTime(
  ctx: BillingContext,
  scope: ListScope,
  args: PageArgs & { filter?: TimeEntryFilter | null },
  withTotal: boolean,
): Promise<Connection<TimeEntryRow> | null> {
  const actor = assertCanReadTime(ctx.actor);
  const firmId = actor.firmId;
  const page = parsePageArgs({ first: args.first, after: args.after }, TIME_ENTRY_CURSOR);
  const filter = args.filter ?? {};
  if (filter.workDateFrom && filter.workDateTo && filter.workDateFrom > filter.workDateTo) {
    throw badUserInput('workDateFrom must not be after workDateTo.');
  }
  const ids = [filter.engagementId, filter.clientId, filter.userId];
  const empty = () => toConnection<TimeEntryRow>([], page, timeEntrySortKey, 0);
  if (ids.some((id) => id != null && !isUuid(id))) return empty();
  const query: TimeEntryQuery = { firmId, ...filter };
  const self = staffUserId(actor);
  const readAny = can(actor, 'time:read_any');

  return ctx.database.withTenant({ firmId }, async (tx) => {
    if (scope.kind === 'user') {
      if (!isUuid(scope.userId) || (!readAny && self !== scope.userId)) return null;
      if (query.userId && query.userId !== scope.userId) return empty();
      query.userId = scope.userId;
    } else if (scope.kind === 'engagement') {
      if (!isUuid(scope.engagementId)) return empty();
      if (query.engagementId && query.engagementId !== scope.engagementId) return empty();
      query.engagementId = scope.engagementId;
      const manages =
        self !== null &&
        (await engagementsForTime(tx, [scope.engagementId], null)).get(scope.engagementId)?.managerUserId === self;
      if (!readAny && !manages) query.userId = narrowToSelf(query.userId, self);
    } else if (!readAny) {
      query.userId = narrowToSelf(query.userId, self);
    }
    if (query.userId === NOBODY) return empty();
    const rows = page.limit === 0 ? [] : await listTimeEntries(tx, { ...query, page });
    const total = withTotal ? await countTimeEntries(tx, query) : 0;
    for (const row of rows) ctx.loaders.timeEntryById.prime(row.id, row);
    return toConnection(rows, page, timeEntrySortKey, total);
  });
}

const NOBODY = 'nobody';

/** The caller's own entries only: a filter naming someone else (or an API key, which owns no time) matches nothing. */
function narrowToSelf(requested: string | null | undefined, self: string | null): string {
  if (self === null || (requested && requested !== self)) return NOBODY;
  return self;
}

/** The API's `rate` of an entry: its snapshot, or null before approval and for unpriced time. */
export function entryRate(entry: TimeEntryRow) {
  return entry.rateHourlyMinor !== null && entry.rateSource !== null
    ? { hourlyRate: money(entry.rateHourlyMinor, entry.currency), source: entry.rateSource }
    : null;
}

/** The API's `value` of an entry: its snapshot, or null before approval. */
export function entryValue(entry: TimeEntryRow) {
  return entry.valueMinor !== null ? money(entry.valueMinor, entry.currency) : null;
}
