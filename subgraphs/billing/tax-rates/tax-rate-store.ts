import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { taxRates, type TaxRateRow } from '../../../db/schema/invoicing.ts';

/** The firm's tax rates, active ones first, then by name; archived ones only when asked. */
export async function listTaxRates(
  tx: Tx,
  { firmId, includeArchived }: { firmId: string; includeArchived: boolean },
): Promise<TaxRateRow[]> {
  return tx
    .select()
    .from(taxRates)
    .where(and(eq(taxRates.firmId, firmId), includeArchived ? undefined : eq(taxRates.active, true)))
    .orderBy(desc(taxRates.active), asc(taxRates.name), asc(taxRates.id));
}

/**
 * The firm's tax rates with these ids, archived ones included (a draft line may still carry one);
 * unknown and other firms' ids are absent. Invoicing reads the rates to snapshot onto lines with it.
 */
export async function getTaxRatesByIds(
  tx: Tx,
  { firmId, ids }: { firmId: string; ids: readonly string[] },
): Promise<TaxRateRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(taxRates)
    .where(and(eq(taxRates.firmId, firmId), inArray(taxRates.id, [...ids])));
}

/** Inserts a tax rate and returns it. */
export async function insertTaxRate(tx: Tx, row: typeof taxRates.$inferInsert): Promise<TaxRateRow> {
  const [saved] = await tx.insert(taxRates).values(row).returning();
  return saved!;
}

/** Applies `patch` (the name, or archiving) to one of the firm's tax rates; null when it has none with this id. */
export async function updateTaxRateRow(
  tx: Tx,
  { firmId, id }: { firmId: string; id: string },
  patch: { name?: string; active?: false },
): Promise<TaxRateRow | null> {
  const [row] = await tx
    .update(taxRates)
    .set(patch)
    .where(and(eq(taxRates.firmId, firmId), eq(taxRates.id, id)))
    .returning();
  return row ?? null;
}

/** True when the firm has an active tax rate named `name` (case-insensitive) other than `exceptId`. */
export async function activeTaxRateNamed(
  tx: Tx,
  { firmId, name, exceptId }: { firmId: string; name: string; exceptId: string | null },
): Promise<boolean> {
  const rows = await tx
    .select({ id: taxRates.id })
    .from(taxRates)
    .where(
      and(
        eq(taxRates.firmId, firmId),
        eq(taxRates.active, true),
        sql`lower(${taxRates.name}) = lower(${name})`,
        exceptId ? sql`${taxRates.id} <> ${exceptId}::uuid` : undefined,
      ),
    )
    .limit(1);
  return rows.length > 0;
}
