import type { Resolvers } from '../__generated__/resolvers-types.ts';
import {
  changeOrganizationClients,
  clientOrganization,
  createClientOrganization,
  findOrganization,
  organizationClients,
} from './organization-service.ts';

/** Resolvers of `ClientOrganization`, `Client.organization` and the organization root fields. */
export const organizationResolvers: Resolvers = {
  Query: {
    clientOrganization: (_parent, { id }, ctx) => findOrganization(ctx, id),
  },
  Mutation: {
    createClientOrganization: (_parent, { input }, ctx) => createClientOrganization(ctx, input),
    addClientsToOrganization: (_parent, { input }, ctx) => changeOrganizationClients(ctx, input, 'add'),
    removeClientsFromOrganization: (_parent, { input }, ctx) => changeOrganizationClients(ctx, input, 'remove'),
  },
  Client: {
    organization: (client, _args, ctx) => clientOrganization(ctx, client.id),
  },
  ClientOrganization: {
    __resolveReference: (reference, ctx) => findOrganization(ctx, reference.id),
    clients: (organization, _args, ctx) => organizationClients(ctx, organization.id),
  },
};
