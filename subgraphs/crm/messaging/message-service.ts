import type { ClientRow } from '../../../db/schema/crm.ts';
import type { ParticipantRef } from './message-model.ts';
import type { MessageFormatValue, MessageRow, MessageThreadRow } from '../../../db/schema/messaging.ts';
import type { Tx } from '../../../db/client.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan, denied } from '../../../platform/authz.ts';
import { forbidden, notFound, unauthenticated } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { enqueueEvents } from '../../../platform/outbox.ts';
import { parsePageArgs, toConnection, type Connection, type PageArgs } from '../../../platform/relay.ts';
import { actingFirmId } from '../../../platform/signed-context.ts';
import { requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import { getClientForUpdate } from '../clients/client-store.ts';
import { getEngagementsByIds } from '../engagements/engagement-store.ts';
import type { CrmContext } from '../crm-context.ts';
import { checkMessageBody } from './message-body.ts';
import { participantOf } from './message-loaders.ts';
import {
  advanceReadMark,
  deleteTeamMember,
  getAttachableDocumentIds,
  getMessageForUpdate,
  getMessagesByIds,
  getTeamClientIds,
  getThreadForUpdate,
  getThreadsByIds,
  insertMessage,
  insertTeamMember,
  insertThread,
  listClientThreads,
  listThreadMessages,
  messageSortKey,
  threadSortKey,
  TIME_ID_CURSOR,
  touchThread,
  updateMessageRow,
} from './message-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** How long after sending its author may edit or delete a message (README "Client portal"): 15 minutes. */
const EDIT_WINDOW_MS = 15 * 60 * 1000;

/** Most documents one message may attach. */
const MAX_ATTACHMENTS = 10;

/**
 * Which clients' threads a caller reaches (the participant rule, README "Messaging"):
 * - a portal user: the clients its session was granted;
 * - a staff user with `message:read`: OWNER and ADMIN every client's, others the clients whose
 *   team they are on (`assignClientTeamMember`);
 * - an API key with the `message:read` scope, or an operator under a break-glass grant: every
 *   client's, read-only (they are not participants: no unread counts, and they cannot send).
 */
type Reach = { firmId: string; participant: ParticipantRef | null } & (
  { all: true } | { all: false; clientIds: ReadonlySet<string> }
);

/**
 * The caller's reach. `tx` reads the team inside a mutation's own transaction; queries use the
 * per-request loader.
 * @throws UNAUTHENTICATED for anonymous callers; FORBIDDEN without `message:read` (staff, keys, operators).
 */
async function reachOf(ctx: CrmContext, tx?: Tx): Promise<Reach> {
  const { actor } = ctx;
  if (actor.kind === 'ANONYMOUS') throw unauthenticated();
  if (actor.kind === 'PORTAL') {
    return { firmId: actor.firmId, participant: participantOf(actor), all: false, clientIds: new Set(actor.clientIds) };
  }
  const { firmId } = assertCan(actor, 'message:read');
  if (actor.kind !== 'STAFF' || actor.roles.includes('OWNER') || actor.roles.includes('ADMIN')) {
    return { firmId, participant: participantOf(actor), all: true };
  }
  const clientIds = tx
    ? new Set(await getTeamClientIds(tx, { firmId, userId: actor.userId }))
    : await ctx.loaders.teamClientIds();
  return { firmId, participant: participantOf(actor), all: false, clientIds };
}

function reaches(reach: Reach, clientId: string): boolean {
  return reach.all || reach.clientIds.has(clientId);
}

/**
 * The caller as a message author: a staff user with `message:send` or a portal user.
 * @throws FORBIDDEN for API keys and operators (a message needs a person as its author) and for
 * staff without `message:send`.
 */
function authorOf(ctx: CrmContext): ParticipantRef {
  const { actor } = ctx;
  if (actor.kind === 'ANONYMOUS') throw unauthenticated();
  if (actor.kind === 'PORTAL') return { kind: 'PORTAL', id: actor.portalUserId };
  assertCan(actor, 'message:send');
  if (actor.kind !== 'STAFF') throw forbidden('Messages are written by people: sign in as a staff user');
  return { kind: 'STAFF', id: actor.userId };
}

/** A thread the caller reaches, by id, or null (unknown, malformed, another client's or firm's). */
export async function findThread(ctx: CrmContext, threadId: string): Promise<MessageThreadRow | null> {
  const reach = await reachOf(ctx);
  if (!isUuid(threadId)) return null;
  const thread = await ctx.loaders.threadById.load(threadId);
  return thread && reaches(reach, thread.clientId) ? thread : null;
}

/** A message in a thread the caller reaches, by id, or null otherwise (no existence oracle). */
export async function findMessage(ctx: CrmContext, messageId: string): Promise<MessageRow | null> {
  const reach = await reachOf(ctx);
  if (!isUuid(messageId)) return null;
  const message = await ctx.loaders.messageById.load(messageId);
  if (!message) return null;
  const thread = await ctx.loaders.threadById.load(message.threadId);
  return thread && reaches(reach, thread.clientId) ? message : null;
}

/**
 * One page of a client's threads the caller reaches, most recently active first (forward pages
 * only); empty for a client whose threads the caller does not reach.
 * @throws BAD_USER_INPUT for invalid page arguments.
 */
export async function clientThreads(
  ctx: CrmContext,
  client: Pick<ClientRow, 'id'>,
  args: PageArgs,
): Promise<Connection<MessageThreadRow>> {
  const reach = await reachOf(ctx);
  const page = parsePageArgs({ first: args.first, after: args.after }, TIME_ID_CURSOR);
  if (!reaches(reach, client.id) || page.limit === 0) return toConnection([], page, threadSortKey, 0);
  const rows = await ctx.database.withTenant({ firmId: reach.firmId }, (tx) =>
    listClientThreads(tx, { firmId: reach.firmId, clientId: client.id, page }),
  );
  for (const row of rows) ctx.loaders.threadById.prime(row.id, row);
  return toConnection(rows, page, threadSortKey, 0);
}

/**
 * One page of a thread's messages in (sentAt, id) order: `first`/`after` reads forward (what came
 * after a cursor), `last`/`before` back from the newest.
 * @throws BAD_USER_INPUT for invalid page arguments.
 */
export async function threadMessages(
  ctx: CrmContext,
  thread: MessageThreadRow,
  args: PageArgs,
): Promise<Connection<MessageRow>> {
  const { firmId } = await reachOf(ctx);
  const page = parsePageArgs(args, TIME_ID_CURSOR);
  const rows =
    page.limit === 0
      ? []
      : await ctx.database.withTenant({ firmId }, (tx) =>
          listThreadMessages(tx, { firmId, threadId: thread.id, page }),
        );
  for (const row of rows) ctx.loaders.messageById.prime(row.id, row);
  return toConnection(rows, page, messageSortKey, 0);
}

/** The caller's unread messages over a client's threads; 0 when they reach none of them. */
export async function clientUnreadCount(ctx: CrmContext, client: Pick<ClientRow, 'id'>): Promise<number> {
  const reach = await reachOf(ctx);
  return reaches(reach, client.id) ? ctx.loaders.unreadByClient.load(client.id) : 0;
}

/** Input of `createMessageThread`. */
export interface CreateMessageThreadInput {
  clientId: string;
  subject: string;
  /** The engagement the thread is about: one of the client's. */
  engagementId?: string | null;
}

/**
 * Starts a thread with a client the caller reaches and may write to, optionally about one of the
 * client's engagements. Writes a `thread.updated` event and an audit record (`message_thread.create`)
 * with the thread.
 * @returns userErrors REQUIRED/TOO_LONG on the subject, ARCHIVED for an archived client, NOT_FOUND
 *   on `engagementId` for an id that is not one of the client's engagements (another client's,
 *   another firm's or a random id answer the same).
 * @throws NOT_FOUND when the caller does not reach the client (unknown, another firm's, not granted or not on the team).
 */
export async function createMessageThread(
  ctx: CrmContext,
  input: CreateMessageThreadInput,
): Promise<{ thread: MessageThreadRow | null; userErrors: UserError[] }> {
  const author = authorOf(ctx);
  if (!isUuid(input.clientId)) throw notFound('Client');
  const userErrors: UserError[] = [];
  const subject = requiredText(input.subject, ['input', 'subject'], 200, userErrors);
  return ctx.database.withTenant({ firmId: actingFirmId(ctx.actor) }, async (tx) => {
    const reach = await reachOf(ctx, tx);
    const client = reaches(reach, input.clientId)
      ? await getClientForUpdate(tx, { firmId: reach.firmId, clientId: input.clientId })
      : undefined;
    if (!client) throw notFound('Client');
    const engagementId = input.engagementId ?? null;
    if (engagementId !== null) {
      const [engagement] = isUuid(engagementId)
        ? await getEngagementsByIds(tx, { firmId: reach.firmId, engagementIds: [engagementId] })
        : [];
      if (engagement?.clientId !== client.id) {
        userErrors.push({
          field: ['input', 'engagementId'],
          message: 'No such engagement of this client.',
          code: 'NOT_FOUND',
        });
      }
    }
    if (userErrors.length > 0) return { thread: null, userErrors };
    if (client.status === 'ARCHIVED') {
      return {
        thread: null,
        userErrors: [
          { field: ['input', 'clientId'], message: 'Archived clients cannot get new threads.', code: 'ARCHIVED' },
        ],
      };
    }
    const thread = await insertThread(tx, {
      firmId: reach.firmId,
      id: newId(),
      clientId: client.id,
      engagementId,
      subject,
      createdByKind: author.kind,
      createdById: author.id,
    });
    await enqueueEvents(tx, 'crm', [
      { firmId: reach.firmId, topic: 'thread.updated', payload: { threadId: thread.id, clientId: client.id } },
    ]);
    await recordAudit(tx, ctx, {
      firmId: reach.firmId,
      action: 'message_thread.create',
      targetType: 'message_thread',
      targetId: thread.id,
      metadata: { clientId: client.id, engagementId },
    });
    return { thread, userErrors: [] };
  });
}

/**
 * A thread the caller reaches, inside a mutation's transaction; `lock` holds it until commit.
 * @throws NOT_FOUND when there is none the caller reaches (no existence oracle).
 */
async function reachableThread(
  ctx: CrmContext,
  tx: Tx,
  threadId: string,
  lock: boolean,
): Promise<{ reach: Reach; thread: MessageThreadRow }> {
  const reach = await reachOf(ctx, tx);
  const scope = { firmId: reach.firmId, threadId };
  const thread = !isUuid(threadId)
    ? undefined
    : lock
      ? await getThreadForUpdate(tx, scope)
      : (await getThreadsByIds(tx, { firmId: reach.firmId, threadIds: [threadId] }))[0];
  if (!thread || !reaches(reach, thread.clientId)) throw notFound('Thread');
  return { reach, thread };
}

/** Input of `sendMessage`. */
export interface SendMessageInput {
  threadId: string;
  body: string;
  format?: MessageFormatValue | null;
  attachmentIds?: readonly string[] | null;
}

/**
 * Sends a message in a thread the caller reaches. The message, its `message.added` and
 * `thread.updated` outbox events and an audit record (`message.send`: ids, format and attachment
 * count, never the text) commit in one transaction.
 *
 * Attachments must be documents of the thread's client in the same firm; the documents
 * subgraph decides (`documents.attachable_document_ids`), and any other id is a NOT_FOUND user error.
 * @throws NOT_FOUND when the caller does not reach the thread; FORBIDDEN for API keys and operators.
 */
export async function sendMessage(
  ctx: CrmContext,
  input: SendMessageInput,
): Promise<{ message: MessageRow | null; userErrors: UserError[] }> {
  const author = authorOf(ctx);
  const format = input.format ?? 'PLAIN';
  const userErrors: UserError[] = [];
  const problem = checkMessageBody(input.body, format);
  if (problem) userErrors.push({ field: ['input', 'body'], ...problem });
  const attachmentIds = [...new Set(input.attachmentIds ?? [])];
  if (attachmentIds.length > MAX_ATTACHMENTS) {
    userErrors.push({
      field: ['input', 'attachmentIds'],
      message: `At most ${MAX_ATTACHMENTS} attachments.`,
      code: 'TOO_LONG',
    });
  } else if (!attachmentIds.every(isUuid)) {
    userErrors.push({
      field: ['input', 'attachmentIds'],
      message: 'Attach documents of this client.',
      code: 'NOT_FOUND',
    });
  }

  return ctx.database.withTenant({ firmId: actingFirmId(ctx.actor) }, async (tx) => {
    const { reach, thread } = await reachableThread(ctx, tx, input.threadId, true);
    if (userErrors.length === 0 && attachmentIds.length > 0) {
      const attachable = await getAttachableDocumentIds(tx, { clientId: thread.clientId, documentIds: attachmentIds });
      if (attachmentIds.some((id) => !attachable.has(id))) {
        userErrors.push({
          field: ['input', 'attachmentIds'],
          message: 'Attach documents of this client.',
          code: 'NOT_FOUND',
        });
      }
    }
    if (userErrors.length > 0) return { message: null, userErrors };
    const message = await insertMessage(tx, {
      firmId: reach.firmId,
      id: newId(),
      threadId: thread.id,
      authorKind: author.kind,
      authorId: author.id,
      body: input.body,
      format,
      attachmentIds,
    });
    await touchThread(tx, { firmId: reach.firmId, threadId: thread.id, at: message.sentAt });
    // The author has read their own message: their read mark moves with what they send.
    await advanceReadMark(tx, { firmId: reach.firmId, participant: author, message });
    await enqueueMessageEvents(tx, 'message.added', thread, message);
    await recordAudit(tx, ctx, {
      firmId: reach.firmId,
      action: 'message.send',
      targetType: 'message',
      targetId: message.id,
      metadata: { threadId: thread.id, clientId: thread.clientId, format, attachments: attachmentIds.length },
    });
    return { message, userErrors: [] };
  });
}

async function enqueueMessageEvents(
  tx: Tx,
  topic: 'message.added' | 'message.updated',
  thread: MessageThreadRow,
  message: MessageRow,
) {
  await enqueueEvents(tx, 'crm', [
    {
      firmId: thread.firmId,
      topic,
      payload: { threadId: thread.id, clientId: thread.clientId, messageId: message.id },
    },
    { firmId: thread.firmId, topic: 'thread.updated', payload: { threadId: thread.id, clientId: thread.clientId } },
  ]);
}

/**
 * Locks one of the caller's own messages that is still inside the 15-minute window, inside a
 * mutation's transaction; otherwise a user error says why (NOT_AUTHOR, DELETED, EDIT_WINDOW_CLOSED).
 * @throws NOT_FOUND when the caller does not reach the message's thread.
 */
async function ownEditableMessage(
  ctx: CrmContext,
  tx: Tx,
  messageId: string,
  author: ParticipantRef,
): Promise<{ thread: MessageThreadRow; message: MessageRow; error: null } | { error: UserError }> {
  const reach = await reachOf(ctx, tx);
  const current = isUuid(messageId) ? await getMessageForUpdate(tx, { firmId: reach.firmId, messageId }) : undefined;
  const [thread] = current ? await getThreadsByIds(tx, { firmId: reach.firmId, threadIds: [current.threadId] }) : [];
  if (!current || !thread || !reaches(reach, thread.clientId)) throw notFound('Message');
  const field = ['input', 'messageId'];
  if (current.authorKind !== author.kind || current.authorId !== author.id) {
    return { error: { field, message: 'Only its author can change a message.', code: 'NOT_AUTHOR' } };
  }
  if (current.deletedAt) return { error: { field, message: 'The message was deleted.', code: 'DELETED' } };
  if (Date.now() - current.sentAt.getTime() > EDIT_WINDOW_MS) {
    return {
      error: {
        field,
        message: 'Messages can be changed only within 15 minutes of sending.',
        code: 'EDIT_WINDOW_CLOSED',
      },
    };
  }
  return { thread, message: current, error: null };
}

/**
 * Replaces the text of the caller's own message, within 15 minutes of sending it, in its format.
 * Writes `message.updated` and `thread.updated` events and an audit record (`message.edit`).
 * @throws NOT_FOUND when the caller does not reach the message.
 */
export async function editMessage(
  ctx: CrmContext,
  input: { messageId: string; body: string },
): Promise<{ message: MessageRow | null; userErrors: UserError[] }> {
  const author = authorOf(ctx);
  return ctx.database.withTenant({ firmId: actingFirmId(ctx.actor) }, async (tx) => {
    const own = await ownEditableMessage(ctx, tx, input.messageId, author);
    if (own.error) return { message: null, userErrors: [own.error] };
    const problem = checkMessageBody(input.body, own.message.format);
    if (problem) return { message: null, userErrors: [{ field: ['input', 'body'], ...problem }] };
    const message = await updateMessageRow(tx, {
      firmId: own.thread.firmId,
      messageId: own.message.id,
      patch: { body: input.body, editedAt: new Date() },
    });
    await enqueueMessageEvents(tx, 'message.updated', own.thread, message);
    await recordAudit(tx, ctx, {
      firmId: own.thread.firmId,
      action: 'message.edit',
      targetType: 'message',
      targetId: message.id,
      metadata: { threadId: own.thread.id },
    });
    return { message, userErrors: [] };
  });
}

/**
 * Deletes the caller's own message within 15 minutes of sending it, leaving a tombstone: text and
 * attachments removed, `deletedAt` set. Writes `message.updated` and `thread.updated` events and
 * an audit record (`message.delete`).
 * @throws NOT_FOUND when the caller does not reach the message.
 */
export async function deleteMessage(
  ctx: CrmContext,
  input: { messageId: string },
): Promise<{ message: MessageRow | null; userErrors: UserError[] }> {
  const author = authorOf(ctx);
  return ctx.database.withTenant({ firmId: actingFirmId(ctx.actor) }, async (tx) => {
    const own = await ownEditableMessage(ctx, tx, input.messageId, author);
    if (own.error) return { message: null, userErrors: [own.error] };
    const message = await updateMessageRow(tx, {
      firmId: own.thread.firmId,
      messageId: own.message.id,
      patch: { body: null, attachmentIds: [], deletedAt: new Date() },
    });
    await enqueueMessageEvents(tx, 'message.updated', own.thread, message);
    await recordAudit(tx, ctx, {
      firmId: own.thread.firmId,
      action: 'message.delete',
      targetType: 'message',
      targetId: message.id,
      metadata: { threadId: own.thread.id },
    });
    return { message, userErrors: [] };
  });
}

/**
 * Marks a thread read for the caller up to and including `upToMessageId` (a read mark never moves
 * back). Writes a `thread.updated` event (unread counts and read receipts) and an audit record
 * (`message_thread.read`).
 * @throws NOT_FOUND when the caller does not reach the thread; FORBIDDEN for callers who are not
 * participants (API keys, operators).
 */
export async function markThreadRead(
  ctx: CrmContext,
  input: { threadId: string; upToMessageId: string },
): Promise<{ thread: MessageThreadRow | null; userErrors: UserError[] }> {
  const participant = participantOf(ctx.actor);
  const reach = await reachOf(ctx);
  if (!participant) throw denied(ctx.actor);
  const result = await ctx.database.withTenant({ firmId: reach.firmId }, async (tx) => {
    const { thread } = await reachableThread(ctx, tx, input.threadId, false);
    const [message] = isUuid(input.upToMessageId)
      ? await getMessagesByIds(tx, { firmId: reach.firmId, messageIds: [input.upToMessageId] })
      : [];
    if (!message || message.threadId !== thread.id) {
      return {
        thread: null,
        userErrors: [
          { field: ['input', 'upToMessageId'], message: 'No such message in this thread.', code: 'NOT_FOUND' as const },
        ],
      };
    }
    await advanceReadMark(tx, { firmId: reach.firmId, participant, message });
    await enqueueEvents(tx, 'crm', [
      { firmId: reach.firmId, topic: 'thread.updated', payload: { threadId: thread.id, clientId: thread.clientId } },
    ]);
    await recordAudit(tx, ctx, {
      firmId: reach.firmId,
      action: 'message_thread.read',
      targetType: 'message_thread',
      targetId: thread.id,
      metadata: { upToMessageId: message.id },
    });
    return { thread, userErrors: [] };
  });
  // The count loaded before this change (if any) is stale for the payload.
  if (result.thread) ctx.loaders.unreadByThread.clear(result.thread.id);
  return result;
}

/**
 * Tells the thread's other participants the caller is typing: publishes a `typing` event straight
 * to the event bus. Ephemeral: nothing is stored, no outbox, no audit (README "Client portal"). The gateway's
 * cost limiter throttles it like any mutation.
 * @throws NOT_FOUND when the caller does not reach the thread; FORBIDDEN for callers who are not participants.
 */
export async function notifyTyping(
  ctx: CrmContext,
  input: { threadId: string },
): Promise<{ thread: MessageThreadRow | null; userErrors: UserError[] }> {
  const participant = participantOf(ctx.actor);
  const thread = await findThread(ctx, input.threadId);
  if (!participant) throw denied(ctx.actor);
  if (!thread) throw notFound('Thread');
  await ctx.eventBus.publish({
    id: newId(),
    firmId: thread.firmId,
    topic: 'typing',
    payload: {
      threadId: thread.id,
      clientId: thread.clientId,
      participantKind: participant.kind,
      participantId: participant.id,
    },
  });
  return { thread, userErrors: [] };
}

/**
 * Puts a staff user on a client's team (idempotent). Requires `client:write`. `userId` should be
 * a member of the firm: tenancy owns memberships, so crm cannot check it, but an id that is not
 * a member grants nothing, because only members can act in the firm. Audit: `client_team.assign`.
 * @throws NOT_FOUND when the firm has no such client (a malformed user id is an INVALID user error).
 */
export async function assignClientTeamMember(
  ctx: CrmContext,
  input: { clientId: string; userId: string },
): Promise<{ client: ClientRow | null; userErrors: UserError[] }> {
  return changeClientTeam(ctx, input, 'client_team.assign', async (tx, member) => {
    await insertTeamMember(tx, member);
    return true;
  });
}

/**
 * Takes a staff user off a client's team (a no-op when not on it). Requires `client:write`.
 * Audit: `client_team.remove` when someone was removed.
 * @throws NOT_FOUND when the firm has no such client.
 */
export async function removeClientTeamMember(
  ctx: CrmContext,
  input: { clientId: string; userId: string },
): Promise<{ client: ClientRow | null; userErrors: UserError[] }> {
  return changeClientTeam(ctx, input, 'client_team.remove', (tx, member) => deleteTeamMember(tx, member));
}

/**
 * One client-team change in one transaction: `client:write`, the client locked, then `change`,
 * audited as `action` when it reports a change.
 */
async function changeClientTeam(
  ctx: CrmContext,
  input: { clientId: string; userId: string },
  action: 'client_team.assign' | 'client_team.remove',
  change: (tx: Tx, member: { firmId: string; clientId: string; userId: string }) => Promise<boolean>,
): Promise<{ client: ClientRow | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'client:write');
  if (!isUuid(input.clientId)) throw notFound('Client');
  if (!isUuid(input.userId))
    return { client: null, userErrors: [{ field: ['input', 'userId'], message: 'Not a user id.', code: 'INVALID' }] };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const client = await getClientForUpdate(tx, { firmId, clientId: input.clientId });
    if (!client) throw notFound('Client');
    if (await change(tx, { firmId, clientId: client.id, userId: input.userId })) {
      await recordAudit(tx, ctx, {
        firmId,
        action,
        targetType: 'client',
        targetId: client.id,
        metadata: { userId: input.userId },
      });
    }
    return { client, userErrors: [] };
  });
}
