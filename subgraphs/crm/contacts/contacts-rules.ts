import { allow } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/** graphql-shield rules of the contacts module: `Contact`, its links, `Client.contacts` and the contact root fields. */
export const contactsRules: RuleMap<Resolvers> = {
  Query: {
    contact: allowedTo('contact:read'),
    contacts: allowedTo('contact:read'),
  },
  Mutation: {
    createContact: allowedTo('contact:write'),
    updateContact: allowedTo('contact:write'),
    linkContactToClient: allowedTo('contact:write'),
    unlinkContactFromClient: allowedTo('contact:write'),
  },
  Client: {
    contacts: allowedTo('contact:read'),
  },
  Contact: allowedTo('contact:read'),
  ContactConnection: allow,
  ContactEdge: allow,
  ClientContactLink: allowedTo('contact:read'),
  CreateContactPayload: allow,
  UpdateContactPayload: allow,
  LinkContactToClientPayload: allow,
  UnlinkContactFromClientPayload: allow,
};
