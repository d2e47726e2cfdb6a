import type postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { inject } from 'vitest';
import { connectDatabase, postgresClient } from '../../db/client.ts';
import { importIssuedInvoices, type ImportedInvoice } from '../../subgraphs/billing/invoices/invoice-import.ts';

/** A privileged connection to the throwaway test database, for checking rows byte for byte. */
export function connectAdmin(): postgres.Sql {
  return postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
}

/**
 * Runs `work` in a transaction with `app.firm_id` set to `firmId`. A superuser bypasses the FORCEd
 * row-level security anyway; setting the tenant too keeps these reads working for a privileged
 * role that does not bypass it (e.g. a DATABASE_URL owner without BYPASSRLS).
 */
export async function asFirm<T>(
  admin: postgres.Sql,
  firmId: string,
  work: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  return (await admin.begin(async (tx) => {
    await tx`select set_config('app.firm_id', ${firmId}, true)`;
    return work(tx);
  })) as T;
}

/** The stored client row as PostgreSQL renders it (`row_to_json(c)::text`), or null when there is none. */
export async function clientRowText(admin: postgres.Sql, firmId: string, clientId: string): Promise<string | null> {
  const rows = await asFirm(
    admin,
    firmId,
    (tx) => tx`select row_to_json(c)::text as row from crm.clients c where c.id = ${clientId}`,
  );
  return (rows[0]?.row as string | undefined) ?? null;
}

/** How many client rows the firm has, in any status. */
export async function countClientRows(admin: postgres.Sql, firmId: string): Promise<number> {
  const rows = await asFirm(
    admin,
    firmId,
    (tx) => tx`select count(*)::int as count from crm.clients where firm_id = ${firmId}`,
  );
  return rows[0]!.count as number;
}

/**
 * Brings invoices issued elsewhere into a firm's books (`importIssuedInvoices`, with their journal
 * entries), over a short-lived admin connection. @returns their ids.
 */
export async function importInvoices(firmId: string, invoices: readonly ImportedInvoice[]): Promise<string[]> {
  const database = connectDatabase(inject('adminUrl'), { max: 1 });
  try {
    return await database.withTenant({ firmId }, (tx) => importIssuedInvoices(tx, firmId, invoices));
  } finally {
    await database.close();
  }
}

/**
 * Stores an OPEN invoice (as issued elsewhere: `importIssuedInvoices`, with its journal entry) and a
 * document (straight in the database; no API uploads one yet) for a firm's client and returns their
 * ids. The document is shared with the portal. The invoice is `totalMinor` minor units, unpaid.
 */
export async function seedInvoiceAndDocument(
  admin: postgres.Sql,
  {
    firmId,
    clientId,
    currency = 'USD',
    totalMinor = 125_000,
  }: { firmId: string; clientId: string; currency?: string; totalMinor?: number },
): Promise<{ invoiceId: string; documentId: string }> {
  const invoiceId = uuidv7();
  const documentId = uuidv7();
  await importInvoices(firmId, [
    {
      id: invoiceId,
      clientId,
      number: `INV-${invoiceId.slice(-6)}`,
      status: 'OPEN',
      currency,
      totalMinor: BigInt(totalMinor),
      issueDate: '2026-01-15',
      dueDate: '2026-02-14',
    },
  ]);
  await asFirm(admin, firmId, async (tx) => {
    await tx`
      insert into documents.documents (firm_id, id, client_id, filename, content_type, size_bytes, shared_with_portal)
      values (${firmId}, ${documentId}, ${clientId}, 'engagement letter.pdf', 'application/pdf', 48213, true)
    `;
  });
  return { invoiceId, documentId };
}
