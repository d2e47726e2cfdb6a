import { z } from 'zod';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan, denied } from '../../../platform/authz.ts';
import { badUserInput, unauthenticated } from '../../../platform/errors.ts';
import { isUuid } from '../../../platform/ids.ts';
import { money } from '../../../platform/money.ts';
import { encodeCursor, parsePageArgs, type PageArgs } from '../../../platform/relay.ts';
import { can, type Actor } from '../../../platform/signed-context.ts';
import type { UserError } from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import type { BillingClientReference } from '../invoices/invoice-model.ts';
import type { WipGroupingValue, WipReportModel } from './time-report-model.ts';
import { firmMembers } from '../billing-crossings.ts';
import {
  upsertStaffCapacity,
  utilizationRows,
  WIP_GROUP_KEYS,
  wipReportRows,
  wipReportTotals,
  type WipFigures,
  type WipGroupFigures,
} from './time-report-store.ts';
import {
  capacityMinutes,
  dayNumber,
  DEFAULT_WEEKLY_MINUTES,
  MAX_UTILIZATION_DAYS,
  utilizationBasisPoints,
  weekdaysBetween,
} from './utilization.ts';

/** `Money` as the API returns it. */
type MoneyValue = ReturnType<typeof money>;

/**
 * `WipReport`'s arguments, after the permission check: the report's rows and totals are read when
 * selected. Requires `rate:read` (WIP is the value of time).
 * @throws UNAUTHENTICATED / FORBIDDEN as `assertCan`.
 */
export function wipReport(ctx: BillingContext, asOf: string, groupBy: WipGroupingValue): WipReportModel {
  assertCan(ctx.actor, 'rate:read');
  return { asOf, groupBy };
}

/** Minutes and `Money` of WIP: a row's or a total's figures with its aging buckets, as the API shapes them. */
function wipAmounts(figures: WipFigures) {
  const amount = (minutes: number, valueMinor: bigint) => ({ minutes, value: money(valueMinor, figures.currency) });
  const [b0, b1, b2, b3] = figures.buckets;
  return {
    currency: figures.currency,
    minutes: figures.minutes,
    value: money(figures.valueMinor, figures.currency),
    aging: {
      days0To30: amount(b0.minutes, b0.valueMinor),
      days31To60: amount(b1.minutes, b1.valueMinor),
      days61To90: amount(b2.minutes, b2.valueMinor),
      over90Days: amount(b3.minutes, b3.valueMinor),
    },
  };
}

const cursorShapes: Record<WipGroupingValue, z.ZodType<string[]>> = {
  CLIENT: z.tuple([z.uuid(), z.string()]),
  ENGAGEMENT: z.tuple([z.uuid(), z.uuid(), z.string()]),
  STAFF: z.tuple([z.uuid(), z.string()]),
  SERVICE: z.tuple([z.uuid(), z.string()]),
};

/** A WIP report row: the group's entity references, by grouping, and its figures. */
function wipRow(groupBy: WipGroupingValue, group: WipGroupFigures) {
  const key = (name: (typeof WIP_GROUP_KEYS)[WipGroupingValue][number]) => {
    const at = WIP_GROUP_KEYS[groupBy].indexOf(name);
    return at < 0 ? null : group.keys[at]!;
  };
  const clientId = key('clientId');
  const engagementId = key('engagementId');
  const userId = key('userId');
  return {
    client: clientId === null ? null : { id: clientId },
    engagement: engagementId === null ? null : { id: engagementId },
    staff: userId === null ? null : { id: userId },
    serviceId: key('serviceId'),
    ...wipAmounts(group),
  };
}

/**
 * A page of a WIP report's rows (one aggregate statement), forward only.
 * @throws BAD_USER_INPUT for `last`/`before`, a page size outside 0–100, or a cursor of another grouping.
 */
