import { z } from 'zod';
import { assertCan } from '../../../platform/authz.ts';
import { signedDownloadUrl } from '../../../platform/downloads.ts';
import { badUserInput } from '../../../platform/errors.ts';
import { money } from '../../../platform/money.ts';
import { encodeCursor, parsePageArgs, type PageArgs } from '../../../platform/relay.ts';
import type { BillingContext } from '../billing-context.ts';
import type { DownloadHandlers } from '../downloads/download-routes.ts';
import { agingCsv, registerCsv } from './report-csv.ts';
import type { ArAgingModel, InvoiceRegisterEntryModel, InvoiceRegisterModel } from './report-model.ts';
import {
  agingRows,
  agingTotals,
  clientNames,
  registerEntries,
  registerTotals,
  type AgingFigures,
  type RegisterTotalFigures,
} from './report-store.ts';

const AGING_CURSOR = z.tuple([z.uuid(), z.string().regex(/^[A-Z]{3}$/)]);
const REGISTER_CURSOR = z.tuple([z.iso.date(), z.uuid()]);

/** A `YYYY-MM-DD` that is a real calendar date (download parameters arrive as text). */
const isDate = (value: string | undefined): value is string => z.iso.date().safeParse(value).success;

/** Forward-only pages: the reports have no natural end to count back from. */
function forwardPage<TCursor extends readonly unknown[]>(args: PageArgs, shape: z.ZodType<TCursor>) {
  if (args.last != null || args.before != null)
    throw badUserInput('Report rows page forward only: use `first` and `after`.');
  return parsePageArgs(args, shape);
}

/**
 * `arAging(asOf, first, after)` after the permission check and the page's validation; its rows and
 * totals are read when selected. Requires `ledger:read`.
 * @throws UNAUTHENTICATED / FORBIDDEN as `assertCan`; BAD_USER_INPUT for `last`/`before`, a page
 *   size outside 0–100 or another list's cursor.
 */
export function arAging(ctx: BillingContext, asOf: string, args: PageArgs): ArAgingModel {
  assertCan(ctx.actor, 'ledger:read');
  const page = forwardPage(args, AGING_CURSOR);
  return { asOf, limit: page.limit, after: page.cursor };
}

/** Aging figures as the API's `ArAgingAmounts`: five buckets and the total as `Money`. */
function agingAmounts(figures: AgingFigures) {
  const of = (minor: bigint) => money(minor, figures.currency);
  const [current, d30, d60, d90, over] = figures.buckets;
  return {
    currency: figures.currency,
    current: of(current),
    days1To30: of(d30),
    days31To60: of(d60),
    days61To90: of(d90),
    over90Days: of(over),
    total: of(figures.totalMinor),
  };
}

