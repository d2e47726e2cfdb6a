import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import type { JournalEntryKindValue, JournalSourceTypeValue, SystemAccountValue } from '../../../db/schema/ledger.ts';

/** One line to post: a signed amount (debit positive, credit negative, never zero) to one account. */
export interface PostingLine {
  /** A system account by its role, or any account of the firm by id. */
  account: SystemAccountValue | { accountId: string };
  /** Minor units of `currency`: positive debits, negative credits. */
  amountMinor: bigint;
  currency: string;
  clientId?: string | null;
  invoiceId?: string | null;
  memo?: string | null;
}

/** A journal entry to post (see `insertJournalEntry`). */
export interface Posting {
  firmId: string;
  entryId: string;
  kind: JournalEntryKindValue;
  sourceType: JournalSourceTypeValue;
  sourceId: string;
  /** `YYYY-MM-DD`: the date the entry counts on. */
  accountingDate: string;
  /** `YYYY-MM-DD`, at most `accountingDate`: when the event happened (defaults to it). */
  eventDate?: string;
  memo: string | null;
  postedById: string | null;
  lines: readonly PostingLine[];
}

/**
 * Inserts a journal entry and its lines in one statement. The database holds the rules (migration
 * 0017): the entry must balance per currency at commit (`journal_entries_balanced`), its date must be
 * after the firm's period lock (check_violation `period_locked`), and (source, kind) is unique
 * (`journal_entries_source_kind_key`), so a replay can never post twice.
 * @throws Error when a line's account is not one of the firm's, or a line's amount is zero;
 *   the database's errors above as they are.
 */
export async function insertJournalEntry(tx: Tx, posting: Posting): Promise<void> {
  const lines = posting.lines;
  if (lines.some((line) => line.amountMinor === 0n)) throw new Error('journal lines must not be zero');
  const systemAccounts = lines.map((line) => (typeof line.account === 'string' ? line.account : null));
  const accountIds = lines.map((line) => (typeof line.account === 'string' ? null : line.account.accountId));
  const [{ inserted }] = (await tx.execute<{ inserted: number }>(
    sql`with entry as (
          insert into billing.journal_entries
            (firm_id, id, kind, source_type, source_id, accounting_date, event_date, memo, posted_by_id)
          values (${posting.firmId}, ${posting.entryId}, ${posting.kind}, ${posting.sourceType}, ${posting.sourceId},
            ${posting.accountingDate}, ${posting.eventDate ?? posting.accountingDate}, ${posting.memo}, ${posting.postedById})
          returning id, accounting_date
        ), lines as (
          insert into billing.journal_lines
            (firm_id, entry_id, line_no, account_id, accounting_date, debit_minor, credit_minor, currency, client_id, invoice_id, memo)
          select ${posting.firmId}, entry.id, v.line_no, a.id, entry.accounting_date,
            greatest(v.amount, 0), greatest(-v.amount, 0), v.currency, v.client_id, v.invoice_id, v.memo
          from entry,
            unnest(${sql.param(lines.map((_, index) => index + 1))}::int[], ${sql.param(systemAccounts)}::text[],
                   ${sql.param(accountIds)}::uuid[], ${sql.param(lines.map((line) => line.amountMinor.toString()))}::bigint[],
                   ${sql.param(lines.map((line) => line.currency))}::text[],
                   ${sql.param(lines.map((line) => line.clientId ?? null))}::uuid[],
                   ${sql.param(lines.map((line) => line.invoiceId ?? null))}::uuid[],
                   ${sql.param(lines.map((line) => line.memo ?? null))}::text[])
              as v(line_no, system_account, account_id, amount, currency, client_id, invoice_id, memo)
          join billing.accounts a on a.firm_id = ${posting.firmId}
            and (a.id = v.account_id or a.system_account::text = v.system_account)
          returning 1
        )
        select count(*)::int as inserted from lines`,
  )) as unknown as [{ inserted: number }];
  if (inserted !== lines.length) {
    throw new Error(`journal entry ${posting.entryId}: ${lines.length - inserted} line(s) name no account of the firm`);
  }
}

/** The date through which the firm's books are closed (the later of the period lock and the hard lock), or null. */
export async function lockedThrough(tx: Tx, firmId: string): Promise<string | null> {
  const rows = await tx.execute<{ through: string | null }>(
    sql`select greatest(lock_date, hard_lock_date)::text as through from billing.period_locks where firm_id = ${firmId}`,
  );
  return rows[0]?.through ?? null;
}
