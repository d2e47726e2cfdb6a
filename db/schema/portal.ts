import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgPolicy, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { firms, tenancy, users } from './tenancy.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * A client's contact with access to the firm's client portal. `contactId` names the crm `Contact`
 * it was invited as; `email` and `name` are copied from it at invitation. A portal user reaches the
 * clients in `portal_client_grants` and, when `organizationId` is set, every client of that crm
 * `ClientOrganization` (cross-client access within an organization). `passwordHash` (argon2id) is
 * null for users who sign in by magic link only; `activatedAt` is null until the invitation is accepted.
 */
export const portalUsers = tenancy.table(
  'portal_users',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    contactId: uuid('contact_id').notNull(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash'),
    organizationId: uuid('organization_id'),
    invitedByUserId: uuid('invited_by_user_id')
      .notNull()
      .references(() => users.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    activatedAt: ts('activated_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('portal_users_firm_email_key').on(t.firmId, t.email),
    unique('portal_users_firm_contact_key').on(t.firmId, t.contactId),
    foreignKey({ columns: [t.firmId], foreignColumns: [firms.id], name: 'portal_users_firm_fk' }),
    tenantIsolationPolicy('portal_users'),
  ],
);

/** The client accounts a portal user was granted one by one. */
export const portalClientGrants = tenancy.table(
  'portal_client_grants',
  {
    firmId: uuid('firm_id').notNull(),
    portalUserId: uuid('portal_user_id').notNull(),
    clientId: uuid('client_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.portalUserId, t.clientId] }),
    foreignKey({
      columns: [t.firmId, t.portalUserId],
      foreignColumns: [portalUsers.firmId, portalUsers.id],
      name: 'portal_client_grants_user_fk',
    }),
    tenantIsolationPolicy('portal_client_grants'),
  ],
);

/**
 * The email a portal sign-in is looking up (`app.portal_email`, set by `findPortalLogins` in its
 * transaction), or NULL.
 */
export const currentPortalEmail = sql`nullif(current_setting('app.portal_email', true), '')`;

/**
 * Directory of portal log-ins: which firm holds a live portal user for an email, so `logInPortal`
 * and `requestPortalLink` know which firm's rows to open before anyone is signed in. Holds no
 * secret; a row exists only while the portal user is live (revoking access deletes it). Rows are
 * written under their firm's RLS; before a firm is known, a transaction sees only the rows of the
 * one email it names in `app.portal_email` (like the own-membership policy for staff).
 */
export const portalLogins = tenancy.table(
  'portal_logins',
  {
    email: text('email').notNull(),
    firmId: uuid('firm_id').notNull(),
    firmSlug: text('firm_slug').notNull(),
    portalUserId: uuid('portal_user_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.email, t.firmId] }),
    tenantIsolationPolicy('portal_logins'),
    pgPolicy('portal_logins_email_lookup', {
      as: 'permissive',
      for: 'select',
      using: sql`${t.email} = ${currentPortalEmail}`,
    }),
  ],
);

/** Why a portal token was issued: an invitation (7 days) or a magic sign-in link (1 hour). */
export const portalTokenPurposeEnum = tenancy.enum('portal_token_purpose', ['INVITATION', 'MAGIC_LINK']);

/**
 * Single-use portal tokens, stored only as SHA-256 hex. The token names its firm
 * (`<firmId>.<secret>`), so it is looked up under that firm's RLS. A newer invitation supersedes
 * the older ones (`revokedAt`).
 */
export const portalTokens = tenancy.table(
  'portal_tokens',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    portalUserId: uuid('portal_user_id').notNull(),
    purpose: portalTokenPurposeEnum('purpose').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('portal_tokens_firm_token_hash_key').on(t.firmId, t.tokenHash),
    index('portal_tokens_user_idx').on(t.firmId, t.portalUserId),
    foreignKey({
      columns: [t.firmId, t.portalUserId],
      foreignColumns: [portalUsers.firmId, portalUsers.id],
      name: 'portal_tokens_user_fk',
    }),
    check('portal_tokens_token_hash_sha256', sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
    tenantIsolationPolicy('portal_tokens'),
  ],
);

/** A signed-in portal session; its rotating refresh tokens live in `portal_refresh_tokens`. */
export const portalSessions = tenancy.table(
  'portal_sessions',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    portalUserId: uuid('portal_user_id').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    index('portal_sessions_user_idx').on(t.firmId, t.portalUserId),
    foreignKey({
      columns: [t.firmId, t.portalUserId],
      foreignColumns: [portalUsers.firmId, portalUsers.id],
      name: 'portal_sessions_user_fk',
    }),
    tenantIsolationPolicy('portal_sessions'),
  ],
);

/** Rotating, single-use refresh tokens of portal sessions (SHA-256 hex); reuse revokes the session. */
export const portalRefreshTokens = tenancy.table(
  'portal_refresh_tokens',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    sessionId: uuid('session_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('portal_refresh_tokens_firm_token_hash_key').on(t.firmId, t.tokenHash),
    foreignKey({
      columns: [t.firmId, t.sessionId],
      foreignColumns: [portalSessions.firmId, portalSessions.id],
      name: 'portal_refresh_tokens_session_fk',
    }),
    tenantIsolationPolicy('portal_refresh_tokens'),
  ],
);

/** A stored portal user. */
export type PortalUserRow = typeof portalUsers.$inferSelect;
/** A stored portal token (hash only). */
export type PortalTokenRow = typeof portalTokens.$inferSelect;
/** A stored portal session. */
export type PortalSessionRow = typeof portalSessions.$inferSelect;
/** `INVITATION` or `MAGIC_LINK`. */
export type PortalTokenPurpose = (typeof portalTokenPurposeEnum.enumValues)[number];
