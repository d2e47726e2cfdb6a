import { allow, or } from 'graphql-shield';
import type { ClientRow } from '../../../db/schema/crm.ts';
import { allowedTo } from '../../../platform/authz.ts';
import { portalCanSee } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// Portal-visible client fields: staff with `client:read`, or a portal session granted this client.
// `currency` is named because billing's `balance` requires it.
const clientForPortal = or(
  allowedTo('client:read'),
  portalCanSee<ClientRow>('Client', (client) => client.id),
);

/** graphql-shield rules of the clients module: `Client`, crm's `Firm` and the client root fields. */
export const clientsRules: RuleMap<Resolvers> = {
  Query: {
    client: allowedTo('client:read'),
    clients: allowedTo('client:read'),
  },
  Mutation: {
    createClient: allowedTo('client:write'),
    updateClient: allowedTo('client:write'),
    archiveClient: allowedTo('client:archive'),
  },
  Client: {
    '*': allowedTo('client:read'),
    id: clientForPortal,
    name: clientForPortal,
    currency: clientForPortal,
  },
  // A field map, so other modules can add `Firm` fields with rules of their own (`Firm.engagements`).
  Firm: { '*': allowedTo('client:read') },
  ClientConnection: allow,
  ClientEdge: allow,
  CreateClientPayload: allow,
  UpdateClientPayload: allow,
  ArchiveClientPayload: allow,
};
