import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { invoices, type InvoiceRow } from '../../../db/schema/billing.ts';

/** The firm's invoices with these ids; unknown ids are simply absent. */
export async function getInvoicesByIds(
  tx: Tx,
  { firmId, invoiceIds }: { firmId: string; invoiceIds: readonly string[] },
): Promise<InvoiceRow[]> {
  return tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), inArray(invoices.id, [...invoiceIds])));
}

/** Unpaid remainder of OPEN invoices per client and currency, in minor units. */
export async function openBalancesByClient(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
): Promise<{ clientId: string; currency: string; dueMinor: bigint }[]> {
  const rows = await tx
    .select({
      clientId: invoices.clientId,
      currency: invoices.currency,
      dueMinor: sql<string>`sum(${invoices.totalMinor} - ${invoices.amountPaidMinor})::text`,
    })
    .from(invoices)
    .where(and(eq(invoices.firmId, firmId), inArray(invoices.clientId, [...clientIds]), eq(invoices.status, 'OPEN')))
    .groupBy(invoices.clientId, invoices.currency);
  return rows.map((row) => ({ ...row, dueMinor: BigInt(row.dueMinor) }));
}

/** Inserts invoices (used by the seed until invoicing lands) and returns the stored rows. */
export async function insertInvoices(tx: Tx, values: (typeof invoices.$inferInsert)[]): Promise<InvoiceRow[]> {
  return values.length === 0 ? [] : tx.insert(invoices).values(values).returning();
}
