import { sql } from 'drizzle-orm';
import { check, foreignKey, index, primaryKey, integer, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenancy, firms } from './tenancy.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/**
 * People who run the platform. Platform-wide like `users` (a Citus reference table): no firm_id,
 * no RLS, and no tenant data of their own. Created only by `npm run operator:create`.
 */
export const platformOperators = tenancy.table('platform_operators', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  /** argon2id PHC string. */
  passwordHash: text('password_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date', precision: 3 }),
});

/** A signed-in operator session; revoking it ends every operator token issued for it. */
export const operatorSessions = tenancy.table(
  'operator_sessions',
  {
    id: uuid('id').primaryKey(),
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => platformOperators.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [index('operator_sessions_operator_idx').on(t.operatorId)],
);

/**
 * A break-glass grant: one operator may read one firm's data, read-only, for `minutes` (at most
 * 240) from `starts_at`. `starts_at`/`expires_at` stay null until the grant is approved by a second
 * operator (or, with BREAK_GLASS_APPROVAL=optional, are set at request time), so a grant is live
 * exactly when `starts_at <= now() < expires_at` and `revoked_at` is null.
 */
export const breakGlassGrants = tenancy.table(
  'break_glass_grants',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => platformOperators.id),
    reason: text('reason').notNull(),
    minutes: integer('minutes').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    approvedByOperatorId: uuid('approved_by_operator_id').references(() => platformOperators.id),
    approvedAt: timestamp('approved_at', { withTimezone: true, mode: 'date', precision: 3 }),
    startsAt: timestamp('starts_at', { withTimezone: true, mode: 'date', precision: 3 }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({ columns: [t.firmId], foreignColumns: [firms.id], name: 'break_glass_grants_firm_fk' }),
    index('break_glass_grants_firm_requested_idx').on(t.firmId, t.requestedAt, t.id),
    check('break_glass_grants_minutes_range', sql`${t.minutes} between 1 and 240`),
    check('break_glass_grants_reason_length', sql`char_length(${t.reason}) between 10 and 1000`),
    check(
      'break_glass_grants_second_approver',
      sql`${t.approvedByOperatorId} is null or ${t.approvedByOperatorId} <> ${t.operatorId}`,
    ),
    check('break_glass_grants_window', sql`(${t.startsAt} is null) = (${t.expiresAt} is null)`),
    tenantIsolationPolicy('break_glass_grants'),
  ],
);

/** A stored platform operator. */
export type PlatformOperatorRow = typeof platformOperators.$inferSelect;
/** A stored operator session. */
export type OperatorSessionRow = typeof operatorSessions.$inferSelect;
/** A stored break-glass grant. */
export type BreakGlassGrantRow = typeof breakGlassGrants.$inferSelect;
