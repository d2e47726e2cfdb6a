import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { ParticipantRef } from './message-model.ts';
import { z } from 'zod';
import type { Tx } from '../../../db/client.ts';
import {
  clientTeamMembers,
  messageReadStates,
  messages,
  messageThreads,
  type MessageRow,
  type MessageThreadRow,
} from '../../../db/schema/messaging.ts';
import type { PageRequest } from '../../../platform/relay.ts';

/** A parenthesized, non-empty list of uuid parameters for `in`. */
function uuidList(ids: readonly string[]) {
  return sql`(${sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  )})`;
}

/** Cursor of message history and of thread lists: `[timestamp (RFC 3339), id]`. */
export const TIME_ID_CURSOR = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);
type TimeIdCursor = z.infer<typeof TIME_ID_CURSOR>;

/** Cursor values of a message: when it was sent, then its id (the history order). */
export function messageSortKey(row: MessageRow): [string, string] {
  return [row.sentAt.toISOString(), row.id];
}

/** Cursor values of a thread: its last activity (last message, or creation), then its id. */
export function threadSortKey(row: MessageThreadRow): [string, string] {
  return [(row.lastMessageAt ?? row.createdAt).toISOString(), row.id];
}

/** Ids of the clients whose teams the user is on. */
export async function getTeamClientIds(
  tx: Tx,
  { firmId, userId }: { firmId: string; userId: string },
): Promise<string[]> {
  const rows = await tx
    .select({ clientId: clientTeamMembers.clientId })
    .from(clientTeamMembers)
    .where(and(eq(clientTeamMembers.firmId, firmId), eq(clientTeamMembers.userId, userId)));
  return rows.map((row) => row.clientId);
}

/** Puts a user on a client's team; a no-op when already there. */
export async function insertTeamMember(
  tx: Tx,
  values: { firmId: string; clientId: string; userId: string },
): Promise<void> {
  await tx.insert(clientTeamMembers).values(values).onConflictDoNothing();
}

/** Takes a user off a client's team; true when they were on it. */
export async function deleteTeamMember(
  tx: Tx,
  { firmId, clientId, userId }: { firmId: string; clientId: string; userId: string },
): Promise<boolean> {
  const rows = await tx
    .delete(clientTeamMembers)
    .where(
      and(
        eq(clientTeamMembers.firmId, firmId),
        eq(clientTeamMembers.clientId, clientId),
        eq(clientTeamMembers.userId, userId),
      ),
    )
    .returning({ userId: clientTeamMembers.userId });
  return rows.length > 0;
}

/** Inserts a thread and returns the stored row. */
export async function insertThread(tx: Tx, values: typeof messageThreads.$inferInsert): Promise<MessageThreadRow> {
  const [row] = await tx.insert(messageThreads).values(values).returning();
  return row!;
}

/** The firm's threads with these ids, in no particular order; unknown ids are absent. */
export async function getThreadsByIds(
  tx: Tx,
  { firmId, threadIds }: { firmId: string; threadIds: readonly string[] },
): Promise<MessageThreadRow[]> {
  return tx
    .select()
    .from(messageThreads)
    .where(and(eq(messageThreads.firmId, firmId), inArray(messageThreads.id, [...threadIds])));
}

/**
 * Locks one thread until the transaction ends, or undefined when the firm has none with that id.
 * Sending takes this lock first, so a thread's messages get `sent_at` values in commit order and
 * a client that pages forward from its last cursor never skips a message that committed late.
 */
export async function getThreadForUpdate(
  tx: Tx,
  { firmId, threadId }: { firmId: string; threadId: string },
): Promise<MessageThreadRow | undefined> {
  const [row] = await tx
    .select()
    .from(messageThreads)
    .where(and(eq(messageThreads.firmId, firmId), eq(messageThreads.id, threadId)))
    .for('update');
  return row;
}

/** Sets a thread's last activity to `at`. */
export async function touchThread(
  tx: Tx,
  { firmId, threadId, at }: { firmId: string; threadId: string; at: Date },
): Promise<void> {
  await tx
    .update(messageThreads)
    .set({ lastMessageAt: at })
    .where(and(eq(messageThreads.firmId, firmId), eq(messageThreads.id, threadId)));
}

/**
 * One page of a client's threads, most recently active first, fetching `page.limit + 1` rows.
 * Only forward pages (`first`/`after`).
 */
