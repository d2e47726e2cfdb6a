import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { selectsField } from '../../../platform/relay.ts';
import { findClient } from '../clients/client-service.ts';
import {
  clientContactLinks,
  contactLinks,
  createContact,
  findContact,
  linkContactToClient,
  listFirmContacts,
  unlinkContactFromClient,
  updateContact,
} from './contact-service.ts';

/** Resolvers of `Contact`, `ClientContactLink`, `Client.contacts` and the contact root fields. */
export const contactResolvers: Resolvers = {
  Query: {
    contact: (_parent, { id }, ctx) => findContact(ctx, id),
    contacts: (_parent, args, ctx, info) => listFirmContacts(ctx, args, selectsField(info, 'totalCount')),
  },
  Mutation: {
    createContact: (_parent, { input }, ctx) => createContact(ctx, input),
    updateContact: (_parent, { input }, ctx) => updateContact(ctx, input),
    linkContactToClient: (_parent, { input }, ctx) => linkContactToClient(ctx, input),
    unlinkContactFromClient: (_parent, { input }, ctx) => unlinkContactFromClient(ctx, input),
  },
  Client: {
    contacts: (client, _args, ctx) => clientContactLinks(ctx, client.id),
  },
  Contact: {
    __resolveReference: (reference, ctx) => findContact(ctx, reference.id),
    clients: (contact, _args, ctx) => contactLinks(ctx, contact.id),
  },
  ClientContactLink: {
    // A link's client and contact are in the firm by foreign key: never null.
    client: async (link, _args, ctx) => (await findClient(ctx, link.clientId))!,
    contact: async (link, _args, ctx) => (await findContact(ctx, link.contactId))!,
  },
};
