import { and, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { uuidArray, type Tx } from '../../../db/client.ts';
import {
  firmTimeSettings,
  timeEntries,
  type ServiceRow,
  type TimeEntryRow,
  type TimeEntryStatusValue,
} from '../../../db/schema/time.ts';
import type { EngagementForTime } from '../billing-crossings.ts';
import type { PageRequest } from '../../../platform/relay.ts';

/** A firm's time settings, with the defaults of a firm that never set them. */
export type TimeSettings = Pick<
  typeof firmTimeSettings.$inferSelect,
  'timeZone' | 'timeRounding' | 'allowSelfApproval'
>;

const DEFAULT_SETTINGS: TimeSettings = { timeZone: 'UTC', timeRounding: 'NONE', allowSelfApproval: false };

/** The firm's time settings (`DEFAULT_SETTINGS` when it has no row). */
export async function getTimeSettings(tx: Tx, firmId: string): Promise<TimeSettings> {
  const [row] = await tx.select().from(firmTimeSettings).where(eq(firmTimeSettings.firmId, firmId));
  return row ?? DEFAULT_SETTINGS;
}

/** Writes the firm's time settings, merging `patch` over what it has (or the defaults). */
export async function saveTimeSettings(tx: Tx, firmId: string, patch: Partial<TimeSettings>): Promise<TimeSettings> {
  const current = await getTimeSettings(tx, firmId);
  const next = { ...current, ...patch };
  await tx
    .insert(firmTimeSettings)
    .values({ firmId, ...next })
    .onConflictDoUpdate({ target: firmTimeSettings.firmId, set: { ...next, updatedAt: sql`now()` } });
  return next;
}

/** True when `timeZone` is an IANA zone name PostgreSQL knows (`pg_timezone_names`). */
export async function isKnownTimeZone(tx: Tx, timeZone: string): Promise<boolean> {
  const rows = await tx.execute(sql`select 1 from pg_timezone_names where name = ${timeZone}`);
  return rows.length > 0;
}

/** What recording time on one engagement and service checks, read together by `recordingContext`. */
export interface RecordingContext {
  settings: TimeSettings;
  /** Tomorrow in the firm's time zone (`YYYY-MM-DD`): the latest allowed work date. */
  tomorrow: string;
  engagement: EngagementForTime | null;
  service: Pick<ServiceRow, 'id' | 'active' | 'billingType'> | null;
  /** The date through which the firm's books are closed (`YYYY-MM-DD`, the later of its two locks), or null. */
  lockedThrough: string | null;
}

/**
 * The firm's time settings, tomorrow in its time zone, the engagement as `crm.engagements_for_time`
 * answers for `userId`, the service, and the date its books are closed through (`billing.period_locks`),
 * in one statement: the checks of recording time cost one
 * round trip (the hot path of `createTimeEntry` and a stopped timer). Unknown or other firms' ids
 * come back null.
 */
export async function recordingContext(
  tx: Tx,
  firmId: string,
  { engagementId, serviceId, userId }: { engagementId: string; serviceId: string; userId: string },
): Promise<RecordingContext> {
  const [row] = (await tx.execute(sql`
    select coalesce(ts.time_zone, 'UTC') as "timeZone", coalesce(ts.time_rounding, 'NONE') as "timeRounding",
      coalesce(ts.allow_self_approval, false) as "allowSelfApproval",
      ((now() at time zone coalesce(ts.time_zone, 'UTC'))::date + 1)::text as tomorrow,
      e.engagement_id as "engagementId", e.client_id as "clientId", e.currency, e.status,
      e.manager_user_id as "managerUserId", e.on_team as "onTeam",
      s.id as "serviceId", s.active as "serviceActive", s.billing_type as "billingType",
      greatest(p.lock_date, p.hard_lock_date)::text as "lockedThrough"
    from (select 1) as one
    left join billing.firm_time_settings ts on ts.firm_id = ${firmId}::uuid
    left join crm.engagements_for_time(${uuidArray([engagementId])}, ${userId}::uuid) e on true
    left join billing.services s on s.firm_id = ${firmId}::uuid and s.id = ${serviceId}::uuid
    left join billing.period_locks p on p.firm_id = ${firmId}::uuid`)) as unknown as [Record<string, never>];
  const r = row as unknown as TimeSettings &
    Partial<EngagementForTime> & {
      tomorrow: string;
      serviceId: string | null;
      serviceActive: boolean;
      billingType: ServiceRow['billingType'];
      lockedThrough: string | null;
    };
  return {
    settings: { timeZone: r.timeZone, timeRounding: r.timeRounding, allowSelfApproval: r.allowSelfApproval },
    tomorrow: r.tomorrow,
    engagement: r.engagementId
      ? {
          engagementId: r.engagementId,
          clientId: r.clientId!,
          currency: r.currency!,
          status: r.status!,
          managerUserId: r.managerUserId!,
          onTeam: r.onTeam!,
        }
      : null,
    service: r.serviceId ? { id: r.serviceId, active: r.serviceActive, billingType: r.billingType } : null,
    lockedThrough: r.lockedThrough,
  };
}

/** Inserts a time entry and returns it. */
export async function insertTimeEntry(tx: Tx, row: typeof timeEntries.$inferInsert): Promise<TimeEntryRow> {
  const [created] = await tx.insert(timeEntries).values(row).returning();
  return created!;
}

/** The firm's entries with these ids, locked for update in id order (so concurrent bulk changes cannot deadlock). */
export async function lockTimeEntries(tx: Tx, firmId: string, ids: readonly string[]): Promise<TimeEntryRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(timeEntries)
    .where(and(eq(timeEntries.firmId, firmId), inArray(timeEntries.id, [...ids])))
    .orderBy(timeEntries.id)
    .for('update');
}

