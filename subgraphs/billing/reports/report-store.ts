import { sql, type SQL } from 'drizzle-orm';
import { uuidArray, type Tx } from '../../../db/client.ts';

// The accounting reports read the journal's rollups (migration 0023), never the invoices' own
// amount columns: the AR aging from `billing.receivable_items` (plus the journal lines of the few
// items that moved after the report's date), account balances from `journal_account_months` and
// `journal_account_days`. The register lists the issued documents themselves.

/** The nil UUID: `receivable_items`' key for a receivable line without a client or an invoice. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** An open receivable by age, in bigint minor units of `currency`. */
export interface AgingFigures {
  currency: string;
  /** Not yet due (due on or after the report's date, or no invoice), then 1–30, 31–60, 61–90 and over 90 days past due. */
  buckets: [bigint, bigint, bigint, bigint, bigint];
  totalMinor: bigint;
}

/** One client's aging in one currency. */
export interface ClientAgingFigures extends AgingFigures {
  /** The client's id; the nil UUID for receivable lines without a client. */
  clientId: string;
}

type AgingRow = Record<'current' | 'd30' | 'd60' | 'd90' | 'over' | 'total', string> & {
  currency: string;
  clientId?: string;
};

function agingFigures(row: AgingRow): AgingFigures {
  return {
    currency: row.currency,
    buckets: [BigInt(row.current), BigInt(row.d30), BigInt(row.d60), BigInt(row.d90), BigInt(row.over)],
    totalMinor: BigInt(row.total),
  };
}

/**
 * The firm's open receivable items as of `asOf`, each with its balance then and its days past due
 * (from the due date the item keeps, its invoice's):
 * items with a non-zero balance and no line after `asOf` (the partial index
 * `receivable_items_open_idx`), plus items with lines after `asOf` and before it, whose balance as
 * of `asOf` is summed from their journal lines. Settled items (zero balance, nothing after `asOf`)
 * owe nothing and are never read.
 */
function agedItems(firmId: string, asOf: string): SQL {
  const lineSum = (match: SQL) => sql`(select coalesce(sum(l.debit_minor - l.credit_minor), 0)
      from billing.journal_lines l
      where l.firm_id = r.firm_id and l.account_id = ar.id and l.currency = r.currency
        and l.accounting_date <= ${asOf}::date and ${match})`;
  return sql`ar as (
      select a.id from billing.accounts a where a.firm_id = ${firmId} and a.system_account = 'ACCOUNTS_RECEIVABLE'
    ), items as (
      select r.client_id, r.currency, r.due_date, r.balance_minor as balance
      from billing.receivable_items r
      where r.firm_id = ${firmId} and r.balance_minor <> 0 and r.last_date <= ${asOf}::date
      union all
      select r.client_id, r.currency, r.due_date,
        ${lineSum(sql`l.invoice_id = r.invoice_id and coalesce(l.client_id, ${NIL_UUID}::uuid) = r.client_id`)}
      from billing.receivable_items r, ar
      where r.firm_id = ${firmId} and r.last_date > ${asOf}::date and r.first_date <= ${asOf}::date
        and r.invoice_id <> ${NIL_UUID}::uuid
      union all
      select r.client_id, r.currency, r.due_date,
        ${lineSum(sql`l.invoice_id is null and coalesce(l.client_id, ${NIL_UUID}::uuid) = r.client_id`)}
      from billing.receivable_items r, ar
      where r.firm_id = ${firmId} and r.last_date > ${asOf}::date and r.first_date <= ${asOf}::date
        and r.invoice_id = ${NIL_UUID}::uuid
    ), aged as (
      select i.client_id, i.currency, i.balance,
        case when i.due_date is null or i.due_date >= ${asOf}::date then 0 else ${asOf}::date - i.due_date end as days
      from items i
      where i.balance <> 0
    )`;
}

/** The bucket sums over `aged`, as text (bigint minor units). */
const BUCKET_COLUMNS = sql`
  coalesce(sum(balance) filter (where days = 0), 0)::text as current,
  coalesce(sum(balance) filter (where days between 1 and 30), 0)::text as d30,
  coalesce(sum(balance) filter (where days between 31 and 60), 0)::text as d60,
  coalesce(sum(balance) filter (where days between 61 and 90), 0)::text as d90,
  coalesce(sum(balance) filter (where days > 90), 0)::text as over,
  sum(balance)::text as total`;