export async function wipReportRowsPage(ctx: BillingContext, report: WipReportModel, args: PageArgs) {
  const { firmId } = assertCan(ctx.actor, 'rate:read');
  if (args.last != null || args.before != null)
    throw badUserInput('WIP report rows page forward only: use `first` and `after`.');
  const page = parsePageArgs(args, cursorShapes[report.groupBy]);
  const groups =
    page.limit === 0 && page.cursor === null
      ? []
      : await ctx.database.withTenant({ firmId }, (tx) =>
          wipReportRows(tx, { firmId, ...report, after: page.cursor, limit: page.limit + 1 }),
        );
  const kept = groups.slice(0, page.limit);
  const edges = kept.map((group) => ({
    cursor: encodeCursor([...group.keys, group.currency]),
    node: wipRow(report.groupBy, group),
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: groups.length > page.limit,
      hasPreviousPage: page.cursor !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The WIP report's totals per currency (one aggregate statement). Requires `rate:read`. */
export async function wipReportTotalsOf(ctx: BillingContext, report: WipReportModel) {
  const { firmId } = assertCan(ctx.actor, 'rate:read');
  const totals = await ctx.database.withTenant({ firmId }, (tx) => wipReportTotals(tx, { firmId, asOf: report.asOf }));
  return totals.map(wipAmounts);
}

/**
 * `Engagement.wip`: its approved, billable, unbilled time as `Money` in its entries' currency (the
 * currency with the latest work date should there be several), or null when it has none. Requires
 * `rate:read`.
 */
export async function engagementWip(ctx: BillingContext, engagementId: string): Promise<MoneyValue | null> {
  assertCan(ctx.actor, 'rate:read');
  if (!isUuid(engagementId)) return null;
  const wip = await ctx.loaders.wipByEngagement.load(engagementId);
  return wip && money(wip.valueMinor, wip.currency);
}

/**
 * `Client.wip`: its approved, billable, unbilled time in the client's billing currency, as `Money`;
 * zero in that currency when there is none. Requires `rate:read`.
 */
export async function clientWip(ctx: BillingContext, client: BillingClientReference): Promise<MoneyValue> {
  assertCan(ctx.actor, 'rate:read');
  // `currency` always arrives: the schema declares `wip @requires(fields: "currency")`.
  const currency = client.currency!;
  const byCurrency = isUuid(client.id) ? await ctx.loaders.wipByClient.load(client.id) : new Map<string, bigint>();
  return money(byCurrency.get(currency) ?? 0n, currency);
}

/**
 * Utilization over `from`–`to` (work dates, both included), one row per staff member with a
 * capacity row or time in the period, ordered by user id (one aggregate statement). Capacity is
 * `floor(weekly minutes × weekdays ÷ 5)` (`capacityMinutes`); billable minutes count `APPROVED` and
 * `BILLED` billable time. Requires `time:read_any`.
 * @throws BAD_USER_INPUT when `to` is before `from` or the period is longer than 366 days.
 */
export async function utilizationReport(ctx: BillingContext, from: string, to: string) {
  const { firmId } = assertCan(ctx.actor, 'time:read_any');
  const days = dayNumber(to) - dayNumber(from) + 1;
  if (days < 1) throw badUserInput('`to` must be on or after `from`.');
  if (days > MAX_UTILIZATION_DAYS) throw badUserInput(`The period may be at most ${MAX_UTILIZATION_DAYS} days.`);
  const weekdays = weekdaysBetween(from, to);
  const figures = await ctx.database.withTenant({ firmId }, (tx) => utilizationRows(tx, { firmId, from, to }));
  return {
    from,
    to,
    weekdays,
    rows: figures.map((row) => {
      const weekly = row.weeklyMinutes ?? DEFAULT_WEEKLY_MINUTES;
      const capacity = capacityMinutes(weekly, weekdays);
      return {
        staff: { id: row.userId },
        weeklyCapacityMinutes: weekly,
        capacityMinutes: capacity,
        billableMinutes: row.billableMinutes,
        recordedMinutes: row.recordedMinutes,
        utilizationBasisPoints: utilizationBasisPoints(row.billableMinutes, capacity),
      };
    }),
  };
}

/** True when `actor` may see `userId`'s capacity: it is that staff user, or holds `time:read_any`. */
export function canSeeCapacity(actor: Actor, userId: string): boolean {
  return (actor.kind === 'STAFF' && actor.firmId !== null && actor.userId === userId) || can(actor, 'time:read_any');
}

/**
 * `User.weeklyCapacityMinutes`: the member's weekly capacity, 2,400 (40 h) without a row.
 * @throws UNAUTHENTICATED for anonymous callers; FORBIDDEN unless `canSeeCapacity`.
 */
export async function weeklyCapacityMinutes(ctx: BillingContext, userId: string): Promise<number> {
  if (ctx.actor.kind === 'ANONYMOUS') throw unauthenticated();
  if (!canSeeCapacity(ctx.actor, userId)) throw denied(ctx.actor);
  if (!isUuid(userId)) return DEFAULT_WEEKLY_MINUTES;
  return (await ctx.loaders.weeklyCapacityByUser.load(userId)) ?? DEFAULT_WEEKLY_MINUTES;
}

/** Input of `setStaffCapacity` as it arrives from GraphQL. */
export interface SetStaffCapacityInput {
  userId: string;
  weeklyMinutes: number;
}

/** Most minutes a week has (7 × 24 h): the upper bound of a capacity, as `staff_capacities_weekly_minutes` checks. */
const MAX_WEEKLY_MINUTES = 10_080;

/**
 * Sets a member's weekly capacity in one transaction, audited as `staff_capacity.set` (metadata:
 * the previous and new weekly minutes). Requires `firm:update`. The user must be an enabled staff
 * member of the firm, checked through `tenancy.firm_members`; another firm's user answers exactly
 * as an unknown id does.
 * @returns `{ user }`, or `userErrors`: OUT_OF_RANGE outside 0–10,080 minutes (0–168 h), NOT_FOUND
 *   for a user who is not a member.
 * @throws UNAUTHENTICATED / FORBIDDEN as `assertCan`.
 */
export async function setStaffCapacity(
  ctx: BillingContext,
  input: SetStaffCapacityInput,
): Promise<{ user: { id: string } | null; userErrors: UserError<UserErrorCode>[] }> {
  const { firmId } = assertCan(ctx.actor, 'firm:update');
  const userErrors: UserError<UserErrorCode>[] = [];
  if (!Number.isInteger(input.weeklyMinutes) || input.weeklyMinutes < 0 || input.weeklyMinutes > MAX_WEEKLY_MINUTES)
    userErrors.push({
      field: ['input', 'weeklyMinutes'],
      message: `Weekly capacity must be between 0 and ${MAX_WEEKLY_MINUTES} minutes (168 hours).`,
      code: 'OUT_OF_RANGE',
    });
  const notMember: UserError<UserErrorCode> = {
    field: ['input', 'userId'],
    message: 'No staff member of this firm has this id.',
    code: 'NOT_FOUND',
  };
  if (!isUuid(input.userId)) userErrors.push(notMember);
  if (userErrors.length > 0) return { user: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const members = await firmMembers(tx, [input.userId]);
    if (!members.has(input.userId)) return { user: null, userErrors: [notMember] };
    const previous = await upsertStaffCapacity(tx, {
      firmId,
      userId: input.userId,
      weeklyMinutes: input.weeklyMinutes,
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'staff_capacity.set',
      targetType: 'user',
      targetId: input.userId,
      metadata: { previousWeeklyMinutes: previous ?? DEFAULT_WEEKLY_MINUTES, weeklyMinutes: input.weeklyMinutes },
    });
    return { user: { id: input.userId }, userErrors: [] };
  });
}
