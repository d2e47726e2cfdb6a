import { sql } from 'drizzle-orm';
import { bigint, check, index, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/** The documents subgraph's PostgreSQL schema. */
export const documents = pgSchema('documents');

/** Document metadata per client; `sizeBytes` is the current version's size in bytes. */
export const documentRecords = documents.table(
  'documents',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    index('documents_firm_client_created_idx').on(t.firmId, t.clientId, t.createdAt, t.id),
    check('documents_size_nonnegative', sql`${t.sizeBytes} >= 0`),
    tenantIsolationPolicy('documents'),
  ],
);

/** A stored document record. */
export type DocumentRow = typeof documentRecords.$inferSelect;
