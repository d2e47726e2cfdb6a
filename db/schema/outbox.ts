import { sql } from 'drizzle-orm';
import { index, jsonb, primaryKey, text, timestamp, uuid, type PgSchema } from 'drizzle-orm/pg-core';
import { billing } from './billing.ts';
import { crm } from './crm.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';
import { tenancy } from './tenancy.ts';

/**
 * A subgraph's transactional outbox, `<schema>.outbox_events` (README "Architecture"): an event row
 * commits with the change it describes, and the dispatcher (platform/outbox.ts) publishes it to the
 * event bus and sets `published_at`. `topic` and `payload` are a `BusEvent`'s (platform/event-bus.ts);
 * payloads hold ids only. Every outbox has the same shape, and the same owner-only dispatcher
 * functions `<schema>.claim_outbox_events`, `mark_outbox_events_published` and `prune_outbox_events`.
 */
function outboxTable(schema: PgSchema) {
  return schema.table(
    'outbox_events',
    {
      firmId: uuid('firm_id').notNull(),
      id: uuid('id').notNull(),
      topic: text('topic').notNull(),
      payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
      createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
      publishedAt: timestamp('published_at', { withTimezone: true, mode: 'date', precision: 3 }),
    },
    (t) => [
      primaryKey({ columns: [t.firmId, t.id] }),
      // The dispatcher's queue: unpublished events, oldest first.
      index('outbox_events_unpublished_idx')
        .on(t.createdAt, t.id)
        .where(sql`${t.publishedAt} is null`),
      tenantIsolationPolicy('outbox_events'),
    ],
  );
}

/** tenancy's outbox: credential revocations (`credential.revoked`). */
export const tenancyOutboxEvents = outboxTable(tenancy);

/** crm's outbox: messaging events (`message.added`, `message.updated`, `thread.updated`). */
export const crmOutboxEvents = outboxTable(crm);

/** billing's outbox: a staff member's timer changes (`timer.changed`). */
export const billingOutboxEvents = outboxTable(billing);
