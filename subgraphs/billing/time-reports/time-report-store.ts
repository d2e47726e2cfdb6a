import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { staffCapacities, timeEntries, userDayTotals, wipFirmDays, wipUserDays } from '../../../db/schema/time.ts';
import type { WipGroupingValue } from './time-report-model.ts';

/** Minutes and value (bigint minor units) of WIP, in total and per aging bucket. */
export interface WipFigures {
  currency: string;
  minutes: number;
  valueMinor: bigint;
  /** Buckets by whole days between the work date and `asOf`: 0–30, 31–60, 61–90, 91 and more. */
  buckets: [WipBucketFigures, WipBucketFigures, WipBucketFigures, WipBucketFigures];
}

/** One aging bucket: minutes and value in minor units. */
interface WipBucketFigures {
  minutes: number;
  valueMinor: bigint;
}

/** One group of the WIP report: its key values (uuids, in `WIP_GROUP_KEYS` order) and figures. */
export interface WipGroupFigures extends WipFigures {
  keys: string[];
}

/**
 * The columns each grouping groups and orders by. `ENGAGEMENT` groups by client first, so that
 * both groupings walk `time_entries_wip_idx` (firm, client, engagement, …) in its own order.
 */
export const WIP_GROUP_KEYS: Record<
  WipGroupingValue,
  readonly ('clientId' | 'engagementId' | 'userId' | 'serviceId')[]
> = {
  CLIENT: ['clientId'],
  ENGAGEMENT: ['clientId', 'engagementId'],
  STAFF: ['userId'],
  SERVICE: ['serviceId'],
};

/** Approved, billable, unbilled time of the firm: the predicate of the partial index `time_entries_wip_idx`. */
const isWip = (firmId: string) =>
  and(eq(timeEntries.firmId, firmId), eq(timeEntries.status, 'APPROVED'), sql`${timeEntries.billable}`);

/** The columns a WIP aggregate sums: the entries themselves, or one of the WIP day rollups. */
interface WipSource {
  minutes: typeof timeEntries.minutes | typeof wipUserDays.minutes | typeof wipFirmDays.minutes;
  valueMinor: typeof timeEntries.valueMinor | typeof wipUserDays.valueMinor | typeof wipFirmDays.valueMinor;
  workDate: typeof timeEntries.workDate | typeof wipUserDays.workDate | typeof wipFirmDays.workDate;
  currency: typeof timeEntries.currency | typeof wipUserDays.currency | typeof wipFirmDays.currency;
}

/** The aggregate columns of a WIP row over `source`: totals and, with FILTER, the four aging buckets. */
function wipAggregates(asOf: string, source: WipSource = timeEntries) {
  const age = sql`(${asOf}::date - ${source.workDate})`;
  const bucket = (label: string, condition: SQL) => ({
    [`${label}Minutes`]: sql<number>`coalesce(sum(${source.minutes}) filter (where ${condition}), 0)::int`,
    [`${label}Value`]: sql<string>`coalesce(sum(${source.valueMinor}) filter (where ${condition}), 0)::text`,
  });
  return {
    currency: source.currency,
    minutes: sql<number>`sum(${source.minutes})::int`,
    value: sql<string>`sum(${source.valueMinor})::text`,
    ...bucket('b0', sql`${age} <= 30`),
    ...bucket('b1', sql`${age} between 31 and 60`),
    ...bucket('b2', sql`${age} between 61 and 90`),
    ...bucket('b3', sql`${age} > 90`),
  } as const;
}

type AggregateRow = { currency: string; minutes: number; value: string } & Record<string, unknown>;

function toFigures(row: AggregateRow): WipFigures {
  const bucket = (label: string): WipBucketFigures => ({
    minutes: row[`${label}Minutes`] as number,
    valueMinor: BigInt(row[`${label}Value`] as string),
  });
  return {
    currency: row.currency,
    minutes: row.minutes,
    valueMinor: BigInt(row.value),
    buckets: [bucket('b0'), bucket('b1'), bucket('b2'), bucket('b3')],
  };
}

/**
 * One page of the WIP report (query `wip_report_rows`): the firm's approved, billable, unbilled
 * time worked on or before `asOf`, summed per group and currency in one aggregate, with the aging
 * buckets as FILTER clauses. Rows come in key order, then currency; `after` is the last row's
 * `[...keys, currency]` and is compared after grouping, while the scan starts at its first key, so
 * a page reads the groups it returns (plus the boundary group) when the grouping follows the WIP
 * index (`CLIENT`, `ENGAGEMENT`).
 * @param asOf `YYYY-MM-DD`; ages are whole days before it.
 * @param limit rows to fetch (the caller asks one more than it returns, to learn whether more exist).
 */