/**
 * The AR aging's rows as of `asOf` (`YYYY-MM-DD`): one per client and currency with an open
 * receivable item, ordered by client id and currency, after the cursor `after` ([clientId,
 * currency]), at most `limit` (null: all, for the CSV). One statement.
 */
export async function agingRows(
  tx: Tx,
  {
    firmId,
    asOf,
    after,
    limit,
  }: { firmId: string; asOf: string; after: readonly [string, string] | null; limit: number | null },
): Promise<ClientAgingFigures[]> {
  const rows = await tx.execute<AgingRow & { clientId: string }>(sql`/* report: ar aging rows */
    with ${agedItems(firmId, asOf)}
    select client_id as "clientId", currency, ${BUCKET_COLUMNS}
    from aged
    ${after ? sql`where (client_id, currency) > (${after[0]}::uuid, ${after[1]}::text)` : sql``}
    group by client_id, currency
    order by client_id, currency
    ${limit === null ? sql`` : sql`limit ${limit}`}`);
  return rows.map((row) => ({ clientId: row.clientId, ...agingFigures(row) }));
}

/** The firm's AR aging totals as of `asOf`, per currency with an open item, in currency order. One statement. */
export async function agingTotals(tx: Tx, { firmId, asOf }: { firmId: string; asOf: string }): Promise<AgingFigures[]> {
  const rows = await tx.execute<AgingRow>(sql`/* report: ar aging totals */
    with ${agedItems(firmId, asOf)}
    select currency, ${BUCKET_COLUMNS} from aged group by currency order by currency`);
  return rows.map(agingFigures);
}

/** One document of the invoice register; amounts in bigint minor units of `currency`. */
export interface RegisterEntryFigures {
  kind: 'INVOICE' | 'CREDIT_NOTE';
  /** The invoice's or the credit note's id. */
  id: string;
  number: string;
  issueDate: string;
  clientId: string;
  /** The invoice, or the invoice a credit note credits. */
  invoiceId: string;
  /** The credited invoice's number, for credit notes; the invoice's own for invoices. */
  invoiceNumber: string;
  /** `OPEN`, `PAID` or `VOID` for invoices; null for credit notes. */
  status: 'OPEN' | 'PAID' | 'VOID' | null;
  currency: string;
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
  /** Null for credit notes. */
  amountDueMinor: bigint | null;
}

/** Issued invoices and credit notes of the firm issued from `from` to `to`, as one relation `e`. */
function registerDocuments(firmId: string, from: string, to: string): SQL {
  return sql`(
    select 'INVOICE' as kind, i.id, i.number, i.issue_date, i.client_id, i.id as invoice_id, i.number as invoice_number,
      i.status::text as status, i.currency, i.subtotal_minor, i.tax_minor, i.total_minor, i.amount_due_minor
    from billing.invoices i
    where i.firm_id = ${firmId} and i.status <> 'DRAFT' and i.issue_date between ${from}::date and ${to}::date
    union all
    select 'CREDIT_NOTE', c.id, c.number, c.issue_date, c.client_id, c.invoice_id, i.number, null, c.currency,
      c.subtotal_minor, c.tax_minor, c.total_minor, null
    from billing.credit_notes c
    join billing.invoices i on i.firm_id = c.firm_id and i.id = c.invoice_id
    where c.firm_id = ${firmId} and c.issue_date between ${from}::date and ${to}::date
  ) e`;
}

/**
 * The invoice register's documents issued from `from` to `to` (`YYYY-MM-DD`, both included), by
 * issue date and id, after the cursor `after` ([issueDate, id]), at most `limit` (null: all, for the
 * CSV). Drafts are never in it. One statement.
 */
