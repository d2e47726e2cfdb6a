import { sql } from 'drizzle-orm';
import { check, foreignKey, index, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import type { Permission } from '../../platform/permissions.ts';
import { tenancy, firms, users } from './tenancy.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/**
 * A partner integration's API key: one firm, a list of permission scopes, an expiry. The secret
 * itself is never stored, only its SHA-256 hex (`token_hash`) and the last four characters for
 * display. The key names its firm (`parseApiKey`), so the gateway looks it up by
 * (firm_id, token_hash) under that firm's row-level security, like any other tenant row.
 */
export const apiKeys = tenancy.table(
  'api_keys',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    /** Last four characters of the secret, so people can tell keys apart. */
    tokenLast4: text('token_last4').notNull(),
    tokenHash: text('token_hash').notNull(),
    scopes: text('scopes').array().notNull().$type<Permission[]>(),
    createdByUserId: uuid('created_by_user_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date', precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    // The gateway's lookup; firm_id leads so Citus can distribute it.
    unique('api_keys_firm_token_hash_key').on(t.firmId, t.tokenHash),
    index('api_keys_firm_created_idx').on(t.firmId, t.createdAt, t.id),
    foreignKey({ columns: [t.firmId], foreignColumns: [firms.id], name: 'api_keys_firm_fk' }),
    check('api_keys_token_hash_sha256', sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
    tenantIsolationPolicy('api_keys'),
  ],
);

/** A stored API key (no secret: only its hash and last four characters). */
export type ApiKeyRow = typeof apiKeys.$inferSelect;
