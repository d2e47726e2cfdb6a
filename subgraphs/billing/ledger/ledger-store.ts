import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import type { PaymentTermsValue } from '../../../db/schema/billing.ts';
import { invoiceSettings, type TimeLineGroupingValue } from '../../../db/schema/invoicing.ts';
import {
  accounts,
  journalEntries,
  journalLines,
  periodLocks,
  type AccountRow,
  type AccountTypeValue,
  type JournalEntryRow,
  type JournalLineRow,
  type JournalSourceTypeValue,
} from '../../../db/schema/ledger.ts';
import type { PageRequest } from '../../../platform/relay.ts';

/** The firm's chart of accounts, in code order. */
export async function listAccounts(tx: Tx, { firmId }: { firmId: string }): Promise<AccountRow[]> {
  return tx.select().from(accounts).where(eq(accounts.firmId, firmId)).orderBy(asc(accounts.code));
}

/** The firm's accounts with these ids; unknown and other firms' ids are absent. */
export async function getAccountsByIds(
  tx: Tx,
  { firmId, ids }: { firmId: string; ids: readonly string[] },
): Promise<AccountRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(accounts)
    .where(and(eq(accounts.firmId, firmId), inArray(accounts.id, [...ids])));
}

/**
 * Inserts an account and returns it; null when the firm already has an account with its code
 * (`accounts_firm_code_key`) or a revenue account of its service (`accounts_firm_service_key`).
 */
export async function insertAccount(
  tx: Tx,
  row: { firmId: string; id: string; code: string; name: string; type: AccountTypeValue; serviceId: string | null },
): Promise<{ account: AccountRow | null; conflict: 'code' | 'service' | null }> {
  const [saved] = await tx.insert(accounts).values(row).onConflictDoNothing().returning();
  if (saved) return { account: saved, conflict: null };
  const [byCode] = await tx
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(eq(accounts.firmId, row.firmId), eq(accounts.code, row.code)));
  return { account: null, conflict: byCode ? 'code' : 'service' };
}

/**
 * Locks one of the firm's accounts for deletion and tells whether any journal line uses it; null
 * when the firm has no such account.
 */
export async function lockAccountForDelete(
  tx: Tx,
  { firmId, accountId }: { firmId: string; accountId: string },
): Promise<{ account: AccountRow; inUse: boolean } | null> {
  const [row] = (await tx.execute(sql`
    select a.*, exists (
      select from billing.journal_lines l where l.firm_id = a.firm_id and l.account_id = a.id
    ) as in_use
    from billing.accounts a where a.firm_id = ${firmId}::uuid and a.id = ${accountId}::uuid
    for update of a`)) as unknown as (RawAccount & { in_use: boolean })[];
  return row ? { account: accountOfRaw(row), inUse: row.in_use } : null;
}

/** Deletes one of the firm's accounts (the database refuses system accounts and accounts with lines). */
export async function deleteAccountRow(tx: Tx, { firmId, accountId }: { firmId: string; accountId: string }) {
  await tx.delete(accounts).where(and(eq(accounts.firmId, firmId), eq(accounts.id, accountId)));
}

/** Filters of a journal listing. */
export interface JournalQuery {
  firmId: string;
  /** `YYYY-MM-DD`, inclusive. */
  from?: string | null;
  /** `YYYY-MM-DD`, inclusive. */
  to?: string | null;
  accountId?: string | null;
  sourceType?: JournalSourceTypeValue | null;
}

/** Cursor values of an entry: its accounting date and id (the list's order, latest first). */
export function journalEntrySortKey(row: JournalEntryRow): [string, string] {
  return [row.accountingDate, row.id];
}

/**
 * One page of journal entries, latest accounting date first (then id), fetching `limit + 1` rows;
 * read backwards along `journal_entries_firm_date_idx`. An account filter keeps entries with a
 * line on the account (a primary-key probe of the entry's lines).
 */
