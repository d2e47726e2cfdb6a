import { allow, type IRules } from 'graphql-shield';
import { allowedTo, isFirmMember } from '../shared/authz.ts';

/** graphql-shield rules of the billing subgraph; every type not named here is denied. */
export const billingRules: IRules = {
  Query: {
    invoice: allowedTo('invoice:read'),
    _entities: isFirmMember,
    _service: allow,
  },
  Client: allowedTo('invoice:read'),
  Invoice: allowedTo('invoice:read'),
  InvoiceConnection: allow,
  InvoiceEdge: allow,
  Money: allow,
  PageInfo: allow,
  _Service: allow,
};
