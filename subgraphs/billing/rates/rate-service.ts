import type { Tx } from '../../../db/client.ts';
import type { RoleValue } from '../../../db/schema/tenancy.ts';
import type { RateRow } from '../../../db/schema/time.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { money, parseMinorUnits } from '../../../platform/money.ts';
import {
  CREATED_AT_CURSOR,
  parsePageArgs,
  toConnection,
  type Connection,
  type PageArgs,
} from '../../../platform/relay.ts';
import { can } from '../../../platform/signed-context.ts';
import type { UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type {
  MoneyInput,
  RateSource,
  SetCostRateInput,
  SetRateInput,
  UserErrorCode,
} from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { clientCurrencies, engagementsForTime, firmMembers } from '../billing-crossings.ts';
import type { EntityReference } from '../billing-model.ts';
import { getServicesByIds } from '../services/catalogue-store.ts';
import { resolveRate, valueOfMinutes, type RateCard } from './rate-resolution.ts';
import {
  candidateRateCards,
  deleteRateRow,
  getRatesByIds,
  listCostRates,
  listRates,
  upsertCostRate,
  upsertRate,
} from './rate-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Largest hourly rate accepted, in minor units: 10^12 (ten billion USD an hour) keeps every value exact. */
const MAX_HOURLY_MINOR = 10n ** 12n;

/** Which scope ids each card names (`rates_scope` in db/schema/time.ts holds the same rule). */
const CARD_SCOPE: Record<RateSource, readonly ('engagementId' | 'clientId' | 'userId' | 'serviceId' | 'role')[]> = {
  ENGAGEMENT_STAFF: ['engagementId', 'userId'],
  ENGAGEMENT_SERVICE: ['engagementId', 'serviceId'],
  CLIENT_STAFF: ['clientId', 'userId'],
  STAFF_STANDARD: ['userId'],
  FIRM_ROLE: ['role'],
};

/**
 * Parses an hourly amount entered as `MoneyInput` into minor units; pushes INVALID (not a decimal
 * of the currency's minor unit) or OUT_OF_RANGE (negative or above 10^12 minor units) at `field`.
 */
function hourlyMinor(input: MoneyInput, field: string[], errors: UserError[]): bigint {
  const minor = parseMinorUnits(input.amount, input.currency);
  if (minor === null) {
    errors.push({ field, message: `Enter an amount with at most the currency's decimals.`, code: 'INVALID' });
    return 0n;
  }
  if (minor < 0n || minor > MAX_HOURLY_MINOR) {
    errors.push({ field, message: 'The rate must be zero or more, and not absurdly large.', code: 'OUT_OF_RANGE' });
  }
  return minor;
}

/** One page of the firm's rate card entries, newest first; null unless `firm` is the active firm. Requires `rate:read`. */
export async function firmRates(
  ctx: BillingContext,
  firm: EntityReference,
  args: PageArgs & {
    source?: RateSource | null;
    engagementId?: string | null;
    clientId?: string | null;
    userId?: string | null;
  },
): Promise<Connection<RateRow> | null> {
  const { firmId } = assertCan(ctx.actor, 'rate:read');
  if (firm.id !== firmId) return null;
  const page = parsePageArgs({ first: args.first, after: args.after }, CREATED_AT_CURSOR);
  for (const id of [args.engagementId, args.clientId, args.userId]) {
    if (id != null && !isUuid(id)) return toConnection([], page, rateSortKey, 0);
  }
  const rows = await ctx.database.withTenant({ firmId }, (tx) =>
    page.limit === 0 ? Promise.resolve([]) : listRates(tx, { firmId, ...args, page }),
  );
  return toConnection(rows, page, rateSortKey, 0);
}

function rateSortKey(row: RateRow): [string, string] {
  return [row.createdAt.toISOString(), row.id];
}

/** A rate card entry of the active firm, or null. Requires `rate:read`. */
export async function findRate(ctx: BillingContext, id: string): Promise<RateRow | null> {
  const { firmId } = assertCan(ctx.actor, 'rate:read');
  if (!isUuid(id)) return null;
  const [row] = await ctx.database.withTenant({ firmId }, (tx) => getRatesByIds(tx, firmId, [id]));
  return row ?? null;
}

/** The API's view of a rate card entry's amount. */
export function rateAmount(rate: Pick<RateRow, 'hourlyMinor' | 'currency'>) {
  return money(rate.hourlyMinor, rate.currency);
}

/**
 * Sets a rate card entry, in one transaction. Requires `rate:write`. The card's scope ids must be
 * exactly those its source names (`CARD_SCOPE`), each of the firm; engagement and client cards are
 * in the client's currency. An entry of the same card, currency and date is replaced.
 */
export async function setRate(
  ctx: BillingContext,
  input: SetRateInput,
): Promise<{ rate: RateRow | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'rate:write');
  const userErrors: UserError[] = [];
  const named = CARD_SCOPE[input.source];
  for (const key of ['engagementId', 'clientId', 'userId', 'serviceId', 'role'] as const) {
    const value = input[key];
    if (named.includes(key) && value == null) {
      userErrors.push({ field: ['input', key], message: `A ${input.source} rate names this.`, code: 'REQUIRED' });
    } else if (!named.includes(key) && value != null) {
      userErrors.push({
        field: ['input', key],
        message: `A ${input.source} rate does not name this.`,
        code: 'INVALID',
      });
    }
  }
  const amount = hourlyMinor(input.hourlyRate, ['input', 'hourlyRate', 'amount'], userErrors);
  if (userErrors.length > 0) return { rate: null, userErrors };

  return ctx.database.withTenant({ firmId }, async (tx) => {
    const scopeErrors = await checkScope(tx, firmId, input);
    if (scopeErrors.length > 0) return { rate: null, userErrors: scopeErrors };
    const rate = await upsertRate(tx, {
      firmId,
      id: newId(),
      source: input.source,
      engagementId: input.engagementId ?? null,
      clientId: input.clientId ?? null,
      userId: input.userId ?? null,
      serviceId: input.serviceId ?? null,
      role: input.role ?? null,
      currency: input.hourlyRate.currency,
      hourlyMinor: amount,
      effectiveFrom: input.effectiveFrom,
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'rate.set',
      targetType: 'rate',
      targetId: rate.id,
      metadata: {
        source: rate.source,
        currency: rate.currency,
        hourlyMinor: Number(amount),
        effectiveFrom: rate.effectiveFrom,
      },
    });
    return { rate, userErrors: [] };
  });
}

