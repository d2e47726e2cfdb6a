import { sql } from 'drizzle-orm';
import { check, index, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/** The crm subgraph's PostgreSQL schema. */
export const crm = pgSchema('crm');

/** Client lifecycle: ACTIVE, or ARCHIVED once the firm stops working with the client. */
export const clientStatusEnum = crm.enum('client_status', ['ACTIVE', 'ARCHIVED']);

/** Client accounts of a firm; `currency` is the ISO 4217 code the client is billed in. */
export const clients = crm.table(
  'clients',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    /**
     * `lower(name)`, stored: the list's sort key. A plain column rather than an expression index,
     * because under row-level security only leakproof conditions reach an index and `lower()` is
     * not leakproof: on `lower(name)` the keyset condition of a later page was only a filter, and
     * each page scanned the firm's clients from the first.
     */
    nameKey: text('name_key')
      .notNull()
      .generatedAlwaysAs(sql`lower(name)`),
    email: text('email'),
    phone: text('phone'),
    website: text('website'),
    currency: text('currency').notNull(),
    status: clientStatusEnum('status').notNull().default('ACTIVE'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    // Serves the list order (name, id) within a firm: the first page and every keyset page are an
    // ordered scan of this index. The status is a filter: enum equality is not leakproof, so under
    // row-level security it could not be an index condition in any case.
    index('clients_firm_name_key_idx').on(t.firmId, t.nameKey, t.id),
    check('clients_currency_iso4217', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    tenantIsolationPolicy('clients'),
  ],
);

/** A stored client account. */
export type ClientRow = typeof clients.$inferSelect;
/** `ACTIVE` or `ARCHIVED`. */
export type ClientStatusValue = (typeof clientStatusEnum.enumValues)[number];