export async function listJournalEntries(
  tx: Tx,
  query: JournalQuery & { page: PageRequest<[string, string]> },
): Promise<JournalEntryRow[]> {
  const conditions = [eq(journalEntries.firmId, query.firmId)];
  if (query.from) conditions.push(sql`${journalEntries.accountingDate} >= ${query.from}::date`);
  if (query.to) conditions.push(sql`${journalEntries.accountingDate} <= ${query.to}::date`);
  if (query.sourceType) conditions.push(eq(journalEntries.sourceType, query.sourceType));
  if (query.accountId) {
    conditions.push(sql`exists (select from ${journalLines} l where l.firm_id = ${journalEntries.firmId}
      and l.entry_id = ${journalEntries.id} and l.account_id = ${query.accountId}::uuid)`);
  }
  if (query.page.cursor) {
    const [accountingDate, id] = query.page.cursor;
    conditions.push(
      sql`(${journalEntries.accountingDate}, ${journalEntries.id}) < (${accountingDate}::date, ${id}::uuid)`,
    );
  }
  return tx
    .select()
    .from(journalEntries)
    .where(and(...conditions))
    .orderBy(sql`${journalEntries.accountingDate} desc, ${journalEntries.id} desc`)
    .limit(query.page.limit + 1);
}

/** The firm's journal entries with these ids. */
export async function getJournalEntriesByIds(
  tx: Tx,
  { firmId, ids }: { firmId: string; ids: readonly string[] },
): Promise<JournalEntryRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(journalEntries)
    .where(and(eq(journalEntries.firmId, firmId), inArray(journalEntries.id, [...ids])));
}

/** The lines of these entries of the firm, by entry and line number. */
export async function getJournalLines(
  tx: Tx,
  { firmId, entryIds }: { firmId: string; entryIds: readonly string[] },
): Promise<JournalLineRow[]> {
  if (entryIds.length === 0) return [];
  return tx
    .select()
    .from(journalLines)
    .where(and(eq(journalLines.firmId, firmId), inArray(journalLines.entryId, [...entryIds])))
    .orderBy(asc(journalLines.entryId), asc(journalLines.lineNo));
}

/** One account's summed journal lines in one currency (bigint minor units). */
export interface AccountSums {
  account: AccountRow;
  currency: string;
  debitsMinor: bigint;
  creditsMinor: bigint;
}

/**
 * Every account's debits and credits per currency from the first entry through `asOf`
 * (`YYYY-MM-DD`), in account-code and currency order, from the journal rollups kept by migration
 * 0023's trigger on journal lines: the whole months before `asOf`'s month
 * (`journal_account_months`) and that month's days up to `asOf` (`journal_account_days`), so its
 * cost follows accounts × currencies × months, not journal lines (`trial-balance` bench,
 * docs/benchmarks.md). Accounts without lines are absent. One statement.
 */
export async function sumsByAccount(
  tx: Tx,
  { firmId, asOf }: { firmId: string; asOf: string },
): Promise<AccountSums[]> {
  const rows = (await tx.execute(sql`/* trial_balance */
    select a.firm_id, a.id, a.code, a.name, a.type, a.system_account, a.service_id, a.created_at,
      s.currency, s.debits::text as debits, s.credits::text as credits
    from (
      select b.account_id, b.currency, sum(b.debit_minor) as debits, sum(b.credit_minor) as credits
      from (
        select account_id, currency, debit_minor, credit_minor from billing.journal_account_months
        where firm_id = ${firmId}::uuid and month < date_trunc('month', ${asOf}::date)::date
        union all
        select account_id, currency, debit_minor, credit_minor from billing.journal_account_days
        where firm_id = ${firmId}::uuid and accounting_date >= date_trunc('month', ${asOf}::date)::date
          and accounting_date <= ${asOf}::date
      ) b
      group by b.account_id, b.currency
    ) s
    join billing.accounts a on a.firm_id = ${firmId}::uuid and a.id = s.account_id
    order by a.code, s.currency`)) as unknown as (RawAccount & { currency: string; debits: string; credits: string })[];
  return rows.map((row) => ({
    account: accountOfRaw(row),
    currency: row.currency,
    debitsMinor: BigInt(row.debits),
    creditsMinor: BigInt(row.credits),
  }));
}