/** NOT_FOUND for scope ids that name nothing in the firm; CURRENCY_MISMATCH for a client's card in another currency. */
async function checkScope(tx: Tx, firmId: string, input: SetRateInput): Promise<UserError[]> {
  const errors: UserError[] = [];
  const missing = (key: string, what: string) =>
    errors.push({ field: ['input', key], message: `No such ${what} in this firm.`, code: 'NOT_FOUND' });
  let clientCurrency: string | undefined;
  if (input.engagementId != null) {
    const engagement = isUuid(input.engagementId)
      ? (await engagementsForTime(tx, [input.engagementId], null)).get(input.engagementId)
      : undefined;
    if (!engagement) missing('engagementId', 'engagement');
    clientCurrency = engagement?.currency;
  }
  if (input.clientId != null) {
    clientCurrency = isUuid(input.clientId)
      ? (await clientCurrencies(tx, [input.clientId])).get(input.clientId)
      : undefined;
    if (!clientCurrency) missing('clientId', 'client');
  }
  if (input.userId != null && (!isUuid(input.userId) || !(await firmMembers(tx, [input.userId])).has(input.userId))) {
    missing('userId', 'staff member');
  }
  if (
    input.serviceId != null &&
    (!isUuid(input.serviceId) || (await getServicesByIds(tx, firmId, [input.serviceId])).length === 0)
  ) {
    missing('serviceId', 'service');
  }
  if (clientCurrency && clientCurrency !== input.hourlyRate.currency) {
    errors.push({
      field: ['input', 'hourlyRate', 'currency'],
      message: `The client is billed in ${clientCurrency}.`,
      code: 'CURRENCY_MISMATCH',
    });
  }
  return errors;
}

/**
 * Deletes a rate card entry. Requires `rate:write`. Approved time keeps the rate it snapshotted.
 * @throws NOT_FOUND when the active firm has no such entry (another firm's id included).
 */
export async function deleteRate(ctx: BillingContext, id: string) {
  const { firmId } = assertCan(ctx.actor, 'rate:write');
  if (!isUuid(id)) throw notFound('Rate');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    if (!(await deleteRateRow(tx, firmId, id))) throw notFound('Rate');
    await recordAudit(tx, ctx, { firmId, action: 'rate.delete', targetType: 'rate', targetId: id });
    return { deletedRateId: id, userErrors: [] };
  });
}

/** One piece of work to price: who, on which engagement and service, when, for how long. */
export interface WorkToPrice {
  engagementId: string;
  userId: string;
  serviceId: string;
  workDate: string;
  minutes: number;
}

/** How a piece of work is priced: the card entry that applies (null when none) and the value in minor units. */
export interface PricedWork {
  rate: RateCard | null;
  /** `valueOfMinutes(minutes, rate.hourlyMinor)`, or null when no rate applies. */
  valueMinor: bigint | null;
  /** The client's billing currency; null when the engagement is not the firm's. */
  currency: string | null;
}

