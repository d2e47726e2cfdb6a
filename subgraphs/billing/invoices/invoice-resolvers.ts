import type { TimeEntryRow } from '../../../db/schema/time.ts';
import { money } from '../../../platform/money.ts';
import { selectsOnlyTotalCount } from '../../../platform/relay.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { issueCreditNote } from './credit-note-service.ts';
import {
  addInvoiceLine,
  createInvoiceDraft,
  deleteInvoiceDraft,
  removeInvoiceLine,
  updateClientBillingProfile,
  updateInvoiceDraft,
  updateInvoiceLine,
} from './invoice-draft-service.ts';
import { issueInvoice, voidInvoice } from './invoice-issue-service.ts';
import {
  clientBalance,
  clientInvoices,
  findCreditNote,
  findInvoice,
  firmInvoices,
  invoiceAmounts,
  invoiceLines,
  invoiceTaxLines,
  mayListLineTime,
  pdfUrlOf,
  percentOf,
} from './invoice-service.ts';
import { assertCan } from '../../../platform/authz.ts';

/** A line tax as `InvoiceLineTax`. */
const lineTaxOf = (
  tax: { name: string; rateBasisPoints: number; inclusive: boolean; taxMinor: bigint },
  currency: string,
) => ({
  name: tax.name,
  rate: percentOf(tax.rateBasisPoints),
  inclusive: tax.inclusive,
  amount: money(tax.taxMinor, currency),
});