export async function listClientThreads(
  tx: Tx,
  { firmId, clientId, page }: { firmId: string; clientId: string; page: PageRequest<TimeIdCursor> },
): Promise<MessageThreadRow[]> {
  const activity = sql`coalesce(${messageThreads.lastMessageAt}, ${messageThreads.createdAt})`;
  const conditions = [eq(messageThreads.firmId, firmId), eq(messageThreads.clientId, clientId)];
  if (page.cursor) {
    const [at, id] = page.cursor;
    conditions.push(sql`(${activity}, ${messageThreads.id}) < (${at}::timestamptz, ${id}::uuid)`);
  }
  return tx
    .select()
    .from(messageThreads)
    .where(and(...conditions))
    .orderBy(sql`${activity} desc, ${messageThreads.id} desc`)
    .limit(page.limit + 1);
}

/** Inserts a message, sent now by the database clock (`clock_timestamp()`), and returns the row. */
export async function insertMessage(tx: Tx, values: Omit<typeof messages.$inferInsert, 'sentAt'>): Promise<MessageRow> {
  const [row] = await tx
    .insert(messages)
    .values({ ...values, sentAt: sql`clock_timestamp()` })
    .returning();
  return row!;
}

/** The firm's messages with these ids, in no particular order; unknown ids are absent. */
export async function getMessagesByIds(
  tx: Tx,
  { firmId, messageIds }: { firmId: string; messageIds: readonly string[] },
): Promise<MessageRow[]> {
  return tx
    .select()
    .from(messages)
    .where(and(eq(messages.firmId, firmId), inArray(messages.id, [...messageIds])));
}

/**
 * Messages of the firm by id, each with its thread (one query: a message is always read to be
 * checked against its thread's client). Ids of other firms' or unknown messages return nothing.
 */
export async function getMessagesWithThreadsByIds(
  tx: Tx,
  { firmId, messageIds }: { firmId: string; messageIds: readonly string[] },
): Promise<{ message: MessageRow; thread: MessageThreadRow }[]> {
  return tx
    .select({ message: messages, thread: messageThreads })
    .from(messages)
    .innerJoin(
      messageThreads,
      and(eq(messageThreads.firmId, messages.firmId), eq(messageThreads.id, messages.threadId)),
    )
    .where(and(eq(messages.firmId, firmId), inArray(messages.id, [...messageIds])));
}

/** Locks and returns one message for a change, or undefined when the firm has none with that id. */
export async function getMessageForUpdate(
  tx: Tx,
  { firmId, messageId }: { firmId: string; messageId: string },
): Promise<MessageRow | undefined> {
  const [row] = await tx
    .select()
    .from(messages)
    .where(and(eq(messages.firmId, firmId), eq(messages.id, messageId)))
    .for('update');
  return row;
}

/** Applies `patch` to one message and returns the stored row. */
export async function updateMessageRow(
  tx: Tx,
  { firmId, messageId, patch }: { firmId: string; messageId: string; patch: Partial<typeof messages.$inferInsert> },
): Promise<MessageRow> {
  const [row] = await tx
    .update(messages)
    .set(patch)
    .where(and(eq(messages.firmId, firmId), eq(messages.id, messageId)))
    .returning();
  return row!;
}

/**
 * One page of a thread's messages in (sent_at, id) order, fetching `page.limit + 1` rows in the
 * page's direction (newest first for backward pages).
 */
export async function listThreadMessages(
  tx: Tx,
  { firmId, threadId, page }: { firmId: string; threadId: string; page: PageRequest<TimeIdCursor> },
): Promise<MessageRow[]> {
  const conditions = [eq(messages.firmId, firmId), eq(messages.threadId, threadId)];
  if (page.cursor) {
    const [at, id] = page.cursor;
    const key = sql`(${messages.sentAt}, ${messages.id})`;
    conditions.push(
      page.direction === 'forward'
        ? sql`${key} > (${at}::timestamptz, ${id}::uuid)`
        : sql`${key} < (${at}::timestamptz, ${id}::uuid)`,
    );
  }
  const order =
    page.direction === 'forward'
      ? sql`${messages.sentAt} asc, ${messages.id} asc`
      : sql`${messages.sentAt} desc, ${messages.id} desc`;
  return tx
    .select()
    .from(messages)
    .where(and(...conditions))
    .orderBy(order)
    .limit(page.limit + 1);
}

/** The newest message of each of these threads (tombstones included), keyed by thread id. */
export async function getLastMessages(
  tx: Tx,
  { firmId, threadIds }: { firmId: string; threadIds: readonly string[] },
): Promise<Map<string, MessageRow>> {
  const rows = await tx
    .selectDistinctOn([messages.threadId])
    .from(messages)
    .where(and(eq(messages.firmId, firmId), inArray(messages.threadId, [...threadIds])))
    .orderBy(messages.threadId, sql`${messages.sentAt} desc, ${messages.id} desc`);
  return new Map(rows.map((row) => [row.threadId, row]));
}

