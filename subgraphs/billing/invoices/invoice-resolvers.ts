import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { selectsOnlyTotalCount } from '../../../platform/relay.ts';
import { clientBalance, clientInvoices, findInvoice, invoiceAmounts } from './invoice-service.ts';

/** Resolvers of `Invoice`, the billing fields of `Client`, and the invoice root fields. */
export const invoiceResolvers: Resolvers = {
  Query: {
    invoice: (_parent, { id }, ctx) => findInvoice(ctx, id),
  },
  Client: {
    __resolveReference: (reference) => reference,
    balance: (client, _args, ctx) => clientBalance(ctx, client),
    invoices: (client, args, ctx, info) => clientInvoices(ctx, client.id, args, selectsOnlyTotalCount(info)),
  },
  Invoice: {
    __resolveReference: (reference, ctx) => findInvoice(ctx, reference.id),
    client: (invoice) => ({ id: invoice.clientId }),
    total: (invoice) => invoiceAmounts(invoice).total,
    amountDue: (invoice) => invoiceAmounts(invoice).amountDue,
  },
};
