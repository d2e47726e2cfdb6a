import { sql } from 'drizzle-orm';
import { uuidArray, type Tx } from '../../../db/client.ts';
import { newId } from '../../../platform/ids.ts';

/** An invoice issued elsewhere (another system, the demo seed), as `importIssuedInvoices` takes it. */
export interface ImportedInvoice {
  id?: string;
  clientId: string;
  /** Null for a DRAFT. */
  number: string | null;
  status: 'DRAFT' | 'OPEN' | 'PAID';
  /** The client's ISO 4217 currency. */
  currency: string;
  /** Minor units, above zero. */
  totalMinor: bigint;
  /** `YYYY-MM-DD`; null for a DRAFT. */
  issueDate: string | null;
  dueDate: string | null;
  createdAt?: Date;
}

/**
 * Brings invoices issued outside FirmGraph into the books as they stood: each gets one SERVICE line
 * for its total ("Professional services") and, unless a DRAFT, the firm and client printed on it, an
 * `INVOICE_ISSUED` journal entry on its issue date (receivable debited, revenue credited) and, when
 * PAID, a `PAYMENT_RECEIVED` entry into cash clearing for the total on the same date, so its amount
 * due equals its receivable in the journal, as for any invoice (migration 0017). Their numbers are
 * taken as given and do not move the firm's counter, and they have no PDF hash. Used by the demo seed
 * and by tests that need history; five statements however many invoices. Run it in a transaction
 * of `firmId`; the clients must be the firm's.
 * @returns the invoices' ids, in order.
 * @throws the database's errors (a number taken, a date in a closed period, an unknown client).
 */
export async function importIssuedInvoices(tx: Tx, firmId: string, invoices: readonly ImportedInvoice[]) {
  if (invoices.length === 0) return [];
  const ids = invoices.map((invoice) => invoice.id ?? newId());
  const column = <T>(pick: (invoice: ImportedInvoice, index: number) => T) => sql.param(invoices.map(pick));
  // Dates travel as text[] and are cast here: postgres.js serializes date[] and timestamptz[] parameters only as scalars.
  const rows = sql`(select v.id, v.client_id, v.number, v.status, v.currency, v.total, v.issue_date::date as issue_date,
      v.due_date::date as due_date, v.created_at::timestamptz as created_at
    from unnest(${uuidArray(ids)}, ${column((i) => i.clientId)}::uuid[], ${column((i) => i.number)}::text[],
      ${column((i) => i.status)}::text[], ${column((i) => i.currency)}::text[],
      ${column((i) => i.totalMinor.toString())}::bigint[], ${column((i) => i.issueDate)}::text[],
      ${column((i) => i.dueDate)}::text[], ${column((i) => (i.createdAt ?? new Date()).toISOString())}::text[])
    as v(id, client_id, number, status, currency, total, issue_date, due_date, created_at)) v`;
  await tx.execute(sql`insert into billing.invoices (firm_id, id, client_id, currency, subtotal_minor, total_minor, created_at)
    select ${firmId}, v.id, v.client_id, v.currency, v.total, v.total, v.created_at from ${rows}`);
  await tx.execute(sql`insert into billing.invoice_lines (firm_id, id, invoice_id, position, kind, description, quantity,
      unit_amount_minor, standard_minor, amount_minor)
    select ${firmId}, billing.uuid_v7(), v.id, 1, 'SERVICE', 'Professional services', 1, v.total, v.total, v.total
    from ${rows}`);
  await tx.execute(sql`update billing.invoices i set status = v.status::billing.invoice_status, number = v.number,
      issue_date = v.issue_date, due_date = v.due_date,
      seller = jsonb_build_object('name', (select f.name from tenancy.firm_for_billing() f), 'addressLines', '[]'::jsonb, 'taxId', null),
      bill_to = jsonb_build_object('name', c.name, 'addressLines', '[]'::jsonb, 'taxId', null),
      amount_paid_minor = case when v.status = 'PAID' then v.total else 0 end,
      amount_due_minor = case when v.status = 'PAID' then 0 else v.total end,
      issued_at = v.created_at
    from ${rows}, crm.clients_for_billing(${uuidArray(invoices.map((i) => i.clientId))}) c
    where i.firm_id = ${firmId} and i.id = v.id and v.status <> 'DRAFT' and c.client_id = v.client_id`);
  for (const kind of ['INVOICE_ISSUED', 'PAYMENT_RECEIVED'] as const) {
    const [debit, credit] =
      kind === 'INVOICE_ISSUED' ? ['ACCOUNTS_RECEIVABLE', 'REVENUE'] : ['CASH_CLEARING', 'ACCOUNTS_RECEIVABLE'];
    await tx.execute(sql`with posted as (
        select v.*, billing.uuid_v7() as entry_id, billing.uuid_v7() as payment_id from ${rows}
        where ${kind === 'INVOICE_ISSUED' ? sql`v.status <> 'DRAFT'` : sql`v.status = 'PAID'`}
      ), entries as (
        insert into billing.journal_entries (firm_id, id, kind, source_type, source_id, accounting_date, event_date, memo)
        select ${firmId}, entry_id, ${kind}, ${kind === 'INVOICE_ISSUED' ? 'INVOICE' : 'PAYMENT'},
          ${kind === 'INVOICE_ISSUED' ? sql`id` : sql`payment_id`}, issue_date, issue_date, ${kind === 'INVOICE_ISSUED' ? 'Invoice ' : 'Payment of invoice '} || number
        from posted
      )
      insert into billing.journal_lines (firm_id, entry_id, line_no, account_id, accounting_date, debit_minor, credit_minor,
        currency, client_id, invoice_id)
      select ${firmId}, p.entry_id, l.line_no, a.id, p.issue_date, l.debit, l.credit, p.currency, p.client_id, p.id
      from posted p
      cross join lateral (values (1, ${debit}, p.total, 0::bigint), (2, ${credit}, 0::bigint, p.total)) as l(line_no, account, debit, credit)
      join billing.accounts a on a.firm_id = ${firmId} and a.system_account::text = l.account`);
  }
  return ids;
}
