import type { InvoiceRow } from '../../../db/schema/billing.ts';
import { assertCan } from '../../shared/authz.ts';
import { isUuid } from '../../shared/ids.ts';
import { money } from '../../shared/money.ts';
import type { Connection, PageArgs } from '../../shared/relay.ts';
import type { BillingContext } from '../billing-context.ts';

/** The billing subgraph's view of a `Client` entity: its key and, via `@requires`, its currency. */
export interface BillingClientReference {
  id: string;
  currency?: string;
}

/**
 * What a client owes now: the unpaid remainder of its OPEN invoices in the client's billing
 * currency, as `Money`. Requires `invoice:read`.
 */
export async function clientBalance(ctx: BillingContext, client: BillingClientReference) {
  assertCan(ctx.actor, 'invoice:read');
  // `currency` always arrives: the schema declares `balance @requires(fields: "currency")`.
  const currency = client.currency!;
  const dueByCurrency = isUuid(client.id) ? await ctx.loaders.openBalanceByClient.load(client.id) : new Map<string, bigint>();
  return money(dueByCurrency.get(currency) ?? 0n, currency);
}

/**
 * A client's invoices, newest first. Requires `invoice:read`.
 * @param countOnly the query selects only `totalCount`, so no rows are read.
 */
export async function clientInvoices(ctx: BillingContext, clientId: string, args: PageArgs, countOnly: boolean): Promise<Connection<InvoiceRow>> {
  assertCan(ctx.actor, 'invoice:read');
  return ctx.loaders.invoicesByClient(args, countOnly).load(clientId);
}

/** An invoice of the active firm, or null (unknown, malformed or other firms' ids alike). Requires `invoice:read`. */
export async function findInvoice(ctx: BillingContext, invoiceId: string): Promise<InvoiceRow | null> {
  assertCan(ctx.actor, 'invoice:read');
  return isUuid(invoiceId) ? ctx.loaders.invoiceById.load(invoiceId) : null;
}

/** Total and unpaid remainder of an invoice as `Money`. */
export function invoiceAmounts(invoice: InvoiceRow) {
  return {
    total: money(invoice.totalMinor, invoice.currency),
    amountDue: money(invoice.totalMinor - invoice.amountPaidMinor, invoice.currency),
  };
}
