import { and, eq, gte, inArray, lte, ne, sql, type SQL } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Tx } from '../../../db/client.ts';
import {
  firmTimeSettings,
  timeEntries,
  type TimeEntryRow,
  type TimeEntryStatusValue,
} from '../../../db/schema/time.ts';
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

/** Tomorrow's date (`YYYY-MM-DD`) in `timeZone`, by the database clock: the latest allowed work date. */
export async function tomorrowIn(tx: Tx, timeZone: string): Promise<string> {
  const [row] = (await tx.execute(
    sql`select ((now() at time zone ${timeZone})::date + 1)::text as tomorrow`,
  )) as unknown as [{ tomorrow: string }];
  return row.tomorrow;
}

/**
 * Serializes writes to one user's entries on one work date for the rest of the transaction, so two
 * concurrent entries cannot both pass the daily 1,440-minute check (a transaction-level advisory
 * lock, released at commit or rollback).
 */
export async function lockUserDay(tx: Tx, firmId: string, userId: string, workDate: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`time:${firmId}:${userId}:${workDate}`}, 0))`);
}

/** Minutes the user has recorded on `workDate`, leaving out the entry `exceptId` (the one being changed). */
export async function minutesOnDay(
  tx: Tx,
  { firmId, userId, workDate, exceptId }: { firmId: string; userId: string; workDate: string; exceptId?: string },
): Promise<number> {
  const conditions = [
    eq(timeEntries.firmId, firmId),
    eq(timeEntries.userId, userId),
    eq(timeEntries.workDate, workDate),
  ];
  if (exceptId) conditions.push(ne(timeEntries.id, exceptId));
  const [row] = await tx
    .select({ minutes: sql<number>`coalesce(sum(${timeEntries.minutes}), 0)::int` })
    .from(timeEntries)
    .where(and(...conditions));
  return row?.minutes ?? 0;
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
