import { sql } from 'drizzle-orm';
import { bigint, check, date, index, pgSchema, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/** The billing subgraph's PostgreSQL schema. */
export const billing = pgSchema('billing');

/** Invoice lifecycle: DRAFT (unnumbered) → OPEN (issued) → PAID, or VOID after issue. */
export const invoiceStatusEnum = billing.enum('invoice_status', ['DRAFT', 'OPEN', 'PAID', 'VOID']);

/** Amounts are integer minor units of `currency` (README "Using the API"). */
export const invoices = billing.table(
  'invoices',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    number: text('number'),
    status: invoiceStatusEnum('status').notNull().default('DRAFT'),
    currency: text('currency').notNull(),
    totalMinor: bigint('total_minor', { mode: 'bigint' }).notNull(),
    amountPaidMinor: bigint('amount_paid_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    issueDate: date('issue_date', { mode: 'string' }),
    dueDate: date('due_date', { mode: 'string' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('invoices_firm_number_key').on(t.firmId, t.number),
    index('invoices_firm_client_created_idx').on(t.firmId, t.clientId, t.createdAt, t.id),
    // Client balances sum only OPEN invoices: an index-only scan over those, whatever the history.
    index('invoices_firm_client_open_idx')
      .on(t.firmId, t.clientId, t.currency, t.totalMinor, t.amountPaidMinor)
      .where(sql`${t.status} = 'OPEN'`),
    check('invoices_amounts_valid', sql`${t.totalMinor} >= 0 and ${t.amountPaidMinor} between 0 and ${t.totalMinor}`),
    check('invoices_currency_iso4217', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('invoices_issued_numbered', sql`(${t.status} = 'DRAFT') = (${t.number} is null)`),
    tenantIsolationPolicy('invoices'),
  ],
);

/** A stored invoice; `totalMinor` and `amountPaidMinor` are bigint minor units. */
export type InvoiceRow = typeof invoices.$inferSelect;