/** Resolvers of `Invoice`, `InvoiceLine`, `CreditNote`, the billing fields of `Client`, and the invoicing root fields. */
export const invoiceResolvers: Resolvers = {
  Query: {
    invoice: (_parent, { id }, ctx) => findInvoice(ctx, id),
    invoices: (_parent, args, ctx) => firmInvoices(ctx, args),
    creditNote: (_parent, { id }, ctx) => findCreditNote(ctx, id),
  },
  Mutation: {
    createInvoiceDraft: (_parent, { input }, ctx) => createInvoiceDraft(ctx, input),
    updateInvoiceDraft: (_parent, { input }, ctx) => updateInvoiceDraft(ctx, input),
    addInvoiceLine: (_parent, { input }, ctx) => addInvoiceLine(ctx, input),
    updateInvoiceLine: (_parent, { input }, ctx) => updateInvoiceLine(ctx, input),
    removeInvoiceLine: (_parent, { input }, ctx) => removeInvoiceLine(ctx, input),
    deleteInvoiceDraft: (_parent, { input }, ctx) => deleteInvoiceDraft(ctx, input),
    issueInvoice: (_parent, { input }, ctx) => issueInvoice(ctx, input),
    voidInvoice: (_parent, { input }, ctx) => voidInvoice(ctx, input),
    issueCreditNote: (_parent, { input }, ctx) => issueCreditNote(ctx, input),
    updateClientBillingProfile: (_parent, { input }, ctx) => updateClientBillingProfile(ctx, input),
  },
  Client: {
    __resolveReference: (reference) => reference,
    balance: (client, _args, ctx) => clientBalance(ctx, client),
    invoices: (client, args, ctx, info) => clientInvoices(ctx, client.id, args, selectsOnlyTotalCount(info)),
    billingProfile: (client, _args, ctx) => {
      assertCan(ctx.actor, 'invoice:read');
      return ctx.loaders.billingProfileByClient.load(client.id);
    },
  },
  Invoice: {
    __resolveReference: (reference, ctx) => findInvoice(ctx, reference.id),
    client: (invoice) => ({ id: invoice.clientId }),
    subtotal: (invoice) => invoiceAmounts(invoice).subtotal,
    tax: (invoice) => invoiceAmounts(invoice).tax,
    total: (invoice) => invoiceAmounts(invoice).total,
    amountDue: (invoice) => invoiceAmounts(invoice).amountDue,
    amountPaid: (invoice) => invoiceAmounts(invoice).amountPaid,
    amountCredited: (invoice) => invoiceAmounts(invoice).amountCredited,
    lines: (invoice, _args, ctx) => invoiceLines(ctx, invoice),
    taxLines: (invoice, _args, ctx) => invoiceTaxLines(ctx, invoice),
    creditNotes: (invoice, _args, ctx) => ctx.loaders.creditNotesByInvoice.load(invoice.id),
    pdfUrl: (invoice, _args, ctx) =>
      invoice.status === 'DRAFT'
        ? null
        : pdfUrlOf(ctx, { kind: 'invoice-pdf', firmId: invoice.firmId, id: invoice.id }),
  },
  InvoiceLine: {
    id: ({ line }) => line.id,
    kind: ({ line }) => line.kind,
    description: ({ line }) => line.description,
    quantity: ({ line }) => line.quantity.replace(/\.?0+$/, '') || '0',
    unitAmount: ({ line, currency }) => (line.unitAmountMinor === null ? null : money(line.unitAmountMinor, currency)),
    amount: ({ line, currency }) => money(line.amountMinor, currency),
    taxes: ({ taxes, currency }) => taxes.map((tax) => lineTaxOf(tax, currency)),
    standardAmount: ({ line, currency }) => money(line.standardMinor, currency),
    adjustment: ({ line, currency }) => money(line.amountMinor - line.standardMinor, currency),
    adjustmentReason: ({ line }) => line.adjustmentReason,
    adjustmentNote: ({ line }) => line.adjustmentNote,
    service: ({ line }, _args, ctx) => (line.serviceId ? ctx.loaders.serviceById.load(line.serviceId) : null),
    user: ({ line }) => (line.userId ? { id: line.userId } : null),
    minutes: ({ line }) => line.minutes,
    timeEntries: async ({ line }, _args, ctx) => {
      if (!mayListLineTime(ctx) || line.kind !== 'TIME') return [];
      const ids = await ctx.loaders.timeEntryIdsByLine.load(line.id);
      const entries = await ctx.loaders.timeEntryById.loadMany(ids);
      return entries.filter((entry): entry is TimeEntryRow => entry !== null && !(entry instanceof Error));
    },
  },
  CreditNote: {
    __resolveReference: (reference, ctx) => findCreditNote(ctx, reference.id),
    invoice: (note, _args, ctx) => ctx.loaders.invoiceById.load(note.invoiceId).then((invoice) => invoice!),
    client: (note) => ({ id: note.clientId }),
    lines: (note) =>
      note.lines.map((snapshot) => ({
        snapshot,
        currency: note.currency,
        invoiceId: note.invoiceId,
        clientId: note.clientId,
      })),
    subtotal: (note) => money(note.subtotalMinor, note.currency),
    tax: (note) => money(note.taxMinor, note.currency),
    total: (note) => money(note.totalMinor, note.currency),
    appliedToInvoice: (note) => money(note.appliedMinor, note.currency),
    toClientCredit: (note) => money(note.toCreditMinor, note.currency),
    pdfUrl: (note, _args, ctx) => pdfUrlOf(ctx, { kind: 'credit-note-pdf', firmId: note.firmId, id: note.id }),
  },
  CreditNoteLine: {
    description: ({ snapshot }) => snapshot.description,
    amount: ({ snapshot, currency }) => money(BigInt(snapshot.amountMinor), currency),
    taxes: ({ snapshot, currency }) =>
      snapshot.taxes.map((tax) => lineTaxOf({ ...tax, taxMinor: BigInt(tax.taxMinor) }, currency)),
    invoiceLine: async ({ snapshot, invoiceId, currency, clientId }, _args, ctx) => {
      if (!snapshot.invoiceLineId) return null;
      const lines = await ctx.loaders.linesByInvoice.load(invoiceId);
      const found = lines.find(({ line }) => line.id === snapshot.invoiceLineId);
      return found ? { ...found, currency, clientId } : null;
    },
  },
};
