import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { billing, invoices, paymentTermsEnum, type PartySnapshot } from './billing.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

// Invoice lines, tax, credit notes and numbering (README "Invoicing and the journal"). Amounts are
// integer minor units of the document's currency; tax rates are basis points (1 % = 100).

/** How approved time becomes invoice lines: one line per entry, per service, or per staff member and service. */
export const timeLineGroupingEnum = billing.enum('time_line_grouping', [
  'PER_ENTRY',
  'PER_SERVICE',
  'PER_STAFF_AND_SERVICE',
]);

/** What an invoice line bills: approved time, or a manual service, expense or discount line. */
export const invoiceLineKindEnum = billing.enum('invoice_line_kind', ['TIME', 'SERVICE', 'EXPENSE', 'DISCOUNT']);

/** Why a line's billed amount differs from its standard value (a write-up or a write-down). */
export const adjustmentReasonEnum = billing.enum('adjustment_reason', [
  'COURTESY',
  'INEFFICIENCY',
  'FEE_CAP',
  'NEGOTIATED',
  'PREMIUM',
  'CORRECTION',
  'OTHER',
]);

/** The gapless counters: one per firm and document kind (and year, when the format has `{YYYY}`). */
export const numberedDocumentEnum = billing.enum('numbered_document', ['INVOICE', 'CREDIT_NOTE']);

/**
 * A firm's invoicing settings: the seller printed on its invoices, the number formats, the default
 * payment terms and how time becomes lines. A firm without a row has the defaults and its own name.
 */
export const invoiceSettings = billing.table(
  'invoice_settings',
  {
    firmId: uuid('firm_id').notNull().primaryKey(),
    sellerName: text('seller_name'),
    sellerAddress: text('seller_address'),
    sellerTaxId: text('seller_tax_id'),
    invoiceNumberFormat: text('invoice_number_format').notNull().default('INV-{YYYY}-{SEQ:5}'),
    creditNoteNumberFormat: text('credit_note_number_format').notNull().default('CN-{YYYY}-{SEQ:5}'),
    paymentTerms: paymentTermsEnum('payment_terms').notNull().default('NET_30'),
    timeLineGrouping: timeLineGroupingEnum('time_line_grouping').notNull().default('PER_SERVICE'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  () => [tenantIsolationPolicy('invoice_settings')],
);

/** A client's billing details, printed on its invoices: the address and, when set, its own payment terms. */
export const clientBillingProfiles = billing.table(
  'client_billing_profiles',
  {
    firmId: uuid('firm_id').notNull(),
    clientId: uuid('client_id').notNull(),
    billingAddress: text('billing_address'),
    taxId: text('tax_id'),
    paymentTerms: paymentTermsEnum('payment_terms'),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.clientId] }), tenantIsolationPolicy('client_billing_profiles')],
);

/** A gapless counter: the last number given (`last_value`), locked by the transaction that takes the next. */
export const documentCounters = billing.table(
  'document_counters',
  {
    firmId: uuid('firm_id').notNull(),
    document: numberedDocumentEnum('document').notNull(),
    /** The year for formats with `{YYYY}`, 0 for formats without. */
    year: smallint('year').notNull(),
    lastValue: integer('last_value').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.document, t.year] }),
    check('document_counters_positive', sql`${t.lastValue} > 0`),
    tenantIsolationPolicy('document_counters'),
  ],
);

/** A tax rate of the firm, in basis points (0–10,000), added to a line (exclusive) or contained in it (inclusive). */
export const taxRates = billing.table(
  'tax_rates',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    rateBasisPoints: integer('rate_basis_points').notNull(),
    inclusive: boolean('inclusive').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    check('tax_rates_range', sql`${t.rateBasisPoints} between 0 and 10000`),
    tenantIsolationPolicy('tax_rates'),
  ],
);

/**
 * One line of an invoice. `standard_minor` is the line's value at standard rates (a TIME line: the
 * sum of its entries' snapshotted values; a manual line: quantity × unit amount, half-up);
 * `amount_minor` is what is billed (negative only for DISCOUNT), and a difference between them — a
 * write-up or a write-down — carries an `adjustment_reason`. `tax_minor` is the line's tax, inclusive
 * and exclusive, rounded per line (`lineTax`, subgraphs/billing/invoices/invoice-math.ts).
 */