/** An account row as `tx.execute` returns it (snake_case). */
interface RawAccount {
  firm_id: string;
  id: string;
  code: string;
  name: string;
  type: AccountTypeValue;
  system_account: AccountRow['systemAccount'];
  service_id: string | null;
  created_at: Date | string;
}

function accountOfRaw(row: RawAccount): AccountRow {
  return {
    firmId: row.firm_id,
    id: row.id,
    code: row.code,
    name: row.name,
    type: row.type,
    systemAccount: row.system_account,
    serviceId: row.service_id,
    createdAt: new Date(row.created_at),
  };
}

/** What `verifyJournal` found: amounts are bigint minor units of `currency`. */
export interface JournalVerification {
  checkedInvoices: number;
  mismatch: { invoiceId: string; currency: string; expectedMinor: bigint; actualMinor: bigint } | null;
  unbalancedEntryId: string | null;
}

/**
 * Checks the journal in one statement: each issued (non-draft) invoice's `amount_due_minor`
 * against its receivable (debits minus credits of ACCOUNTS_RECEIVABLE lines naming the invoice,
 * read from `journal_lines_invoice_idx`), receivable lines naming no issued invoice (expected 0),
 * and every entry's debits against its credits per currency. The first mismatch is by issue date
 * and id; the first unbalanced entry by accounting date and id.
 */
export async function verifyJournal(tx: Tx, { firmId }: { firmId: string }): Promise<JournalVerification> {
  const [row] = (await tx.execute(sql`/* verify_ledger */
    with receivable as (
      select l.invoice_id, l.currency, sum(l.debit_minor - l.credit_minor) as amount
      from billing.journal_lines l
      join billing.accounts a on a.firm_id = l.firm_id and a.id = l.account_id and a.system_account = 'ACCOUNTS_RECEIVABLE'
      where l.firm_id = ${firmId}::uuid and l.invoice_id is not null
      group by l.invoice_id, l.currency
    ), issued as (
      select i.id, i.issue_date, i.currency, i.amount_due_minor
      from billing.invoices i where i.firm_id = ${firmId}::uuid and i.status <> 'DRAFT'
    ), compared as (
      select coalesce(i.id, r.invoice_id) as invoice_id, coalesce(i.currency, r.currency) as currency, i.issue_date,
        coalesce(i.amount_due_minor, 0) as expected, coalesce(r.amount, 0) as actual, i.id is not null as issued
      from issued i full join receivable r on r.invoice_id = i.id and r.currency = i.currency
    ), unbalanced as (
      select l.entry_id, min(l.accounting_date) as accounting_date
      from billing.journal_lines l where l.firm_id = ${firmId}::uuid
      group by l.entry_id, l.currency having sum(l.debit_minor) <> sum(l.credit_minor)
    )
    select (select count(*) from issued)::int as checked,
      m.invoice_id, m.currency, m.expected::text as expected, m.actual::text as actual,
      (select u.entry_id from unbalanced u order by u.accounting_date, u.entry_id limit 1) as unbalanced_entry_id
    from (select 1) as one
    left join lateral (
      select c.* from compared c where c.expected <> c.actual
      order by c.issue_date nulls last, c.invoice_id limit 1
    ) m on true`)) as unknown as {
    checked: number;
    invoice_id: string | null;
    currency: string | null;
    expected: string | null;
    actual: string | null;
    unbalanced_entry_id: string | null;
  }[];
  return {
    checkedInvoices: row!.checked,
    mismatch: row!.invoice_id
      ? {
          invoiceId: row!.invoice_id,
          currency: row!.currency!,
          expectedMinor: BigInt(row!.expected!),
          actualMinor: BigInt(row!.actual!),
        }
      : null,
    unbalancedEntryId: row!.unbalanced_entry_id,
  };
}

