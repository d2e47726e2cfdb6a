import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { notFound } from '../../../platform/errors.ts';
import {
  assignClientTeamMember,
  clientThreads,
  clientUnreadCount,
  createMessageThread,
  deleteMessage,
  editMessage,
  findMessage,
  findThread,
  markThreadRead,
  notifyTyping,
  removeClientTeamMember,
  sendMessage,
  threadMessages,
} from './message-service.ts';

/** Resolvers of threads, messages, read state and client teams. Subscriptions are served by the gateway. */
export const messageResolvers: Resolvers = {
  Query: {
    messageThread: (_parent, { id }, ctx) => findThread(ctx, id),
    message: (_parent, { id }, ctx) => findMessage(ctx, id),
  },
  Mutation: {
    createMessageThread: (_parent, { input }, ctx) => createMessageThread(ctx, input),
    sendMessage: (_parent, { input }, ctx) => sendMessage(ctx, input),
    editMessage: (_parent, { input }, ctx) => editMessage(ctx, input),
    deleteMessage: (_parent, { input }, ctx) => deleteMessage(ctx, input),
    markThreadRead: (_parent, { input }, ctx) => markThreadRead(ctx, input),
    notifyTyping: (_parent, { input }, ctx) => notifyTyping(ctx, input),
    assignClientTeamMember: (_parent, { input }, ctx) => assignClientTeamMember(ctx, input),
    removeClientTeamMember: (_parent, { input }, ctx) => removeClientTeamMember(ctx, input),
  },
  Client: {
    messageThreads: (client, args, ctx) => clientThreads(ctx, client, args),
    unreadMessageCount: (client, _args, ctx) => clientUnreadCount(ctx, client),
  },
  MessageThread: {
    __resolveReference: (reference, ctx) => findThread(ctx, reference.id),
    client: async (thread, _args, ctx) => {
      const client = await ctx.loaders.clientById.load(thread.clientId);
      if (!client) throw notFound('Client');
      return client;
    },
    // The engagement is one of the thread's client (message_threads_engagement_fk), so whoever reaches
    // the thread reaches it; the Engagement rules then decide its fields.
    engagement: (thread, _args, ctx) =>
      thread.engagementId ? ctx.loaders.engagementById.load(thread.engagementId) : null,
    lastMessage: (thread, _args, ctx) => ctx.loaders.lastMessageByThread.load(thread.id),
    unreadCount: (thread, _args, ctx) => ctx.loaders.unreadByThread.load(thread.id),
    messages: (thread, args, ctx) => threadMessages(ctx, thread, args),
  },
  Message: {
    __resolveReference: (reference, ctx) => findMessage(ctx, reference.id),
    thread: async (message, _args, ctx) => {
      const thread = await ctx.loaders.threadById.load(message.threadId);
      if (!thread) throw notFound('Thread');
      return thread;
    },
    author: (message) => ({ kind: message.authorKind, id: message.authorId }),
  },
  Participant: {
    __resolveType: (participant) => (participant.kind === 'STAFF' ? 'User' : 'PortalUser'),
  },
};
