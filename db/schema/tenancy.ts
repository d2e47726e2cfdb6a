import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  pgPolicy,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { currentFirmId, currentUserId, tenantIsolationPolicy } from './tenant-policy.ts';

/** The tenancy subgraph's PostgreSQL schema. */
export const tenancy = pgSchema('tenancy');

/** Staff roles in a firm, highest first. */
export const roleEnum = tenancy.enum('role', ['OWNER', 'ADMIN', 'MANAGER', 'STAFF']);

/** A firm is the tenant: its own row is visible in its own context, or to its members. */
export const firms = tenancy.table(
  'firms',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    /** Firm security policy: OWNER and ADMIN members must have MFA enabled to act in the firm. */
    requireMfaForAdmins: boolean('require_mfa_for_admins').notNull().default(false),
    /** Days the firm's audit log keeps records before pruning may drop them: 30 to 36500, default 7 years. */
    auditRetentionDays: integer('audit_retention_days').notNull().default(2555),
  },
  (t) => [
    check('firms_audit_retention_days_check', sql`${t.auditRetentionDays} between 30 and 36500`),
    pgPolicy('firms_tenant_isolation', {
      as: 'permissive',
      for: 'all',
      using: sql`id = ${currentFirmId}`,
      withCheck: sql`id = ${currentFirmId}`,
    }),
    // A signed-in user can see the names of every firm they belong to (firm switcher).
    pgPolicy('firms_member_read', {
      as: 'permissive',
      for: 'select',
      using: sql`exists (select 1 from tenancy.memberships m where m.firm_id = firms.id and m.user_id = ${currentUserId})`,
    }),
  ],
);

/** Platform-wide (a user can belong to several firms); a Citus reference table. No firm_id, no RLS. */
export const users = tenancy.table('users', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date', precision: 3 }),
});

/** A user's role in one firm; a user may have one membership per firm. */
export const memberships = tenancy.table(
  'memberships',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    role: roleEnum('role').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('memberships_firm_user_key').on(t.firmId, t.userId),
    foreignKey({ columns: [t.firmId], foreignColumns: [firms.id], name: 'memberships_firm_fk' }),
    index('memberships_user_idx').on(t.userId),
    tenantIsolationPolicy('memberships'),
    // A signed-in user can list their own memberships across firms.
    pgPolicy('memberships_own_read', {
      as: 'permissive',
      for: 'select',
      using: sql`user_id = ${currentUserId}`,
    }),
  ],
);

/** A signed-in session of one user. Platform-wide; the active firm can change during the session. */
export const sessions = tenancy.table(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    activeFirmId: uuid('active_firm_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date', precision: 3 }),
    /** When the session was signed in with a second factor (`verifyMfaChallenge`); null for a password-only sign-in. */
    mfaVerifiedAt: timestamp('mfa_verified_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Rotating refresh tokens: each is single-use; reuse of a used one revokes its session. */
export const refreshTokens = tenancy.table(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [index('refresh_tokens_session_idx').on(t.sessionId)],
);

/** Pending invitations to join a firm; the token is stored only as a SHA-256 hash. */
export const invitations = tenancy.table(
  'invitations',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    email: text('email').notNull(),
    role: roleEnum('role').notNull(),
    tokenHash: text('token_hash').notNull(),
    invitedByUserId: uuid('invited_by_user_id')
      .notNull()
      .references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('invitations_firm_token_key').on(t.firmId, t.tokenHash),
    foreignKey({ columns: [t.firmId], foreignColumns: [firms.id], name: 'invitations_firm_fk' }),
    tenantIsolationPolicy('invitations'),
  ],
);

/** A stored firm. */
export type FirmRow = typeof firms.$inferSelect;
/** A stored user; `passwordHash` is an argon2id PHC string. */
export type UserRow = typeof users.$inferSelect;
/** A stored membership. */
export type MembershipRow = typeof memberships.$inferSelect;
/** A stored session. */
export type SessionRow = typeof sessions.$inferSelect;
/** A stored invitation. */
export type InvitationRow = typeof invitations.$inferSelect;
/** `OWNER`, `ADMIN`, `MANAGER` or `STAFF`. */
export type RoleValue = (typeof roleEnum.enumValues)[number];
