import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { selectsOnlyTotalCount } from '../../../platform/relay.ts';
import { clientDocuments, findDocument } from './document-service.ts';

/** Resolvers of `Document`, `Client.documents` and the document root fields. */
export const documentResolvers: Resolvers = {
  Query: {
    document: (_parent, { id }, ctx) => findDocument(ctx, id),
  },
  Client: {
    __resolveReference: (reference) => reference,
    documents: (client, args, ctx, info) => clientDocuments(ctx, client.id, args, selectsOnlyTotalCount(info)),
  },
  Document: {
    __resolveReference: (reference, ctx) => findDocument(ctx, reference.id),
    client: (document) => ({ id: document.clientId }),
  },
};
