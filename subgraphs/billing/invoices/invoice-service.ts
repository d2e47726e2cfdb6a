import type { InvoiceRow } from '../../../db/schema/billing.ts';
import type { BillingClientReference } from './invoice-model.ts';
import { assertCanOnClient, assertCanOrPortal, withinPortalReach } from '../../../platform/portal.ts';
import { isUuid } from '../../../platform/ids.ts';
import { money } from '../../../platform/money.ts';
import type { Connection, PageArgs } from '../../../platform/relay.ts';
import type { BillingContext } from '../billing-context.ts';

/**
 * What a client owes now: the unpaid remainder of its OPEN invoices in the client's billing
 * currency, as `Money`. Requires `invoice:read`, or a portal session granted the client.
 */
export async function clientBalance(ctx: BillingContext, client: BillingClientReference) {
  assertCanOnClient(ctx.actor, 'invoice:read', client.id);
  // `currency` always arrives: the schema declares `balance @requires(fields: "currency")`.
  const currency = client.currency!;
  const dueByCurrency = isUuid(client.id)
    ? await ctx.loaders.openBalanceByClient.load(client.id)
    : new Map<string, bigint>();
  return money(dueByCurrency.get(currency) ?? 0n, currency);
}

/**
 * A client's invoices, newest first. Requires `invoice:read`, or a portal session granted the client.
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
 * `invoice:read`; a portal session gets only invoices of its granted clients, null for the rest.
 */
export async function findInvoice(ctx: BillingContext, invoiceId: string): Promise<InvoiceRow | null> {
  assertCanOrPortal(ctx.actor, 'invoice:read');
  const invoice = isUuid(invoiceId) ? await ctx.loaders.invoiceById.load(invoiceId) : null;
  return withinPortalReach(ctx.actor, invoice, (row) => row.clientId);
}

/** Total and unpaid remainder of an invoice as `Money`. */
export function invoiceAmounts(invoice: InvoiceRow) {
  return {
    total: money(invoice.totalMinor, invoice.currency),
    amountDue: money(invoice.totalMinor - invoice.amountPaidMinor, invoice.currency),
  };
}
