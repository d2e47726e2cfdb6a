import { allow, or } from 'graphql-shield';
import type { BillingClientReference } from './invoice-model.ts';
import type { InvoiceRow } from '../../../db/schema/billing.ts';
import { allowedTo } from '../../../platform/authz.ts';
import { portalCanSee } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// Portal-visible fields, named one by one: staff with `invoice:read`, or a portal session granted
// the client. Any field not named here stays staff-only (FORBIDDEN to a portal session).
const clientForPortal = or(
  allowedTo('invoice:read'),
  portalCanSee<BillingClientReference>('BillingClient', (client) => client.id),
);
const invoiceForPortal = or(
  allowedTo('invoice:read'),
  portalCanSee<InvoiceRow>('Invoice', (invoice) => invoice.clientId),
);

/** graphql-shield rules of the invoices module: `Invoice`, billing's `Client` fields and `Query.invoice`. */
export const invoicesRules: RuleMap<Resolvers> = {
  Query: {
    invoice: allowedTo('invoice:read'),
  },
  Client: {
    '*': allowedTo('invoice:read'),
    id: clientForPortal,
    balance: clientForPortal,
    invoices: clientForPortal,
  },
  Invoice: {
    '*': allowedTo('invoice:read'),
    id: invoiceForPortal,
    number: invoiceForPortal,
    status: invoiceForPortal,
    client: invoiceForPortal,
    issueDate: invoiceForPortal,
    dueDate: invoiceForPortal,
    total: invoiceForPortal,
    amountDue: invoiceForPortal,
    createdAt: invoiceForPortal,
  },
  InvoiceConnection: allow,
  InvoiceEdge: allow,
};
