import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  index,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/** The billing subgraph's PostgreSQL schema. */
export const billing = pgSchema('billing');

/** Invoice lifecycle: DRAFT (unnumbered) → OPEN (issued) → PAID, or VOID after issue. */
export const invoiceStatusEnum = billing.enum('invoice_status', ['DRAFT', 'OPEN', 'PAID', 'VOID']);

/** When an invoice falls due after its issue date. */
export const paymentTermsEnum = billing.enum('payment_terms', [
  'DUE_ON_RECEIPT',
  'NET_7',
  'NET_15',
  'NET_30',
  'NET_60',
]);

/** The seller or the bill-to party as printed on an issued invoice or credit note, snapshotted at issue. */
export interface PartySnapshot {
  name: string;
  addressLines: string[];
  taxId: string | null;
}

/**
 * An invoice. Amounts are integer minor units of `currency` (README "Using the API"): `subtotal`
 * is the sum of line amounts, `tax` the exclusive tax added to it, `total` what is billed.
 * `amount_due_minor` is the journal's receivable of the invoice, kept by the functions that post to
 * the journal and checked against it at every commit (migration 0017); `amount_paid_minor` and
 * `amount_credited_minor` are what payments and credit notes took off it. Once issued, the number,
 * parties, dates, terms and amounts never change (a trigger refuses it to every role).
 */
export const invoices = billing.table(
  'invoices',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    number: text('number'),
    status: invoiceStatusEnum('status').notNull().default('DRAFT'),
    currency: text('currency').notNull(),
    paymentTerms: paymentTermsEnum('payment_terms').notNull().default('NET_30'),
    subtotalMinor: bigint('subtotal_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    taxMinor: bigint('tax_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    totalMinor: bigint('total_minor', { mode: 'bigint' }).notNull(),
    amountPaidMinor: bigint('amount_paid_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    amountCreditedMinor: bigint('amount_credited_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    amountDueMinor: bigint('amount_due_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    issueDate: date('issue_date', { mode: 'string' }),
    dueDate: date('due_date', { mode: 'string' }),
    /** The client-facing note printed on the invoice. */
    memo: text('memo'),
    /** Staff-only; never shown to the portal or printed. */
    internalNote: text('internal_note'),
    seller: jsonb('seller').$type<PartySnapshot>(),
    billTo: jsonb('bill_to').$type<PartySnapshot>(),
    /** SHA-256 (hex) of the PDF rendered at issue from the issued invoice alone (null only for invoices issued before PDFs). */
    pdfSha256: text('pdf_sha256'),
    createdById: uuid('created_by_id'),
    issuedAt: timestamp('issued_at', { withTimezone: true, mode: 'date', precision: 3 }),
    issuedById: uuid('issued_by_id'),
    voidedAt: timestamp('voided_at', { withTimezone: true, mode: 'date', precision: 3 }),
    voidedById: uuid('voided_by_id'),
    voidReason: text('void_reason'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('invoices_firm_number_key').on(t.firmId, t.number),
    index('invoices_firm_client_created_idx').on(t.firmId, t.clientId, t.createdAt, t.id),
    // The invoice register and AR aging: issued invoices by issue date.
    index('invoices_firm_issue_date_idx')
      .on(t.firmId, t.issueDate, t.id)
      .where(sql`${t.status} <> 'DRAFT'`),
    check(
      'invoices_amounts_valid',
      sql`${t.totalMinor} >= 0 and ${t.amountPaidMinor} >= 0 and ${t.amountCreditedMinor} between 0 and ${t.totalMinor}
        and ${t.amountDueMinor} between 0 and ${t.totalMinor} and ${t.taxMinor} >= 0`,
    ),
    check('invoices_currency_iso4217', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('invoices_issued_numbered', sql`(${t.status} = 'DRAFT') = (${t.number} is null)`),
    check(
      'invoices_issued_complete',
      sql`${t.status} = 'DRAFT' or (${t.issueDate} is not null and ${t.dueDate} is not null and ${t.seller} is not null
        and ${t.billTo} is not null)`,
    ),
    check(
      'invoices_void_reason',
      sql`${t.status} <> 'VOID' or (${t.voidReason} is not null and ${t.voidedAt} is not null)`,
    ),
    tenantIsolationPolicy('invoices'),
  ],
);

/** A stored invoice; the `…Minor` amounts are bigint minor units. */
export type InvoiceRow = typeof invoices.$inferSelect;
/** `DRAFT`, `OPEN`, `PAID` or `VOID`. */
export type InvoiceStatusValue = (typeof invoiceStatusEnum.enumValues)[number];
/** `DUE_ON_RECEIPT`, `NET_7`, … */
export type PaymentTermsValue = (typeof paymentTermsEnum.enumValues)[number];