export const invoiceLines = billing.table(
  'invoice_lines',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    position: integer('position').notNull(),
    kind: invoiceLineKindEnum('kind').notNull(),
    description: text('description').notNull(),
    serviceId: uuid('service_id'),
    userId: uuid('user_id'),
    engagementId: uuid('engagement_id'),
    minutes: integer('minutes'),
    quantity: numeric('quantity', { precision: 14, scale: 4 }).notNull(),
    unitAmountMinor: bigint('unit_amount_minor', { mode: 'bigint' }),
    standardMinor: bigint('standard_minor', { mode: 'bigint' }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    adjustmentReason: adjustmentReasonEnum('adjustment_reason'),
    adjustmentNote: text('adjustment_note'),
    taxMinor: bigint('tax_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    /** The exclusive part of `tax_minor`, added to the invoice's total. */
    exclusiveTaxMinor: bigint('exclusive_tax_minor', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({ columns: [t.firmId, t.invoiceId], foreignColumns: [invoices.firmId, invoices.id] }).onDelete(
      'cascade',
    ),
    uniqueIndex('invoice_lines_position_key').on(t.firmId, t.invoiceId, t.position),
    check('invoice_lines_minutes', sql`(${t.kind} = 'TIME') = (${t.minutes} is not null)`),
    check(
      'invoice_lines_sign',
      sql`case when ${t.kind} = 'DISCOUNT' then ${t.amountMinor} <= 0 and ${t.standardMinor} <= 0
        else ${t.amountMinor} >= 0 and ${t.standardMinor} >= 0 end`,
    ),
    check(
      'invoice_lines_adjustment',
      sql`(${t.amountMinor} = ${t.standardMinor}) or ${t.adjustmentReason} is not null`,
    ),
    check(
      'invoice_lines_tax',
      sql`${t.exclusiveTaxMinor} between 0 and ${t.taxMinor} or (${t.kind} = 'DISCOUNT' and ${t.exclusiveTaxMinor} between ${t.taxMinor} and 0)`,
    ),
    tenantIsolationPolicy('invoice_lines'),
  ],
);

/** A tax applied to an invoice line, with the rate's name, basis points and kind snapshotted. */
export const invoiceLineTaxes = billing.table(
  'invoice_line_taxes',
  {
    firmId: uuid('firm_id').notNull(),
    lineId: uuid('line_id').notNull(),
    taxRateId: uuid('tax_rate_id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    name: text('name').notNull(),
    rateBasisPoints: integer('rate_basis_points').notNull(),
    inclusive: boolean('inclusive').notNull(),
    taxMinor: bigint('tax_minor', { mode: 'bigint' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.lineId, t.taxRateId] }),
    foreignKey({ columns: [t.firmId, t.lineId], foreignColumns: [invoiceLines.firmId, invoiceLines.id] }).onDelete(
      'cascade',
    ),
    foreignKey({ columns: [t.firmId, t.taxRateId], foreignColumns: [taxRates.firmId, taxRates.id] }),
    index('invoice_line_taxes_invoice_idx').on(t.firmId, t.invoiceId),
    tenantIsolationPolicy('invoice_line_taxes'),
  ],
);

/**
 * The time entries an invoice line bills. While `released_at` is null the entry is held by that
 * invoice (a live draft or an issued invoice): the partial unique index lets an entry sit on at most
 * one. Voiding an invoice releases its entries.
 */
export const invoiceTimeEntries = billing.table(
  'invoice_time_entries',
  {
    firmId: uuid('firm_id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    lineId: uuid('line_id').notNull(),
    timeEntryId: uuid('time_entry_id').notNull(),
    releasedAt: timestamp('released_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.lineId, t.timeEntryId] }),
    foreignKey({ columns: [t.firmId, t.lineId], foreignColumns: [invoiceLines.firmId, invoiceLines.id] }).onDelete(
      'cascade',
    ),
    uniqueIndex('invoice_time_entries_live_key')
      .on(t.firmId, t.timeEntryId)
      .where(sql`${t.releasedAt} is null`),
    index('invoice_time_entries_invoice_idx').on(t.firmId, t.invoiceId),
    tenantIsolationPolicy('invoice_time_entries'),
  ],
);

/** One line of a credit note: an amount (before exclusive tax) credited against one invoice line, or the whole invoice. */
export interface CreditNoteLineSnapshot {
  invoiceLineId: string | null;
  description: string;
  amountMinor: string;
  taxes: { name: string; rateBasisPoints: number; inclusive: boolean; taxMinor: string }[];
}

/**
 * A credit note: issued against one invoice, numbered gaplessly, immutable like an invoice.
 * `applied_minor` is what it took off the invoice's amount due; the rest (`to_credit_minor`) went to
 * the client's credit.
 */
export const creditNotes = billing.table(
  'credit_notes',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    invoiceId: uuid('invoice_id').notNull(),
    clientId: uuid('client_id').notNull(),
    number: text('number').notNull(),
    currency: text('currency').notNull(),
    issueDate: date('issue_date', { mode: 'string' }).notNull(),
    reason: text('reason').notNull(),
    lines: jsonb('lines').$type<CreditNoteLineSnapshot[]>().notNull(),
    subtotalMinor: bigint('subtotal_minor', { mode: 'bigint' }).notNull(),
    taxMinor: bigint('tax_minor', { mode: 'bigint' }).notNull(),
    totalMinor: bigint('total_minor', { mode: 'bigint' }).notNull(),
    appliedMinor: bigint('applied_minor', { mode: 'bigint' }).notNull(),
    toCreditMinor: bigint('to_credit_minor', { mode: 'bigint' }).notNull(),
    seller: jsonb('seller').$type<PartySnapshot>().notNull(),
    billTo: jsonb('bill_to').$type<PartySnapshot>().notNull(),
    pdfSha256: text('pdf_sha256').notNull(),
    issuedById: uuid('issued_by_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({ columns: [t.firmId, t.invoiceId], foreignColumns: [invoices.firmId, invoices.id] }),
    uniqueIndex('credit_notes_firm_number_key').on(t.firmId, t.number),
    index('credit_notes_invoice_idx').on(t.firmId, t.invoiceId),
    index('credit_notes_firm_issue_date_idx').on(t.firmId, t.issueDate, t.id),
    check(
      'credit_notes_amounts',
      sql`${t.totalMinor} > 0 and ${t.taxMinor} >= 0 and ${t.appliedMinor} >= 0 and ${t.toCreditMinor} >= 0 and ${t.appliedMinor} + ${t.toCreditMinor} = ${t.totalMinor}`,
    ),
    tenantIsolationPolicy('credit_notes'),
  ],
);

/**
 * An idempotency key of a money-moving mutation: the first request's fingerprint and result, so a
 * replay returns the first result and the same key with other input is refused (Stripe's
 * idempotent requests, https://docs.stripe.com/api/idempotent_requests).
 */
export const idempotencyKeys = billing.table(
  'idempotency_keys',
  {
    firmId: uuid('firm_id').notNull(),
    operation: text('operation').notNull(),
    key: text('key').notNull(),
    /** SHA-256 (hex) of the request's canonical input. */
    fingerprint: text('fingerprint').notNull(),
    resultId: uuid('result_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.operation, t.key] }), tenantIsolationPolicy('idempotency_keys')],
);

/** A stored invoice line; the `…Minor` amounts are bigint minor units, `quantity` a decimal string. */
export type InvoiceLineRow = typeof invoiceLines.$inferSelect;
/** A stored line tax. */
export type InvoiceLineTaxRow = typeof invoiceLineTaxes.$inferSelect;
/** A stored tax rate. */
export type TaxRateRow = typeof taxRates.$inferSelect;
/** A stored credit note. */
export type CreditNoteRow = typeof creditNotes.$inferSelect;
/** A firm's stored invoicing settings. */
export type InvoiceSettingsRow = typeof invoiceSettings.$inferSelect;
/** `PER_ENTRY`, `PER_SERVICE` or `PER_STAFF_AND_SERVICE`. */
export type TimeLineGroupingValue = (typeof timeLineGroupingEnum.enumValues)[number];
/** `TIME`, `SERVICE`, `EXPENSE` or `DISCOUNT`. */
export type InvoiceLineKindValue = (typeof invoiceLineKindEnum.enumValues)[number];