/** A page of the AR aging's client rows: one aggregate statement however many invoices and clients. */
export async function arAgingRows(ctx: BillingContext, report: ArAgingModel) {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  const rows =
    report.limit === 0
      ? []
      : await ctx.database.withTenant({ firmId }, (tx) =>
          agingRows(tx, { firmId, asOf: report.asOf, after: report.after, limit: report.limit + 1 }),
        );
  const edges = rows.slice(0, report.limit).map((row) => ({
    cursor: encodeCursor([row.clientId, row.currency]),
    node: { client: { id: row.clientId }, amounts: agingAmounts(row) },
  }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > report.limit,
      hasPreviousPage: report.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** The firm's AR aging totals per currency (one aggregate statement). Requires `ledger:read`. */
export async function arAgingTotals(ctx: BillingContext, report: ArAgingModel) {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  const totals = await ctx.database.withTenant({ firmId }, (tx) => agingTotals(tx, { firmId, asOf: report.asOf }));
  return totals.map(agingAmounts);
}

/**
 * `invoiceRegister(from, to, first, after)` after the checks; entries and totals are read when
 * selected. Requires `ledger:read`.
 * @throws BAD_USER_INPUT when `from` is after `to`, and as `arAging` for the page arguments.
 */
export function invoiceRegister(ctx: BillingContext, from: string, to: string, args: PageArgs): InvoiceRegisterModel {
  assertCan(ctx.actor, 'ledger:read');
  if (from > to) throw badUserInput('`from` must be on or before `to`.');
  const page = forwardPage(args, REGISTER_CURSOR);
  return { from, to, limit: page.limit, after: page.cursor };
}

/** A page of the register's documents (one statement). Requires `ledger:read`. */
export async function invoiceRegisterEntries(ctx: BillingContext, register: InvoiceRegisterModel) {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  const rows =
    register.limit === 0
      ? []
      : await ctx.database.withTenant({ firmId }, (tx) =>
          registerEntries(tx, { firmId, ...register, limit: register.limit + 1 }),
        );
  const edges = rows
    .slice(0, register.limit)
    .map((row) => ({ cursor: encodeCursor([row.issueDate, row.id]), node: row }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > register.limit,
      hasPreviousPage: register.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** A register entry's amounts as `Money`; a credit note has no status or amount due. */
export function registerEntryAmounts(entry: InvoiceRegisterEntryModel) {
  const of = (minor: bigint) => money(minor, entry.currency);
  return {
    subtotal: of(entry.subtotalMinor),
    tax: of(entry.taxMinor),
    total: of(entry.totalMinor),
    amountDue: entry.amountDueMinor === null ? null : of(entry.amountDueMinor),
  };
}

/** The register's totals per currency as the API shapes them (one statement). Requires `ledger:read`. */
export async function invoiceRegisterTotals(ctx: BillingContext, register: InvoiceRegisterModel) {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  const totals = await ctx.database.withTenant({ firmId }, (tx) => registerTotals(tx, { firmId, ...register }));
  return totals.map((total: RegisterTotalFigures) => {
    const of = (minor: bigint) => money(minor, total.currency);
    return {
      currency: total.currency,
      invoiceCount: total.invoiceCount,
      creditNoteCount: total.creditNoteCount,
      invoicedSubtotal: of(total.invoicedSubtotalMinor),
      invoicedTax: of(total.invoicedTaxMinor),
      invoicedTotal: of(total.invoicedTotalMinor),
      voidedTotal: of(total.voidedTotalMinor),
      creditedSubtotal: of(total.creditedSubtotalMinor),
      creditedTax: of(total.creditedTaxMinor),
      creditedTotal: of(total.creditedTotalMinor),
      amountDue: of(total.amountDueMinor),
    };
  });
}

/**
 * A short-lived signed link (platform/downloads.ts, 5 minutes) to the AR aging as of `asOf` as CSV,
 * served through the gateway's `/downloads/billing/…`. Requires `ledger:read`: the link is handed
 * out only to a caller allowed the report, and is the only credential after that, as an S3
 * presigned URL is.
 */
export function arAgingCsvUrl(ctx: BillingContext, asOf: string): string {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  return signedDownloadUrl(ctx.config, { subgraph: 'billing', kind: 'ar-aging-csv', firmId, params: { asOf } }).url;
}

/**
 * A short-lived signed link to the invoice register from `from` to `to` as CSV, as `arAgingCsvUrl`.
 * Requires `ledger:read`.
 * @throws BAD_USER_INPUT when `from` is after `to`.
 */
export function invoiceRegisterCsvUrl(ctx: BillingContext, from: string, to: string): string {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  if (from > to) throw badUserInput('`from` must be on or before `to`.');
  return signedDownloadUrl(ctx.config, {
    subgraph: 'billing',
    kind: 'invoice-register-csv',
    firmId,
    params: { from, to },
  }).url;
}

/** RFC 4180's media type, with the header row declared (RFC 4180 §3) and the text's encoding. */
const CSV_TYPE = 'text/csv; charset=utf-8; header=present';

/**
 * The download handlers of the reports' CSVs (`ar-aging-csv` with `{ asOf }`, `invoice-register-csv`
 * with `{ from, to }`; subgraphs/billing/downloads): each reads the whole report in the link's firm
 * (every row, not a page), with the clients' names. Malformed dates are 404, as an unknown file is.
 */
export const reportDownloads: DownloadHandlers = {
  'ar-aging-csv': async ({ database }, payload) => {
    const { asOf } = payload.params;
    if (!isDate(asOf)) return null;
    const { firmId } = payload;
    const body = await database.withTenant({ firmId }, async (tx) => {
      const rows = await agingRows(tx, { firmId, asOf, after: null, limit: null });
      return agingCsv(
        rows,
        await clientNames(
          tx,
          rows.map((row) => row.clientId),
        ),
      );
    });
    return { fileName: `ar-aging-${asOf}.csv`, contentType: CSV_TYPE, body };
  },
  'invoice-register-csv': async ({ database }, payload) => {
    const { from, to } = payload.params;
    if (!isDate(from) || !isDate(to) || from > to) return null;
    const { firmId } = payload;
    const body = await database.withTenant({ firmId }, async (tx) => {
      const entries = await registerEntries(tx, { firmId, from, to, after: null, limit: null });
      return registerCsv(
        entries,
        await clientNames(
          tx,
          entries.map((entry) => entry.clientId),
        ),
      );
    });
    return { fileName: `invoice-register-${from}-to-${to}.csv`, contentType: CSV_TYPE, body };
  },
};