/** Applies `patch` to one entry and returns it. */
export async function updateTimeEntryRow(
  tx: Tx,
  firmId: string,
  id: string,
  patch: Partial<typeof timeEntries.$inferInsert>,
): Promise<TimeEntryRow> {
  const [row] = await tx
    .update(timeEntries)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(timeEntries.firmId, firmId), eq(timeEntries.id, id)))
    .returning();
  return row!;
}

/** Applies the same `patch` to many entries of the firm in one statement and returns them. */
export async function updateTimeEntryRows(
  tx: Tx,
  firmId: string,
  ids: readonly string[],
  patch: PgUpdateSetSource<typeof timeEntries>,
): Promise<TimeEntryRow[]> {
  return tx
    .update(timeEntries)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(timeEntries.firmId, firmId), inArray(timeEntries.id, [...ids])))
    .returning();
}

/**
 * Applies `patch` to the entries `ids` only if every one of them is the firm's, in one of `from`'s
 * statuses, (when `ownerId` is given) owned by `ownerId`, and dated after the firm's period locks
 * (an entry in a closed period falls back to the caller's explanations): one statement that locks the qualifying
 * rows and updates them all, or none. Concurrent changes are waited for and re-checked (PostgreSQL's
 * READ COMMITTED re-evaluation of locked rows), so a rival's commit turns this into none.
 * @returns the updated rows, or null when any id did not qualify (nothing changed).
 */
export async function updateAllOrNone(
  tx: Tx,
  firmId: string,
  ids: readonly string[],
  { from, ownerId }: { from: readonly TimeEntryStatusValue[]; ownerId: string | null },
  patch: PgUpdateSetSource<typeof timeEntries>,
): Promise<TimeEntryRow[] | null> {
  const qualifying = tx.$with('qualifying').as(
    tx
      .select({ id: timeEntries.id })
      .from(timeEntries)
      .where(
        and(
          eq(timeEntries.firmId, firmId),
          inArray(timeEntries.id, [...ids]),
          inArray(timeEntries.status, [...from]),
          ownerId ? eq(timeEntries.userId, ownerId) : undefined,
          sql`not exists (select from billing.period_locks p where p.firm_id = ${firmId}::uuid
            and ${timeEntries.workDate} <= greatest(p.lock_date, p.hard_lock_date))`,
        ),
      )
      .for('update'),
  );
  const rows = await tx
    .with(qualifying)
    .update(timeEntries)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(
      and(
        eq(timeEntries.firmId, firmId),
        inArray(timeEntries.id, [...ids]),
        sql`(select count(*) from ${qualifying}) = ${ids.length}`,
      ),
    )
    .returning();
  return rows.length === ids.length ? rows : null;
}

/** Deletes one entry. */
export async function deleteTimeEntryRow(tx: Tx, firmId: string, id: string): Promise<void> {
  await tx.delete(timeEntries).where(and(eq(timeEntries.firmId, firmId), eq(timeEntries.id, id)));
}

/** The firm's entries with these ids, unlocked; unknown and other firms' ids are absent. */
export async function getTimeEntriesByIds(tx: Tx, firmId: string, ids: readonly string[]): Promise<TimeEntryRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(timeEntries)
    .where(and(eq(timeEntries.firmId, firmId), inArray(timeEntries.id, [...ids])));
}

/** Filters of a time entry list, already narrowed to what the caller may see. */
export interface TimeEntryQuery {
  firmId: string;
  engagementId?: string | null;
  clientId?: string | null;
  userId?: string | null;
  status?: TimeEntryStatusValue | null;
  billable?: boolean | null;
  workDateFrom?: string | null;
  workDateTo?: string | null;
}

function queryWhere(query: TimeEntryQuery): SQL {
  const conditions: SQL[] = [eq(timeEntries.firmId, query.firmId)];
  if (query.engagementId) conditions.push(eq(timeEntries.engagementId, query.engagementId));
  if (query.clientId) conditions.push(eq(timeEntries.clientId, query.clientId));
  if (query.userId) conditions.push(eq(timeEntries.userId, query.userId));
  if (query.status) conditions.push(eq(timeEntries.status, query.status));
  if (query.billable != null) conditions.push(eq(timeEntries.billable, query.billable));
  if (query.workDateFrom) conditions.push(gte(timeEntries.workDate, query.workDateFrom));
  if (query.workDateTo) conditions.push(lte(timeEntries.workDate, query.workDateTo));
  return and(...conditions)!;
}

/** Cursor values of an entry: its work date and id (the list's order, latest first). */
export function timeEntrySortKey(row: TimeEntryRow): [string, string] {
  return [row.workDate, row.id];
}

/** One page of entries, latest work date first, fetching `limit + 1` rows. */
export async function listTimeEntries(
  tx: Tx,
  query: TimeEntryQuery & { page: PageRequest<[string, string]> },
): Promise<TimeEntryRow[]> {
  const conditions = [queryWhere(query)];
  if (query.page.cursor) {
    const [workDate, id] = query.page.cursor;
    conditions.push(sql`(${timeEntries.workDate}, ${timeEntries.id}) < (${workDate}::date, ${id}::uuid)`);
  }
  return tx
    .select()
    .from(timeEntries)
    .where(and(...conditions))
    .orderBy(sql`${timeEntries.workDate} desc, ${timeEntries.id} desc`)
    .limit(query.page.limit + 1);
}

/** Number of entries matching the query, ignoring pagination. */
export async function countTimeEntries(tx: Tx, query: TimeEntryQuery): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(timeEntries)
    .where(queryWhere(query));
  return row?.count ?? 0;
}