export async function wipReportRows(
  tx: Tx,
  {
    firmId,
    asOf,
    groupBy,
    after,
    limit,
  }: { firmId: string; asOf: string; groupBy: WipGroupingValue; after: readonly string[] | null; limit: number },
): Promise<WipGroupFigures[]> {
  if (groupBy === 'STAFF') return wipStaffRows(tx, { firmId, asOf, after, limit });
  const keyColumns = WIP_GROUP_KEYS[groupBy].map((key) => timeEntries[key]);
  const keys = Object.fromEntries(keyColumns.map((column, i) => [`k${i}`, sql<string>`${column}::text`]));
  const sortKey = [...keyColumns, timeEntries.currency];
  const afterRow =
    after === null
      ? undefined
      : sql`(${sql.join(sortKey, sql`, `)}) > (${sql.join(
          after.map((value, i) => (i < keyColumns.length ? sql`${value}::uuid` : sql`${value}`)),
          sql`, `,
        )})`;
  const rows = await tx
    .select({ ...keys, ...wipAggregates(asOf) })
    .from(timeEntries)
    .where(
      and(
        isWip(firmId),
        sql`${timeEntries.workDate} <= ${asOf}::date`,
        after === null ? undefined : sql`${keyColumns[0]!} >= ${after[0]!}::uuid`,
      ),
    )
    .groupBy(...sortKey)
    .having(afterRow)
    .orderBy(...sortKey)
    .limit(limit);
  return rows.map((row) => ({
    keys: keyColumns.map((_, i) => (row as unknown as Record<string, string>)[`k${i}`]!),
    ...toFigures(row as AggregateRow),
  }));
}

/**
 * The `STAFF` page of the WIP report from the per-staff day rollup (`billing.wip_user_days`): one
 * row per staff member and day rather than every entry, so a page costs the same however much time
 * each member holds. Same order and keyset as `wipReportRows`.
 */
async function wipStaffRows(
  tx: Tx,
  { firmId, asOf, after, limit }: { firmId: string; asOf: string; after: readonly string[] | null; limit: number },
): Promise<WipGroupFigures[]> {
  const rows = await tx
    .select({ k0: sql<string>`${wipUserDays.userId}::text`, ...wipAggregates(asOf, wipUserDays) })
    .from(wipUserDays)
    .where(
      and(
        eq(wipUserDays.firmId, firmId),
        sql`${wipUserDays.workDate} <= ${asOf}::date`,
        after === null ? undefined : sql`${wipUserDays.userId} >= ${after[0]!}::uuid`,
      ),
    )
    .groupBy(wipUserDays.userId, wipUserDays.currency)
    .having(
      after === null
        ? sql`sum(${wipUserDays.minutes}) <> 0`
        : sql`sum(${wipUserDays.minutes}) <> 0 and (${wipUserDays.userId}, ${wipUserDays.currency}) > (${after[0]!}::uuid, ${after[1]!})`,
    )
    .orderBy(wipUserDays.userId, wipUserDays.currency)
    .limit(limit);
  return rows.map((row) => ({ keys: [row.k0], ...toFigures(row as AggregateRow) }));
}

/**
 * The firm's whole WIP as of `asOf` per currency, with aging (query `wip_report_totals`), in currency
 * order: from the firm's WIP day rollup (`billing.wip_firm_days`), one row per currency and day.
 */
export async function wipReportTotals(
  tx: Tx,
  { firmId, asOf }: { firmId: string; asOf: string },
): Promise<WipFigures[]> {
  const rows = await tx
    .select(wipAggregates(asOf, wipFirmDays))
    .from(wipFirmDays)
    .where(and(eq(wipFirmDays.firmId, firmId), sql`${wipFirmDays.workDate} <= ${asOf}::date`))
    .groupBy(wipFirmDays.currency)
    .having(sql`sum(${wipFirmDays.minutes}) <> 0`)
    .orderBy(wipFirmDays.currency);
  return rows.map((row) => toFigures(row as AggregateRow));
}

/**
 * WIP per engagement and currency (any work date), in minor units, with each currency's latest
 * work date (`YYYY-MM-DD`): for `Engagement.wip`, batched over many engagements.
 */
export async function wipByEngagements(
  tx: Tx,
  { firmId, engagementIds }: { firmId: string; engagementIds: readonly string[] },
): Promise<{ engagementId: string; currency: string; valueMinor: bigint; latestWorkDate: string }[]> {
  const rows = await tx
    .select({
      engagementId: timeEntries.engagementId,
      currency: timeEntries.currency,
      value: sql<string>`sum(${timeEntries.valueMinor})::text`,
      latestWorkDate: sql<string>`max(${timeEntries.workDate})::text`,
    })
    .from(timeEntries)
    .where(and(isWip(firmId), inArray(timeEntries.engagementId, [...engagementIds])))
    .groupBy(timeEntries.engagementId, timeEntries.currency);
  return rows.map(({ value, ...row }) => ({ ...row, valueMinor: BigInt(value) }));
}

