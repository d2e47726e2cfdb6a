import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  foreignKey,
  index,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { billing } from './billing.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

// The double-entry journal (README "Invoicing and the journal"). Amounts are integer minor units of
// the line's ISO 4217 currency. The database holds the accounting rules (migration 0017): every entry
// balances per currency at commit, entries and lines are append-only, one entry per (source, kind),
// and no entry is dated on or before the firm's period lock.

/** The five account types of double-entry bookkeeping; assets and expenses carry debit balances. */
export const accountTypeEnum = billing.enum('account_type', ['ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE']);

/**
 * The system accounts every firm's chart of accounts has from the firm's creation; postings name
 * them by this key. They cannot be deleted.
 */
export const systemAccountEnum = billing.enum('system_account', [
  'ACCOUNTS_RECEIVABLE',
  'CASH_CLEARING',
  'TAX_PAYABLE',
  'CLIENT_CREDIT',
  'UNEARNED_REVENUE',
  'REVENUE',
  'PROCESSOR_FEES',
  'WRITE_OFFS',
  'ROUNDING',
]);

/** What a journal entry records. Payments, refunds, disputes and credits are posted by later modules. */
export const journalEntryKindEnum = billing.enum('journal_entry_kind', [
  'INVOICE_ISSUED',
  'INVOICE_VOIDED',
  'CREDIT_NOTE_ISSUED',
  'PAYMENT_RECEIVED',
  'PAYMENT_REFUNDED',
  'PROCESSOR_FEE',
  'DISPUTE_OPENED',
  'DISPUTE_WON',
  'DISPUTE_LOST',
  'CREDIT_GRANTED',
  'CREDIT_APPLIED',
  'CREDIT_REFUNDED',
  'REVENUE_RECOGNIZED',
  'WRITE_OFF',
]);

/** The kind of record a journal entry comes from. */
export const journalSourceTypeEnum = billing.enum('journal_source_type', [
  'INVOICE',
  'CREDIT_NOTE',
  'PAYMENT',
  'REFUND',
  'DISPUTE',
  'CLIENT_CREDIT',
]);

/** One account of a firm's chart of accounts; `service_id` optionally ties a revenue account to a service. */
export const accounts = billing.table(
  'accounts',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    type: accountTypeEnum('type').notNull(),
    systemAccount: systemAccountEnum('system_account'),
    serviceId: uuid('service_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    uniqueIndex('accounts_firm_code_key').on(t.firmId, t.code),
    uniqueIndex('accounts_firm_system_key')
      .on(t.firmId, t.systemAccount)
      .where(sql`${t.systemAccount} is not null`),
    uniqueIndex('accounts_firm_service_key')
      .on(t.firmId, t.serviceId)
      .where(sql`${t.serviceId} is not null`),
    check('accounts_service_revenue', sql`${t.serviceId} is null or ${t.type} = 'REVENUE'`),
    tenantIsolationPolicy('accounts'),
  ],
);

/**
 * One journal entry. `accounting_date` is the date it counts on; `event_date` is when the event
 * happened, later than or equal to it only when a closed period moved the posting forward
 * (`postingDate`, subgraphs/billing/ledger/period-lock-service.ts). `posted_xact` is the transaction
 * that posted it: lines may be added only in that transaction.
 */
export const journalEntries = billing.table(
  'journal_entries',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    kind: journalEntryKindEnum('kind').notNull(),
    sourceType: journalSourceTypeEnum('source_type').notNull(),
    sourceId: uuid('source_id').notNull(),
    accountingDate: date('accounting_date', { mode: 'string' }).notNull(),
    eventDate: date('event_date', { mode: 'string' }).notNull(),
    memo: text('memo'),
    postedById: uuid('posted_by_id'),
    postedAt: timestamp('posted_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    postedXact: bigint('posted_xact', { mode: 'bigint' })
      .notNull()
      .default(sql`txid_current()`),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    uniqueIndex('journal_entries_source_kind_key').on(t.firmId, t.sourceType, t.sourceId, t.kind),
    index('journal_entries_firm_date_idx').on(t.firmId, t.accountingDate, t.id),
    check('journal_entries_event_date', sql`${t.eventDate} <= ${t.accountingDate}`),
    tenantIsolationPolicy('journal_entries'),
  ],
);