export async function registerEntries(
  tx: Tx,
  {
    firmId,
    from,
    to,
    after,
    limit,
  }: { firmId: string; from: string; to: string; after: readonly [string, string] | null; limit: number | null },
): Promise<RegisterEntryFigures[]> {
  const rows = await tx.execute<{
    kind: 'INVOICE' | 'CREDIT_NOTE';
    id: string;
    number: string;
    issueDate: string;
    clientId: string;
    invoiceId: string;
    invoiceNumber: string;
    status: 'OPEN' | 'PAID' | 'VOID' | null;
    currency: string;
    subtotal: string;
    tax: string;
    total: string;
    due: string | null;
  }>(sql`/* report: invoice register entries */
    select e.kind, e.id, e.number, e.issue_date::text as "issueDate", e.client_id as "clientId", e.invoice_id as "invoiceId",
      e.invoice_number as "invoiceNumber", e.status, e.currency, e.subtotal_minor::text as subtotal,
      e.tax_minor::text as tax, e.total_minor::text as total, e.amount_due_minor::text as due
    from ${registerDocuments(firmId, from, to)}
    ${after ? sql`where (e.issue_date, e.id) > (${after[0]}::date, ${after[1]}::uuid)` : sql``}
    order by e.issue_date, e.id
    ${limit === null ? sql`` : sql`limit ${limit}`}`);
  return rows.map((row) => ({
    kind: row.kind,
    id: row.id,
    number: row.number,
    issueDate: row.issueDate,
    clientId: row.clientId,
    invoiceId: row.invoiceId,
    invoiceNumber: row.invoiceNumber,
    status: row.status,
    currency: row.currency,
    subtotalMinor: BigInt(row.subtotal),
    taxMinor: BigInt(row.tax),
    totalMinor: BigInt(row.total),
    amountDueMinor: row.due === null ? null : BigInt(row.due),
  }));
}

/** The invoice register's totals in one currency; amounts in bigint minor units. */
export interface RegisterTotalFigures {
  currency: string;
  invoiceCount: number;
  creditNoteCount: number;
  invoicedSubtotalMinor: bigint;
  invoicedTaxMinor: bigint;
  invoicedTotalMinor: bigint;
  voidedTotalMinor: bigint;
  creditedSubtotalMinor: bigint;
  creditedTaxMinor: bigint;
  creditedTotalMinor: bigint;
  amountDueMinor: bigint;
}

/** The invoice register's totals per currency over every document from `from` to `to`, in currency order. One statement. */
export async function registerTotals(
  tx: Tx,
  { firmId, from, to }: { firmId: string; from: string; to: string },
): Promise<RegisterTotalFigures[]> {
  const sum = (column: string, kind: 'INVOICE' | 'CREDIT_NOTE', extra: SQL = sql``) =>
    sql`coalesce(sum(${sql.raw(column)}) filter (where e.kind = ${kind} ${extra}), 0)::text`;
  const rows = await tx.execute<Record<string, string>>(sql`/* report: invoice register totals */
    select e.currency,
      count(*) filter (where e.kind = 'INVOICE')::text as "invoiceCount",
      count(*) filter (where e.kind = 'CREDIT_NOTE')::text as "creditNoteCount",
      ${sum('e.subtotal_minor', 'INVOICE')} as "invoicedSubtotal",
      ${sum('e.tax_minor', 'INVOICE')} as "invoicedTax",
      ${sum('e.total_minor', 'INVOICE')} as "invoicedTotal",
      ${sum('e.total_minor', 'INVOICE', sql`and e.status = 'VOID'`)} as "voidedTotal",
      ${sum('e.subtotal_minor', 'CREDIT_NOTE')} as "creditedSubtotal",
      ${sum('e.tax_minor', 'CREDIT_NOTE')} as "creditedTax",
      ${sum('e.total_minor', 'CREDIT_NOTE')} as "creditedTotal",
      ${sum('e.amount_due_minor', 'INVOICE')} as "amountDue"
    from ${registerDocuments(firmId, from, to)}
    group by e.currency order by e.currency`);
  return rows.map((row) => ({
    currency: row.currency!,
    invoiceCount: Number(row.invoiceCount),
    creditNoteCount: Number(row.creditNoteCount),
    invoicedSubtotalMinor: BigInt(row.invoicedSubtotal!),
    invoicedTaxMinor: BigInt(row.invoicedTax!),
    invoicedTotalMinor: BigInt(row.invoicedTotal!),
    voidedTotalMinor: BigInt(row.voidedTotal!),
    creditedSubtotalMinor: BigInt(row.creditedSubtotal!),
    creditedTaxMinor: BigInt(row.creditedTax!),
    creditedTotalMinor: BigInt(row.creditedTotal!),
    amountDueMinor: BigInt(row.amountDue!),
  }));
}

/** The names of the firm's clients among `clientIds`, any number (`crm.clients_for_billing`, 1,000 ids a call). */
export async function clientNames(tx: Tx, clientIds: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const unique = [...new Set(clientIds)].filter((id) => id !== NIL_UUID);
  for (let at = 0; at < unique.length; at += 1000) {
    const rows = await tx.execute<{ clientId: string; name: string }>(
      sql`select client_id as "clientId", name from crm.clients_for_billing(${uuidArray(unique.slice(at, at + 1000))})`,
    );
    for (const row of rows) names.set(row.clientId, row.name);
  }
  return names;
}
