import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import type { RoleValue } from '../../../db/schema/tenancy.ts';
import { costRates, rates, type RateRow, type RateSourceValue } from '../../../db/schema/time.ts';
import type { PageRequest } from '../../../platform/relay.ts';

/** Filters of a rate card listing. */
export interface RateFilter {
  firmId: string;
  source?: RateSourceValue | null;
  engagementId?: string | null;
  clientId?: string | null;
  userId?: string | null;
}

/** One page of rate card entries, newest first, fetching `limit + 1` to tell whether more exist. */
export async function listRates(
  tx: Tx,
  filter: RateFilter & { page: PageRequest<[string, string]> },
): Promise<RateRow[]> {
  const conditions: SQL[] = [eq(rates.firmId, filter.firmId)];
  if (filter.source) conditions.push(eq(rates.source, filter.source));
  if (filter.engagementId) conditions.push(eq(rates.engagementId, filter.engagementId));
  if (filter.clientId) conditions.push(eq(rates.clientId, filter.clientId));
  if (filter.userId) conditions.push(eq(rates.userId, filter.userId));
  if (filter.page.cursor) {
    const [createdAt, id] = filter.page.cursor;
    conditions.push(sql`(${rates.createdAt}, ${rates.id}) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  return tx
    .select()
    .from(rates)
    .where(and(...conditions))
    .orderBy(desc(rates.createdAt), desc(rates.id))
    .limit(filter.page.limit + 1);
}

/** The firm's rate card entries with these ids. */
export async function getRatesByIds(tx: Tx, firmId: string, ids: readonly string[]): Promise<RateRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(rates)
    .where(and(eq(rates.firmId, firmId), inArray(rates.id, [...ids])));
}

/**
 * Inserts a rate card entry, or replaces the amount of the card's entry of the same currency and
 * date (`rates_card_key`, NULLs not distinct), and returns it.
 */
export async function upsertRate(tx: Tx, row: typeof rates.$inferInsert): Promise<RateRow> {
  const [saved] = await tx
    .insert(rates)
    .values(row)
    .onConflictDoUpdate({
      target: [
        rates.firmId,
        rates.source,
        rates.engagementId,
        rates.clientId,
        rates.userId,
        rates.serviceId,
        rates.role,
        rates.currency,
        rates.effectiveFrom,
      ],
      set: { hourlyMinor: row.hourlyMinor },
    })
    .returning();
  return saved!;
}

/** Deletes a rate card entry; false when the firm has none with this id. */
export async function deleteRateRow(tx: Tx, firmId: string, id: string): Promise<boolean> {
  const deleted = await tx
    .delete(rates)
    .where(and(eq(rates.firmId, firmId), eq(rates.id, id)))
    .returning({ id: rates.id });
  return deleted.length > 0;
}

/**
 * Every rate card entry that could price work by these staff members on these engagements and
 * clients: the engagements' cards, the clients' cards for those staff, the staff's standard rates
 * and the role rates. `resolveRate` chooses among them.
 */
export async function candidateRateCards(
  tx: Tx,
  firmId: string,
  scope: { engagementIds: string[]; clientIds: string[]; userIds: string[]; roles: RoleValue[] },
): Promise<RateRow[]> {
  const { engagementIds, clientIds, userIds, roles } = scope;
  const none = sql`false`;
  return tx
    .select()
    .from(rates)
    .where(
      and(
        eq(rates.firmId, firmId),
        or(
          engagementIds.length ? inArray(rates.engagementId, engagementIds) : none,
          clientIds.length && userIds.length
            ? and(inArray(rates.clientId, clientIds), inArray(rates.userId, userIds))
            : none,
          userIds.length ? and(eq(rates.source, 'STAFF_STANDARD'), inArray(rates.userId, userIds)) : none,
          roles.length ? and(eq(rates.source, 'FIRM_ROLE'), inArray(rates.role, roles)) : none,
        ),
      ),
    );
}

/** A staff member's cost rates, latest first. */
export async function listCostRates(tx: Tx, firmId: string, userIds: readonly string[]) {
  if (userIds.length === 0) return [];
  return tx
    .select()
    .from(costRates)
    .where(and(eq(costRates.firmId, firmId), inArray(costRates.userId, [...userIds])))
    .orderBy(desc(costRates.effectiveFrom), desc(costRates.currency));
}

/** Inserts a cost rate, or replaces the amount of the member's entry of the same currency and date. */
export async function upsertCostRate(tx: Tx, row: typeof costRates.$inferInsert) {
  const [saved] = await tx
    .insert(costRates)
    .values(row)
    .onConflictDoUpdate({
      target: [costRates.firmId, costRates.userId, costRates.currency, costRates.effectiveFrom],
      set: { hourlyMinor: row.hourlyMinor },
    })
    .returning();
  return saved!;
}