/** One row of the general ledger: a journal line with its entry's date and its account. Amounts in minor units. */
export interface GeneralLedgerRow {
  /** `YYYY-MM-DD`: the entry's accounting date. */
  accountingDate: string;
  entryId: string;
  accountCode: string;
  accountName: string;
  debitMinor: bigint;
  creditMinor: bigint;
  currency: string;
  /** The line's memo, else the entry's; null when neither has one. */
  memo: string | null;
}

/**
 * The journal lines with an accounting date from `from` to `to` (inclusive), by date, posting
 * time, entry and line number, with their accounts' codes and names, in one statement.
 */
export async function generalLedgerRows(
  tx: Tx,
  { firmId, from, to }: { firmId: string; from: string; to: string },
): Promise<GeneralLedgerRow[]> {
  const rows = (await tx.execute(sql`/* general_ledger */
    select e.accounting_date::text as "accountingDate", e.id as "entryId", a.code as "accountCode",
      a.name as "accountName", l.debit_minor::text as debit, l.credit_minor::text as credit, l.currency,
      coalesce(l.memo, e.memo) as memo
    from billing.journal_entries e
    join billing.journal_lines l on l.firm_id = e.firm_id and l.entry_id = e.id
    join billing.accounts a on a.firm_id = l.firm_id and a.id = l.account_id
    where e.firm_id = ${firmId}::uuid and e.accounting_date between ${from}::date and ${to}::date
    order by e.accounting_date, e.posted_at, e.id, l.line_no`)) as unknown as (Omit<
    GeneralLedgerRow,
    'debitMinor' | 'creditMinor'
  > & { debit: string; credit: string })[];
  return rows.map(({ debit, credit, ...row }) => ({ ...row, debitMinor: BigInt(debit), creditMinor: BigInt(credit) }));
}

/** A firm's period locks (`YYYY-MM-DD` or null), and today in its time zone. */
export interface PeriodLockState {
  lockDate: string | null;
  hardLockDate: string | null;
  /** Today in the firm's time zone (`firm_time_settings`, UTC by default). */
  today: string;
}

/** The firm's period locks; both null for a firm without a lock row. */
export async function getPeriodLock(
  tx: Tx,
  { firmId }: { firmId: string },
): Promise<{ lockDate: string | null; hardLockDate: string | null }> {
  const [row] = await tx
    .select({ lockDate: periodLocks.lockDate, hardLockDate: periodLocks.hardLockDate })
    .from(periodLocks)
    .where(eq(periodLocks.firmId, firmId));
  return row ?? { lockDate: null, hardLockDate: null };
}

/**
 * Locks the firm's period-lock row for a change (creating it first for a firm that has none) and
 * returns it with today's date in the firm's time zone. The row lock waits for postings in flight,
 * which hold it FOR SHARE (migration 0017's `journal_entry_admit`).
 */
export async function lockPeriodLock(tx: Tx, { firmId }: { firmId: string }): Promise<PeriodLockState> {
  await tx.insert(periodLocks).values({ firmId }).onConflictDoNothing();
  const [row] = (await tx.execute(sql`
    select p.lock_date::text as "lockDate", p.hard_lock_date::text as "hardLockDate",
      (now() at time zone coalesce(ts.time_zone, 'UTC'))::date::text as today
    from billing.period_locks p
    left join billing.firm_time_settings ts on ts.firm_id = p.firm_id
    where p.firm_id = ${firmId}::uuid
    for update of p`)) as unknown as PeriodLockState[];
  return row!;
}

/**
 * Writes the firm's period locks. Moving `lockDate` back needs `allowReopen` (which sets
 * `app.period_reopen` for the rest of the transaction, the one setting migration 0017's
 * `period_locks_forward` admits); the hard lock never moves back, whatever is set.
 */
