import { allow } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/** graphql-shield rules of the organizations module: `ClientOrganization` and its root fields. */
export const organizationsRules: RuleMap<Resolvers> = {
  Query: {
    clientOrganization: allowedTo('client:read'),
  },
  Mutation: {
    createClientOrganization: allowedTo('client:write'),
    addClientsToOrganization: allowedTo('client:write'),
    removeClientsFromOrganization: allowedTo('client:write'),
  },
  ClientOrganization: allowedTo('client:read'),
  CreateClientOrganizationPayload: allow,
  AddClientsToOrganizationPayload: allow,
  RemoveClientsFromOrganizationPayload: allow,
};
