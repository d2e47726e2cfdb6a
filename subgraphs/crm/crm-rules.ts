import { allow, type IRules } from 'graphql-shield';
import { allowedTo, isFirmMember } from '../shared/authz.ts';

/** graphql-shield rules of the crm subgraph; every type not named here is denied. */
export const crmRules: IRules = {
  Query: {
    client: allowedTo('client:read'),
    clients: allowedTo('client:read'),
    _entities: isFirmMember,
    _service: allow,
  },
  Mutation: {
    createClient: allowedTo('client:write'),
    updateClient: allowedTo('client:write'),
    archiveClient: allowedTo('client:archive'),
  },
  Client: allowedTo('client:read'),
  Firm: allowedTo('client:read'),
  ClientConnection: allow,
  ClientEdge: allow,
  PageInfo: allow,
  CreateClientPayload: allow,
  UpdateClientPayload: allow,
  ArchiveClientPayload: allow,
  UserError: allow,
  _Service: allow,
};
