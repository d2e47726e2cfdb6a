import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { selectsField } from '../../../platform/relay.ts';
import {
  archiveClient,
  createClient,
  findClient,
  listFirmClients,
  resolveFirmReference,
  updateClient,
} from './client-service.ts';

/** Resolvers of `Client`, `Firm.clients` and the client root fields. */
export const clientResolvers: Resolvers = {
  Query: {
    client: (_parent, { id }, ctx) => findClient(ctx, id),
    clients: (_parent, args, ctx, info) => listFirmClients(ctx, args, selectsField(info, 'totalCount')),
  },
  Mutation: {
    createClient: (_parent, { input }, ctx) => createClient(ctx, input),
    updateClient: (_parent, { input }, ctx) => updateClient(ctx, input),
    archiveClient: (_parent, { input }, ctx) => archiveClient(ctx, input.id),
  },
  Client: {
    __resolveReference: (reference, ctx) => findClient(ctx, reference.id),
  },
  Firm: {
    __resolveReference: (reference, ctx) => resolveFirmReference(ctx, reference),
    clients: (firm, args, ctx, info) => listFirmClients(ctx, args, selectsField(info, 'totalCount')),
  },
};
