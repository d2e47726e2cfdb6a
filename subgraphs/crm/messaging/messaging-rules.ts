import { allow, or } from 'graphql-shield';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { ClientRow } from '../../../db/schema/crm.ts';
import { allowedTo } from '../../../platform/authz.ts';
import { isPortalUser, portalCanSee } from '../../../platform/portal.ts';

// Staff, keys and operators need the catalogue permission; portal users reach threads of their
// granted clients, which the service checks object by object (wall 2).
const readsMessages = or(allowedTo('message:read'), isPortalUser);
const sendsMessages = or(allowedTo('message:send'), isPortalUser);
const clientMessaging = or(
  allowedTo('message:read'),
  portalCanSee<ClientRow>('Client.messaging', (client) => client.id),
);

/**
 * graphql-shield rules of messaging, merged by `mergeDisjoint` into the crm rules: root fields, types,
 * and the messaging fields crm adds to `Client` (staff with `message:read`, or a portal user
 * granted the client).
 */
export const messagingRules: RuleMap<Resolvers> = {
  Client: {
    messageThreads: clientMessaging,
    unreadMessageCount: clientMessaging,
  },
  Query: {
    messageThread: readsMessages,
    message: readsMessages,
  },
  Mutation: {
    createMessageThread: sendsMessages,
    sendMessage: sendsMessages,
    editMessage: sendsMessages,
    deleteMessage: sendsMessages,
    markThreadRead: readsMessages,
    notifyTyping: readsMessages,
    assignClientTeamMember: allowedTo('client:write'),
    removeClientTeamMember: allowedTo('client:write'),
  },
  MessageThread: readsMessages,
  Message: readsMessages,
  // A staff user is a message author here, and an engagement's manager or team member (engagements).
  User: or(readsMessages, allowedTo('engagement:read')),
  PortalUser: readsMessages,
  MessageConnection: allow,
  MessageEdge: allow,
  MessageThreadConnection: allow,
  MessageThreadEdge: allow,
  CreateMessageThreadPayload: allow,
  SendMessagePayload: allow,
  EditMessagePayload: allow,
  DeleteMessagePayload: allow,
  MarkThreadReadPayload: allow,
  NotifyTypingPayload: allow,
  AssignClientTeamMemberPayload: allow,
  RemoveClientTeamMemberPayload: allow,
};
