import { sql } from 'drizzle-orm';
import { check, foreignKey, index, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clients, crm } from './crm.ts';
import { engagements } from './engagements.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/** Who takes part in a thread: a staff user of the firm, or a portal user of the client. */
export const participantKindEnum = crm.enum('participant_kind', ['STAFF', 'PORTAL']);

/** How a message body is written: plain text, or the safe Markdown subset (never HTML). */
export const messageFormatEnum = crm.enum('message_format', ['PLAIN', 'MARKDOWN']);

/**
 * The firm's staff users on a client's team: they take part in the client's message threads.
 * `user_id` names a tenancy user; tenancy owns memberships, so a user who leaves the firm keeps
 * the row but can no longer act in the firm at all.
 */
export const clientTeamMembers = crm.table(
  'client_team_members',
  {
    firmId: uuid('firm_id').notNull(),
    clientId: uuid('client_id').notNull(),
    userId: uuid('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.clientId, t.userId] }),
    foreignKey({ columns: [t.firmId, t.clientId], foreignColumns: [clients.firmId, clients.id] }).onDelete('cascade'),
    // "Which clients is this user on?" (thread lists and unread counts for a staff viewer).
    index('client_team_members_user_idx').on(t.firmId, t.userId),
    tenantIsolationPolicy('client_team_members'),
  ],
);

/** A conversation between the firm and one client. */
export const messageThreads = crm.table(
  'message_threads',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    // The engagement the thread is about, if any: one of the thread's client (the composite key below).
    engagementId: uuid('engagement_id'),
    subject: text('subject').notNull(),
    createdByKind: participantKindEnum('created_by_kind').notNull(),
    createdById: uuid('created_by_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({ columns: [t.firmId, t.clientId], foreignColumns: [clients.firmId, clients.id] }),
    foreignKey({
      columns: [t.firmId, t.clientId, t.engagementId],
      foreignColumns: [engagements.firmId, engagements.clientId, engagements.id],
      name: 'message_threads_engagement_fk',
    }),
    // A client's threads, most recently active first.
    index('message_threads_client_activity_idx').on(
      t.firmId,
      t.clientId,
      sql`coalesce(${t.lastMessageAt}, ${t.createdAt}) desc`,
      t.id,
    ),
    check('message_threads_subject_length', sql`char_length(${t.subject}) between 1 and 200`),
    tenantIsolationPolicy('message_threads'),
  ],
);

/**
 * One message. A deleted message stays as a tombstone: body null, no attachments, `deleted_at` set.
 * `attachment_ids` names documents-subgraph documents; crm never reads their table (documents
 * resolves `Message.attachments` and checks them there).
 */
export const messages = crm.table(
  'messages',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    threadId: uuid('thread_id').notNull(),
    authorKind: participantKindEnum('author_kind').notNull(),
    authorId: uuid('author_id').notNull(),
    body: text('body'),
    format: messageFormatEnum('format').notNull(),
    attachmentIds: uuid('attachment_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    editedAt: timestamp('edited_at', { withTimezone: true, mode: 'date', precision: 3 }),
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({ columns: [t.firmId, t.threadId], foreignColumns: [messageThreads.firmId, messageThreads.id] }),
    // History pages and unread counts walk a thread in (sent_at, id) order.
    index('messages_thread_sent_idx').on(t.firmId, t.threadId, t.sentAt, t.id),
    check('messages_body_length', sql`char_length(${t.body}) between 1 and 10000`),
    check('messages_tombstone', sql`(${t.deletedAt} is null) = (${t.body} is not null)`),
    check('messages_attachment_count', sql`cardinality(${t.attachmentIds}) <= 10`),
    tenantIsolationPolicy('messages'),
  ],
);

/**
 * How far each participant has read each thread: the newest message they have read, as its
 * (sent_at, id) sort key, so unread counts compare keys without a join.
 */
export const messageReadStates = crm.table(
  'message_read_states',
  {
    firmId: uuid('firm_id').notNull(),
    threadId: uuid('thread_id').notNull(),
    participantKind: participantKindEnum('participant_kind').notNull(),
    participantId: uuid('participant_id').notNull(),
    lastReadMessageId: uuid('last_read_message_id').notNull(),
    lastReadSentAt: timestamp('last_read_sent_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.threadId, t.participantKind, t.participantId] }),
    foreignKey({ columns: [t.firmId, t.threadId], foreignColumns: [messageThreads.firmId, messageThreads.id] }),
    foreignKey({ columns: [t.firmId, t.lastReadMessageId], foreignColumns: [messages.firmId, messages.id] }),
    tenantIsolationPolicy('message_read_states'),
  ],
);

/** `STAFF` or `PORTAL`. */
export type ParticipantKind = (typeof participantKindEnum.enumValues)[number];
/** `PLAIN` or `MARKDOWN`. */
export type MessageFormatValue = (typeof messageFormatEnum.enumValues)[number];
/** A stored thread. */
export type MessageThreadRow = typeof messageThreads.$inferSelect;
/** A stored message (a tombstone when `deletedAt` is set). */
export type MessageRow = typeof messages.$inferSelect;
