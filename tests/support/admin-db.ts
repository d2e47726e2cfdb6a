import type postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { inject } from 'vitest';
import { postgresClient } from '../../db/client.ts';

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
 * Stores an OPEN invoice and a document for a firm's client straight in the database and returns
 * their ids. The invoice is `totalMinor` minor units, unpaid, issued on 2026-01-15 with its
 * INVOICE_ISSUED journal entry (receivable against revenue), as the database requires of an issued
 * invoice (migration 0017: its amount due equals its receivable in the journal).
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
  await asFirm(admin, firmId, async (tx) => {
    const party = JSON.stringify({ name: 'Seeded party', addressLines: [], taxId: null });
    await tx`
      insert into billing.invoices (firm_id, id, client_id, number, status, currency, total_minor, subtotal_minor,
        amount_due_minor, issue_date, due_date, seller, bill_to)
      values (${firmId}, ${invoiceId}, ${clientId}, ${`INV-${invoiceId.slice(-6)}`}, 'OPEN', ${currency}, ${totalMinor},
        ${totalMinor}, ${totalMinor}, '2026-01-15', '2026-02-14', ${party}::jsonb, ${party}::jsonb)
    `;
    const entryId = uuidv7();
    await tx`
      insert into billing.journal_entries (firm_id, id, kind, source_type, source_id, accounting_date, event_date)
      values (${firmId}, ${entryId}, 'INVOICE_ISSUED', 'INVOICE', ${invoiceId}, '2026-01-15', '2026-01-15')
    `;
    await tx`
      insert into billing.journal_lines (firm_id, entry_id, line_no, account_id, accounting_date, debit_minor,
        credit_minor, currency, client_id, invoice_id)
      select ${firmId}, ${entryId}, l.line_no, a.id, '2026-01-15', l.debit, l.credit, ${currency}, ${clientId}, ${invoiceId}
      from (values (1, 'ACCOUNTS_RECEIVABLE', ${totalMinor}::bigint, 0::bigint), (2, 'REVENUE', 0, ${totalMinor}))
        as l(line_no, role, debit, credit)
      join billing.accounts a on a.firm_id = ${firmId} and a.system_account::text = l.role
    `;
    await tx`
      insert into documents.documents (firm_id, id, client_id, filename, content_type, size_bytes)
      values (${firmId}, ${documentId}, ${clientId}, 'engagement letter.pdf', 'application/pdf', 48213)
    `;
  });
  return { invoiceId, documentId };
}