/** WIP per client and currency (any work date), in minor units: for `Client.wip`, batched over many clients. */
export async function wipByClients(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
): Promise<{ clientId: string; currency: string; valueMinor: bigint }[]> {
  const rows = await tx
    .select({
      clientId: timeEntries.clientId,
      currency: timeEntries.currency,
      value: sql<string>`sum(${timeEntries.valueMinor})::text`,
    })
    .from(timeEntries)
    .where(and(isWip(firmId), inArray(timeEntries.clientId, [...clientIds])))
    .groupBy(timeEntries.clientId, timeEntries.currency);
  return rows.map(({ value, ...row }) => ({ ...row, valueMinor: BigInt(value) }));
}

/** One staff member's minutes over a period, and their capacity row's weekly minutes (null without one). */
export interface UtilizationFigures {
  userId: string;
  weeklyMinutes: number | null;
  billableMinutes: number;
  recordedMinutes: number;
}

/**
 * Minutes per staff member with work dated `from` to `to` (both included) or a capacity row
 * (query `utilization_rows`), in one statement: billable minutes of `APPROVED` or `BILLED` entries,
 * and every recorded minute, summed from the day rollup (`billing.user_day_totals`, one row per
 * member and day), full-joined with `billing.staff_capacities`; ordered by user id.
 */
export async function utilizationRows(
  tx: Tx,
  { firmId, from, to }: { firmId: string; from: string; to: string },
): Promise<UtilizationFigures[]> {
  const rows = await tx.execute<{
    userId: string;
    weeklyMinutes: number | null;
    billable: number;
    recorded: number;
  }>(sql`
    select coalesce(t.user_id, c.user_id)::text as "userId", c.weekly_minutes as "weeklyMinutes",
           coalesce(t.billable, 0)::int as billable, coalesce(t.recorded, 0)::int as recorded
    from (
      select ${userDayTotals.userId} as user_id, sum(${userDayTotals.billableMinutes}) as billable,
             sum(${userDayTotals.recordedMinutes}) as recorded
      from ${userDayTotals}
      where ${userDayTotals.firmId} = ${firmId} and ${userDayTotals.workDate} >= ${from}::date and ${userDayTotals.workDate} <= ${to}::date
      group by ${userDayTotals.userId}
      having sum(${userDayTotals.recordedMinutes}) <> 0
    ) t
    full join (
      select ${staffCapacities.userId} as user_id, ${staffCapacities.weeklyMinutes} as weekly_minutes
      from ${staffCapacities} where ${staffCapacities.firmId} = ${firmId}
    ) c on c.user_id = t.user_id
    order by 1`);
  return [...rows].map((row) => ({
    userId: row.userId,
    weeklyMinutes: row.weeklyMinutes,
    billableMinutes: row.billable,
    recordedMinutes: row.recorded,
  }));
}

/** The weekly minutes of the staff members among `userIds` who have a capacity row. */
export async function weeklyCapacities(
  tx: Tx,
  { firmId, userIds }: { firmId: string; userIds: readonly string[] },
): Promise<{ userId: string; weeklyMinutes: number }[]> {
  return tx
    .select({ userId: staffCapacities.userId, weeklyMinutes: staffCapacities.weeklyMinutes })
    .from(staffCapacities)
    .where(and(eq(staffCapacities.firmId, firmId), inArray(staffCapacities.userId, [...userIds])));
}

/**
 * Sets a staff member's weekly capacity (insert or update, locking the row).
 * @returns the weekly minutes it had before, or null when it had no row (the 2,400 default).
 */
export async function upsertStaffCapacity(
  tx: Tx,
  { firmId, userId, weeklyMinutes }: { firmId: string; userId: string; weeklyMinutes: number },
): Promise<number | null> {
  const [previous] = await tx
    .select({ weeklyMinutes: staffCapacities.weeklyMinutes })
    .from(staffCapacities)
    .where(and(eq(staffCapacities.firmId, firmId), eq(staffCapacities.userId, userId)))
    .for('update');
  await tx
    .insert(staffCapacities)
    .values({ firmId, userId, weeklyMinutes })
    .onConflictDoUpdate({
      target: [staffCapacities.firmId, staffCapacities.userId],
      set: { weeklyMinutes, updatedAt: sql`now()` },
    });
  return previous?.weeklyMinutes ?? null;
}