/**
 * One line of a journal entry: a debit or a credit (exactly one positive) to one account, in one
 * currency, with the client and invoice it concerns where there is one, so receivables and client
 * credit are sub-ledgers of the journal. `accounting_date` repeats the entry's (checked at insert).
 */
export const journalLines = billing.table(
  'journal_lines',
  {
    firmId: uuid('firm_id').notNull(),
    entryId: uuid('entry_id').notNull(),
    lineNo: smallint('line_no').notNull(),
    accountId: uuid('account_id').notNull(),
    accountingDate: date('accounting_date', { mode: 'string' }).notNull(),
    debitMinor: bigint('debit_minor', { mode: 'bigint' }).notNull(),
    creditMinor: bigint('credit_minor', { mode: 'bigint' }).notNull(),
    currency: text('currency').notNull(),
    clientId: uuid('client_id'),
    invoiceId: uuid('invoice_id'),
    memo: text('memo'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.entryId, t.lineNo] }),
    foreignKey({ columns: [t.firmId, t.entryId], foreignColumns: [journalEntries.firmId, journalEntries.id] }),
    foreignKey({ columns: [t.firmId, t.accountId], foreignColumns: [accounts.firmId, accounts.id] }),
    // Client balances and the trial balance: index-only sums per account, client and currency.
    index('journal_lines_account_client_idx').on(
      t.firmId,
      t.accountId,
      t.clientId,
      t.currency,
      t.accountingDate,
      t.debitMinor,
      t.creditMinor,
    ),
    // An invoice's receivable, for `verifyLedger` and the amount-due check at commit.
    index('journal_lines_invoice_idx')
      .on(t.firmId, t.invoiceId, t.accountId, t.debitMinor, t.creditMinor)
      .where(sql`${t.invoiceId} is not null`),
    check(
      'journal_lines_one_side',
      sql`(${t.debitMinor} > 0 and ${t.creditMinor} = 0) or (${t.creditMinor} > 0 and ${t.debitMinor} = 0)`,
    ),
    check('journal_lines_currency_iso4217', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    tenantIsolationPolicy('journal_lines'),
  ],
);

/**
 * A firm's period locks: no journal entry may be dated on or before `lock_date` (reopenable by the
 * owner) or `hard_lock_date` (never reopened). A firm without a row has no lock.
 */
export const periodLocks = billing.table(
  'period_locks',
  {
    firmId: uuid('firm_id').notNull().primaryKey(),
    lockDate: date('lock_date', { mode: 'string' }),
    hardLockDate: date('hard_lock_date', { mode: 'string' }),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    check('period_locks_hard_within', sql`${t.hardLockDate} is null or ${t.lockDate} >= ${t.hardLockDate}`),
    tenantIsolationPolicy('period_locks'),
  ],
);

/** A stored account. */
export type AccountRow = typeof accounts.$inferSelect;
/** A stored journal entry. */
export type JournalEntryRow = typeof journalEntries.$inferSelect;
/** A stored journal line; `debitMinor` and `creditMinor` are bigint minor units. */
export type JournalLineRow = typeof journalLines.$inferSelect;
/** `ACCOUNTS_RECEIVABLE`, `CLIENT_CREDIT`, … */
export type SystemAccountValue = (typeof systemAccountEnum.enumValues)[number];
/** `INVOICE_ISSUED`, `INVOICE_VOIDED`, … */
export type JournalEntryKindValue = (typeof journalEntryKindEnum.enumValues)[number];
/** `INVOICE`, `CREDIT_NOTE`, … */
export type JournalSourceTypeValue = (typeof journalSourceTypeEnum.enumValues)[number];
/** `ASSET`, `LIABILITY`, … */
export type AccountTypeValue = (typeof accountTypeEnum.enumValues)[number];
