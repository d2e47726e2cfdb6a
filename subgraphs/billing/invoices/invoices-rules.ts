import { allow, or } from 'graphql-shield';
import type { InvoiceRow } from '../../../db/schema/billing.ts';
import type { CreditNoteRow } from '../../../db/schema/invoicing.ts';
import { allowedTo } from '../../../platform/authz.ts';
import { isPortalUser, portalCanSee } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { BillingClientReference, CreditNoteLineView, InvoiceLineView } from './invoice-model.ts';

// Portal-visible fields, named one by one: staff with `invoice:read`, or a portal session granted
// the client. Any field not named here stays staff-only (FORBIDDEN to a portal session): internal
// notes, standard values, write-ups and write-downs and their reasons, services, staff and time.
const clientForPortal = or(
  allowedTo('invoice:read'),
  portalCanSee<BillingClientReference>('BillingClient', (client) => client.id),
);
const invoiceForPortal = or(
  allowedTo('invoice:read'),
  portalCanSee<InvoiceRow>('Invoice', (invoice) => invoice.clientId),
);
const creditNoteForPortal = or(
  allowedTo('invoice:read'),
  portalCanSee<CreditNoteRow>('CreditNote', (note) => note.clientId),
);
// Lines carry their document's client, so a line is checked as its invoice or credit note is.
const lineForPortal = or(
  allowedTo('invoice:read'),
  portalCanSee<InvoiceLineView>('InvoiceLine', (line) => line.clientId),
);
const creditLineForPortal = or(
  allowedTo('invoice:read'),
  portalCanSee<CreditNoteLineView>('CreditNoteLine', (line) => line.clientId),
);

/** graphql-shield rules of the invoices module: invoices, lines, credit notes, billing's `Client` fields and their root fields. */
export const invoicesRules: RuleMap<Resolvers> = {
  Query: {
    // A portal session may ask by id; the service answers only issued documents of its clients.
    invoice: or(allowedTo('invoice:read'), isPortalUser),
    invoices: allowedTo('invoice:read'),
    creditNote: or(allowedTo('invoice:read'), isPortalUser),
  },
  Mutation: {
    createInvoiceDraft: allowedTo('invoice:write'),
    updateInvoiceDraft: allowedTo('invoice:write'),
    addInvoiceLine: allowedTo('invoice:write'),
    updateInvoiceLine: allowedTo('invoice:write'),
    removeInvoiceLine: allowedTo('invoice:write'),
    deleteInvoiceDraft: allowedTo('invoice:write'),
    issueInvoice: allowedTo('invoice:issue'),
    voidInvoice: allowedTo('invoice:void'),
    issueCreditNote: allowedTo('credit_note:issue'),
    updateClientBillingProfile: allowedTo('invoice:write'),
  },
  Client: {
    '*': allowedTo('invoice:read'),
    id: clientForPortal,
    balance: clientForPortal,
    invoices: clientForPortal,
  },
  ClientBillingProfile: allowedTo('invoice:read'),
  Invoice: {
    '*': allowedTo('invoice:read'),
    id: invoiceForPortal,
    number: invoiceForPortal,
    status: invoiceForPortal,
    client: invoiceForPortal,
    issueDate: invoiceForPortal,
    dueDate: invoiceForPortal,
    paymentTerms: invoiceForPortal,
    lines: invoiceForPortal,
    subtotal: invoiceForPortal,
    tax: invoiceForPortal,
    taxLines: invoiceForPortal,
    total: invoiceForPortal,
    amountDue: invoiceForPortal,
    amountPaid: invoiceForPortal,
    amountCredited: invoiceForPortal,
    memo: invoiceForPortal,
    creditNotes: invoiceForPortal,
    pdfUrl: invoiceForPortal,
    issuedAt: invoiceForPortal,
    voidedAt: invoiceForPortal,
    createdAt: invoiceForPortal,
  },
  InvoiceLine: {
    '*': allowedTo('invoice:read'),
    id: lineForPortal,
    kind: lineForPortal,
    description: lineForPortal,
    quantity: lineForPortal,
    unitAmount: lineForPortal,
    amount: lineForPortal,
    taxes: lineForPortal,
  },
  InvoiceLineTax: allow,
  InvoiceTaxLine: allow,
  CreditNote: {
    '*': allowedTo('invoice:read'),
    id: creditNoteForPortal,
    number: creditNoteForPortal,
    invoice: creditNoteForPortal,
    client: creditNoteForPortal,
    issueDate: creditNoteForPortal,
    reason: creditNoteForPortal,
    lines: creditNoteForPortal,
    subtotal: creditNoteForPortal,
    tax: creditNoteForPortal,
    total: creditNoteForPortal,
    appliedToInvoice: creditNoteForPortal,
    toClientCredit: creditNoteForPortal,
    pdfUrl: creditNoteForPortal,
    createdAt: creditNoteForPortal,
  },
  CreditNoteLine: {
    '*': allowedTo('invoice:read'),
    description: creditLineForPortal,
    amount: creditLineForPortal,
    taxes: creditLineForPortal,
  },
  InvoiceConnection: allow,
  InvoiceEdge: allow,
  InvoicePayload: allow,
  DeleteInvoiceDraftPayload: allow,
  IssueCreditNotePayload: allow,
  UpdateClientBillingProfilePayload: allow,
};