export async function savePeriodLock(
  tx: Tx,
  {
    firmId,
    lockDate,
    hardLockDate,
    allowReopen,
  }: {
    firmId: string;
    lockDate: string | null;
    hardLockDate: string | null;
    allowReopen: boolean;
  },
): Promise<{ lockDate: string | null; hardLockDate: string | null }> {
  if (allowReopen) await tx.execute(sql`select set_config('app.period_reopen', 'on', true)`);
  const [row] = await tx
    .update(periodLocks)
    .set({ lockDate, hardLockDate, updatedAt: sql`now()` })
    .where(eq(periodLocks.firmId, firmId))
    .returning({ lockDate: periodLocks.lockDate, hardLockDate: periodLocks.hardLockDate });
  return row!;
}

/** A firm's invoicing settings with the defaults filled in, and the seller's name resolved. */
export interface InvoiceSettingsModel {
  /** The stored seller name, else the firm's name (`tenancy.firm_for_billing`). */
  sellerName: string;
  /** True when `sellerName` is the firm's name because none is stored. */
  sellerNameIsFirmName: boolean;
  sellerAddress: string | null;
  sellerTaxId: string | null;
  invoiceNumberFormat: string;
  creditNoteNumberFormat: string;
  paymentTerms: PaymentTermsValue;
  timeLineGrouping: TimeLineGroupingValue;
}

/**
 * The firm's invoicing settings in one statement: its `invoice_settings` row, or the column
 * defaults for a firm without one (`INV-{YYYY}-{SEQ:5}`, `CN-{YYYY}-{SEQ:5}`, NET_30, PER_SERVICE),
 * with the seller's name falling back to the firm's (`tenancy.firm_for_billing`, which reads the
 * transaction's `app.firm_id`: call it inside a `withTenant` of `firmId`). Invoicing reads it when
 * issuing; the number formats are `parseNumberFormat`'s (ledger/number-format.ts).
 */
export async function getInvoiceSettings(tx: Tx, firmId: string): Promise<InvoiceSettingsModel> {
  const [row] = (await tx.execute(sql`
    select coalesce(s.seller_name, f.name, '') as "sellerName", s.seller_name is null as "sellerNameIsFirmName",
      s.seller_address as "sellerAddress", s.seller_tax_id as "sellerTaxId",
      coalesce(s.invoice_number_format, 'INV-{YYYY}-{SEQ:5}') as "invoiceNumberFormat",
      coalesce(s.credit_note_number_format, 'CN-{YYYY}-{SEQ:5}') as "creditNoteNumberFormat",
      coalesce(s.payment_terms, 'NET_30') as "paymentTerms",
      coalesce(s.time_line_grouping, 'PER_SERVICE') as "timeLineGrouping"
    from (select 1) as one
    left join billing.invoice_settings s on s.firm_id = ${firmId}::uuid
    left join tenancy.firm_for_billing() f on true`)) as unknown as InvoiceSettingsModel[];
  return row!;
}

/** The stored columns of a firm's invoicing settings; null clears an optional one. */
export type InvoiceSettingsPatch = Partial<
  Pick<
    typeof invoiceSettings.$inferInsert,
    | 'sellerName'
    | 'sellerAddress'
    | 'sellerTaxId'
    | 'invoiceNumberFormat'
    | 'creditNoteNumberFormat'
    | 'paymentTerms'
    | 'timeLineGrouping'
  >
>;

/** Writes `patch` over the firm's invoicing settings, creating the row (with the defaults) when it has none. */
export async function saveInvoiceSettings(tx: Tx, firmId: string, patch: InvoiceSettingsPatch): Promise<void> {
  await tx
    .insert(invoiceSettings)
    .values({ firmId, ...patch })
    .onConflictDoUpdate({ target: invoiceSettings.firmId, set: { ...patch, updatedAt: sql`now()` } });
}
