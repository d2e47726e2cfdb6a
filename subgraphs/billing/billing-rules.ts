import { allow, or } from 'graphql-shield';
import type { RuleMap } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { InvoiceRow } from '../../db/schema/billing.ts';
import { allowedTo, isFirmMember } from '../../platform/authz.ts';
import { portalCanSee } from '../../platform/portal.ts';
import type { BillingClientReference } from './invoices/invoice-service.ts';

// Portal-visible fields, named one by one: staff with `invoice:read`, or a portal session granted
// the client. Any field not named here stays staff-only (FORBIDDEN to a portal session).
const clientForPortal = or(allowedTo('invoice:read'), portalCanSee<BillingClientReference>('BillingClient', (client) => client.id));
const invoiceForPortal = or(allowedTo('invoice:read'), portalCanSee<InvoiceRow>('Invoice', (invoice) => invoice.clientId));

/** graphql-shield rules of the billing subgraph; every type not named here is denied. */
export const billingRules: RuleMap<Resolvers> = {
  Query: {
    invoice: allowedTo('invoice:read'),
    _entities: isFirmMember,
    _service: allow,
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
  Money: allow,
  PageInfo: allow,
  _Service: allow,
};
