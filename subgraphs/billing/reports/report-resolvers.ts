import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { findCreditNote, findInvoice } from '../invoices/invoice-service.ts';
import {
  arAging,
  arAgingCsvUrl,
  arAgingRows,
  arAgingTotals,
  invoiceRegister,
  invoiceRegisterCsvUrl,
  invoiceRegisterEntries,
  invoiceRegisterTotals,
  registerEntryAmounts,
} from './report-service.ts';

/** Resolvers of the accounting reports: the AR aging, the invoice register and their CSV links. */
export const reportResolvers: Resolvers = {
  Query: {
    arAging: (_parent, { asOf, first, after }, ctx) => arAging(ctx, asOf, { first, after }),
    invoiceRegister: (_parent, { from, to, first, after }, ctx) => invoiceRegister(ctx, from, to, { first, after }),
    arAgingCsvUrl: (_parent, { asOf }, ctx) => arAgingCsvUrl(ctx, asOf),
    invoiceRegisterCsvUrl: (_parent, { from, to }, ctx) => invoiceRegisterCsvUrl(ctx, from, to),
  },
  ArAging: {
    rows: (report, _args, ctx) => arAgingRows(ctx, report),
    totals: (report, _args, ctx) => arAgingTotals(ctx, report),
  },
  InvoiceRegister: {
    entries: (register, _args, ctx) => invoiceRegisterEntries(ctx, register),
    totals: (register, _args, ctx) => invoiceRegisterTotals(ctx, register),
  },
  InvoiceRegisterEntry: {
    client: (entry) => ({ id: entry.clientId }),
    invoice: async (entry, _args, ctx) => (await findInvoice(ctx, entry.invoiceId))!,
    creditNote: (entry, _args, ctx) => (entry.kind === 'CREDIT_NOTE' ? findCreditNote(ctx, entry.id) : null),
    subtotal: (entry) => registerEntryAmounts(entry).subtotal,
    tax: (entry) => registerEntryAmounts(entry).tax,
    total: (entry) => registerEntryAmounts(entry).total,
    amountDue: (entry) => registerEntryAmounts(entry).amountDue,
  },
};
