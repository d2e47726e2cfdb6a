import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { messageAttachments } from './message-attachment-service.ts';

/** Resolvers of `Message.attachments`, the documents subgraph's contribution to crm's `Message`. */
export const messageAttachmentResolvers: Resolvers = {
  Message: {
    // The representation carries `attachmentIds` (`@requires`); there is nothing to load here.
    __resolveReference: (reference) => reference,
    attachments: (message, _args, ctx) => messageAttachments(ctx, message),
  },
};
