import type { InvoiceRow } from '../../../db/schema/billing.ts';
import type { CreditNoteRow } from '../../../db/schema/invoicing.ts';
import { assertCan } from '../../../platform/authz.ts';
import { signedDownloadUrl } from '../../../platform/downloads.ts';
import { isUuid } from '../../../platform/ids.ts';
import { formatMinorUnits, money } from '../../../platform/money.ts';
import { assertCanOnClient, assertCanOrPortal, withinPortalReach } from '../../../platform/portal.ts';
import { parsePageArgs, toConnection, type Connection, type PageArgs } from '../../../platform/relay.ts';
import { can } from '../../../platform/signed-context.ts';
import { CREATED_AT_CURSOR } from '../../../platform/relay.ts';
import type { InvoiceStatus } from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { taxTotals } from './invoice-document.ts';
import type { BillingClientReference, InvoiceLineView } from './invoice-model.ts';
import { countInvoices, listInvoices } from './invoice-store.ts';

/**
 * What a client owes now: its receivable in the journal (the debits less the credits of its
 * ACCOUNTS_RECEIVABLE lines) in the client's billing currency, as `Money`. Requires `invoice:read`,
 * or a portal session granted the client.
 */
export async function clientBalance(ctx: BillingContext, client: BillingClientReference) {
  assertCanOnClient(ctx.actor, 'invoice:read', client.id);
  // `currency` always arrives: the schema declares `balance @requires(fields: "currency")`.
  const currency = client.currency!;
  const byCurrency = isUuid(client.id)
    ? await ctx.loaders.receivableByClient.load(client.id)
    : new Map<string, bigint>();
  return money(byCurrency.get(currency) ?? 0n, currency);
}

/**
 * A client's invoices, newest first. Requires `invoice:read`, or a portal session granted the
 * client, which sees issued invoices only.
 * @param countOnly the query selects only `totalCount`, so no rows are read.
 */
export async function clientInvoices(
  ctx: BillingContext,
  clientId: string,
  args: PageArgs,
  countOnly: boolean,
): Promise<Connection<InvoiceRow>> {
  assertCanOnClient(ctx.actor, 'invoice:read', clientId);
  return ctx.loaders.invoicesByClient(args, countOnly).load(clientId);
}

/**
 * An invoice of the active firm, or null (unknown, malformed or other firms' ids alike). Requires
 * `invoice:read`; a portal session gets only issued invoices of its granted clients, null for the
 * rest (drafts included).
 */
export async function findInvoice(ctx: BillingContext, invoiceId: string): Promise<InvoiceRow | null> {
  assertCanOrPortal(ctx.actor, 'invoice:read');
  const invoice = isUuid(invoiceId) ? await ctx.loaders.invoiceById.load(invoiceId) : null;
  if (ctx.actor.kind === 'PORTAL' && invoice?.status === 'DRAFT') return null;
  return withinPortalReach(ctx.actor, invoice, (row) => row.clientId);
}

/** A credit note of the active firm, or null; as `findInvoice` for portal sessions. */
export async function findCreditNote(ctx: BillingContext, creditNoteId: string): Promise<CreditNoteRow | null> {
  assertCanOrPortal(ctx.actor, 'invoice:read');
  const note = isUuid(creditNoteId) ? await ctx.loaders.creditNoteById.load(creditNoteId) : null;
  return withinPortalReach(ctx.actor, note, (row) => row.clientId);
}

/** The firm's invoices, newest first, optionally of one status. Requires `invoice:read`. */
export async function firmInvoices(
  ctx: BillingContext,
  args: PageArgs & { status?: InvoiceStatus | null },
): Promise<Connection<InvoiceRow>> {
  const { firmId } = assertCan(ctx.actor, 'invoice:read');
  const page = parsePageArgs({ first: args.first, after: args.after }, CREATED_AT_CURSOR);
  const query = { firmId, status: args.status ?? null };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const [rows, total] = await Promise.all([
      listInvoices(tx, { ...query, limit: page.limit, cursor: page.cursor }),
      countInvoices(tx, query),
    ]);
    return toConnection(rows, page, (row) => [row.createdAt.toISOString(), row.id], total);
  });
}

/** An invoice's amounts as `Money`; a DRAFT's amount due is its total (nothing is posted yet). */
export function invoiceAmounts(invoice: InvoiceRow) {
  const of = (minor: bigint) => money(minor, invoice.currency);
  return {
    subtotal: of(invoice.subtotalMinor),
    tax: of(invoice.taxMinor),
    total: of(invoice.totalMinor),
    amountDue: of(invoice.status === 'DRAFT' ? invoice.totalMinor : invoice.amountDueMinor),
    amountPaid: of(invoice.amountPaidMinor),
    amountCredited: of(invoice.amountCreditedMinor),
  };
}

/** The invoice's lines in order, with their taxes. */
export async function invoiceLines(ctx: BillingContext, invoice: InvoiceRow): Promise<InvoiceLineView[]> {
  const lines = await ctx.loaders.linesByInvoice.load(invoice.id);
  return lines.map(({ line, taxes }) => ({ line, taxes, currency: invoice.currency, clientId: invoice.clientId }));
}

/** A basis-point rate as a percent decimal string: 2000 → `"20"`, 8875 → `"8.875"`. */
export function percentOf(rateBasisPoints: number): string {
  return formatMinorUnits(BigInt(rateBasisPoints), 'USD').replace(/\.?0+$/, '') || '0';
}

/** The tax of each rate over the invoice's lines (name order). */
export async function invoiceTaxLines(ctx: BillingContext, invoice: InvoiceRow) {
  const lines = await ctx.loaders.linesByInvoice.load(invoice.id);
  return taxTotals(lines.flatMap((line) => line.taxes)).map((total) => ({
    name: total.name,
    rate: percentOf(total.rateBasisPoints),
    inclusive: total.inclusive,
    amount: money(total.amountMinor, invoice.currency),
  }));
}

/**
 * A short-lived signed link to the PDF of an issued invoice or a credit note (platform/downloads.ts,
 * served through the gateway's `/downloads/billing/…`); null for a DRAFT invoice. The field's shield
 * rule already decided the caller may see the document; the link is the only credential after that.
 */
export function pdfUrlOf(
  ctx: BillingContext,
  document: { kind: 'invoice-pdf' | 'credit-note-pdf'; firmId: string; id: string },
) {
  const key = document.kind === 'invoice-pdf' ? 'invoiceId' : 'creditNoteId';
  return signedDownloadUrl(ctx.config, {
    subgraph: 'billing',
    kind: document.kind,
    firmId: document.firmId,
    params: { [key]: document.id },
  }).url;
}

/** True when the actor may see the time entries a TIME line bills (`time:read_any`). */
export function mayListLineTime(ctx: BillingContext): boolean {
  return can(ctx.actor, 'time:read_any');
}