/**
 * Prices a batch of work inside `tx` with a fixed number of statements whatever its size: the
 * engagements' clients and currencies, the staff's roles, and every candidate card, then
 * `resolveRate` per item (subgraphs/billing/rates/rate-resolution.ts). Results are in input order.
 */
export async function priceWork(tx: Tx, firmId: string, work: readonly WorkToPrice[]): Promise<PricedWork[]> {
  if (work.length === 0) return [];
  const engagementIds = [...new Set(work.map((item) => item.engagementId))];
  const userIds = [...new Set(work.map((item) => item.userId))];
  const [engagements, roles] = await Promise.all([
    engagementsForTime(tx, engagementIds, null),
    firmMembers(tx, userIds),
  ]);
  const clientIds = [...new Set([...engagements.values()].map((e) => e.clientId))];
  const cards = await candidateRateCards(tx, firmId, {
    engagementIds,
    clientIds,
    userIds,
    roles: [...new Set(roles.values())] as RoleValue[],
  });
  return work.map((item) => {
    const engagement = engagements.get(item.engagementId);
    if (!engagement) return { rate: null, valueMinor: null, currency: null };
    const rate = resolveRate(cards, {
      ...item,
      clientId: engagement.clientId,
      role: roles.get(item.userId) ?? null,
      currency: engagement.currency,
    });
    return {
      rate,
      valueMinor: rate ? valueOfMinutes(item.minutes, rate.hourlyMinor) : null,
      currency: engagement.currency,
    };
  });
}

/**
 * The rate that would price `userId`'s work on an engagement and service on `workDate`, or null
 * when no card applies or an id names nothing of the firm. Requires `rate:read`.
 */
export async function effectiveRate(
  ctx: BillingContext,
  args: { engagementId: string; userId: string; serviceId: string; workDate: string },
) {
  const { firmId } = assertCan(ctx.actor, 'rate:read');
  if (![args.engagementId, args.userId, args.serviceId].every(isUuid)) return null;
  const [priced] = await ctx.database.withTenant({ firmId }, async (tx) => {
    const [members, services] = await Promise.all([
      firmMembers(tx, [args.userId]),
      getServicesByIds(tx, firmId, [args.serviceId]),
    ]);
    return members.has(args.userId) && services.length > 0 ? priceWork(tx, firmId, [{ ...args, minutes: 0 }]) : [];
  });
  const rate = priced?.rate;
  return rate ? { hourlyRate: rateAmount(rate), source: rate.source, rate: rate as RateRow } : null;
}

/**
 * A staff member's cost rates, latest first: to the member themself or with `rate:read`; null for
 * anyone else, and for users who are not the firm's.
 */
export async function userCostRates(ctx: BillingContext, user: EntityReference) {
  const actor = ctx.actor;
  if (actor.kind === 'ANONYMOUS' || actor.firmId === null) return null;
  const self = actor.kind === 'STAFF' && actor.userId === user.id;
  if (!self && !can(actor, 'rate:read')) return null;
  if (!isUuid(user.id)) return null;
  const firmId = actor.firmId;
  const rows = await ctx.database.withTenant({ firmId }, (tx) => listCostRates(tx, firmId, [user.id]));
  return rows.map((row) => ({
    id: row.id,
    hourlyCost: money(row.hourlyMinor, row.currency),
    effectiveFrom: row.effectiveFrom,
  }));
}

/** Sets a staff member's cost rate, in one transaction. Requires `rate:write`. */
export async function setCostRate(ctx: BillingContext, input: SetCostRateInput) {
  const { firmId } = assertCan(ctx.actor, 'rate:write');
  const userErrors: UserError[] = [];
  const amount = hourlyMinor(input.hourlyCost, ['input', 'hourlyCost', 'amount'], userErrors);
  if (userErrors.length > 0) return { costRate: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    if (!isUuid(input.userId) || !(await firmMembers(tx, [input.userId])).has(input.userId)) {
      return {
        costRate: null,
        userErrors: [
          { field: ['input', 'userId'], message: 'No such staff member in this firm.', code: 'NOT_FOUND' as const },
        ],
      };
    }
    const row = await upsertCostRate(tx, {
      firmId,
      id: newId(),
      userId: input.userId,
      currency: input.hourlyCost.currency,
      hourlyMinor: amount,
      effectiveFrom: input.effectiveFrom,
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'cost_rate.set',
      targetType: 'user',
      targetId: input.userId,
      metadata: { currency: row.currency, effectiveFrom: row.effectiveFrom },
    });
    return {
      costRate: { id: row.id, hourlyCost: money(row.hourlyMinor, row.currency), effectiveFrom: row.effectiveFrom },
      userErrors: [],
    };
  });
}