/**
 * Moves a participant's read mark in a thread forward to `message`; a mark already at or past it
 * stays (read marks never move back).
 */
export async function advanceReadMark(
  tx: Tx,
  { firmId, participant, message }: { firmId: string; participant: ParticipantRef; message: MessageRow },
): Promise<void> {
  await tx
    .insert(messageReadStates)
    .values({
      firmId,
      threadId: message.threadId,
      participantKind: participant.kind,
      participantId: participant.id,
      lastReadMessageId: message.id,
      lastReadSentAt: message.sentAt,
    })
    .onConflictDoUpdate({
      target: [
        messageReadStates.firmId,
        messageReadStates.threadId,
        messageReadStates.participantKind,
        messageReadStates.participantId,
      ],
      set: { lastReadMessageId: message.id, lastReadSentAt: message.sentAt, updatedAt: sql`now()` },
      setWhere: sql`(${messageReadStates.lastReadSentAt}, ${messageReadStates.lastReadMessageId}) < (${message.sentAt.toISOString()}::timestamptz, ${message.id}::uuid)`,
    });
}

/**
 * Unread messages per thread for one participant: messages after their read mark (all, without
 * one) that are neither their own nor deleted. Threads with none are absent from the map.
 */
export async function countUnreadByThread(
  tx: Tx,
  { firmId, threadIds, participant }: { firmId: string; threadIds: readonly string[]; participant: ParticipantRef },
): Promise<Map<string, number>> {
  return countUnread(tx, { firmId, participant, threads: sql`t.id in ${uuidList(threadIds)}`, per: 'thread_id' });
}

/**
 * Unread messages per client for one participant, over the client's threads (see
 * `countUnreadByThread`). Clients with none are absent from the map.
 */
export async function countUnreadByClient(
  tx: Tx,
  { firmId, clientIds, participant }: { firmId: string; clientIds: readonly string[]; participant: ParticipantRef },
): Promise<Map<string, number>> {
  return countUnread(tx, {
    firmId,
    participant,
    threads: sql`t.client_id in ${uuidList(clientIds)}`,
    per: 'client_id',
  });
}

/**
 * Counts, per thread or per client, the participant's unread messages in the threads `threads`
 * selects (a condition on `t`, `crm.message_threads`).
 *
 * The read mark of each thread is first made a plain row value, `(-infinity, nil uuid)` when the
 * participant has none, in a materialized CTE. The messages are then read by a range of
 * `messages_thread_sent_idx` from that mark. Compared through `OR r.thread_id IS NULL` (never an
 * index condition) or `coalesce()` on the join (not leakproof, so under row-level security not
 * one either), the mark was only a filter, and every message of every thread was read (10-14 ms
 * for a client with 725 threads, docs/benchmarks.md).
 */
async function countUnread(
  tx: Tx,
  {
    firmId,
    participant,
    threads,
    per,
  }: { firmId: string; participant: ParticipantRef; threads: SQL; per: 'thread_id' | 'client_id' },
): Promise<Map<string, number>> {
  const rows = await tx.execute<{ key: string; unread: number }>(sql`
    with marks as materialized (
      select t.id as thread_id, t.client_id,
             coalesce(r.last_read_sent_at, '-infinity'::timestamptz) as read_at,
             coalesce(r.last_read_message_id, '00000000-0000-0000-0000-000000000000'::uuid) as read_id
      from crm.message_threads t
      left join crm.message_read_states r
        on r.firm_id = t.firm_id and r.thread_id = t.id
       and r.participant_kind = ${participant.kind} and r.participant_id = ${participant.id}
      where t.firm_id = ${firmId} and ${threads}
    )
    select k.${sql.raw(per)} as key, count(*)::int as unread
    from marks k
    join crm.messages m
      on m.firm_id = ${firmId} and m.thread_id = k.thread_id and (m.sent_at, m.id) > (k.read_at, k.read_id)
    where m.deleted_at is null
      and not (m.author_kind = ${participant.kind} and m.author_id = ${participant.id})
    group by 1`);
  return new Map(rows.map((row) => [row.key, row.unread]));
}

/**
 * The documents subgraph's check of attachments (migration 0003): which of `documentIds` name
 * documents of `clientId` in the transaction's firm. crm never reads documents' table itself.
 */
export async function getAttachableDocumentIds(
  tx: Tx,
  { clientId, documentIds }: { clientId: string; documentIds: readonly string[] },
): Promise<Set<string>> {
  const rows = await tx.execute<{ id: string }>(
    sql`select id from documents.attachable_document_ids(${clientId}::uuid, array[${sql.join(
      documentIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )}]) as id`,
  );
  return new Set(rows.map((row) => row.id));
}
