import { allow, or } from 'graphql-shield';
import type { RuleMap } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { ClientRow } from '../../db/schema/crm.ts';
import { allowedTo, isFirmMember } from '../../platform/authz.ts';
import { portalCanSee } from '../../platform/portal.ts';

// Portal-visible client fields: staff with `client:read`, or a portal session granted this client.
// `currency` is named because billing's `balance` requires it.
const clientForPortal = or(allowedTo('client:read'), portalCanSee<ClientRow>('Client', (client) => client.id));

/** graphql-shield rules of the crm subgraph; every type not named here is denied. */
export const crmRules: RuleMap<Resolvers> = {
  Query: {
    client: allowedTo('client:read'),
    clients: allowedTo('client:read'),
    contact: allowedTo('contact:read'),
    contacts: allowedTo('contact:read'),
    clientOrganization: allowedTo('client:read'),
    _entities: isFirmMember,
    _service: allow,
  },
  Mutation: {
    createClient: allowedTo('client:write'),
    updateClient: allowedTo('client:write'),
    archiveClient: allowedTo('client:archive'),
    createContact: allowedTo('contact:write'),
    updateContact: allowedTo('contact:write'),
    linkContactToClient: allowedTo('contact:write'),
    unlinkContactFromClient: allowedTo('contact:write'),
    createClientOrganization: allowedTo('client:write'),
    addClientsToOrganization: allowedTo('client:write'),
    removeClientsFromOrganization: allowedTo('client:write'),
  },
  Client: {
    '*': allowedTo('client:read'),
    id: clientForPortal,
    name: clientForPortal,
    currency: clientForPortal,
    contacts: allowedTo('contact:read'),
  },
  Contact: allowedTo('contact:read'),
  ContactConnection: allow,
  ContactEdge: allow,
  ClientContactLink: allowedTo('contact:read'),
  ClientOrganization: allowedTo('client:read'),
  Firm: allowedTo('client:read'),
  ClientConnection: allow,
  ClientEdge: allow,
  PageInfo: allow,
  CreateClientPayload: allow,
  UpdateClientPayload: allow,
  ArchiveClientPayload: allow,
  CreateContactPayload: allow,
  UpdateContactPayload: allow,
  LinkContactToClientPayload: allow,
  UnlinkContactFromClientPayload: allow,
  CreateClientOrganizationPayload: allow,
  AddClientsToOrganizationPayload: allow,
  RemoveClientsFromOrganizationPayload: allow,
  UserError: allow,
  _Service: allow,
};
