import { bigint, index, integer, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenancy, users } from './tenancy.ts';

// Users are platform-wide (a Citus reference table, no firm_id), so their second factor, their
// log-in challenges and the sign-in throttle are platform-wide too: no firm_id, no RLS.

/**
 * A user's TOTP authenticator (RFC 6238). `secretCiphertext` is the base32 secret sealed with
 * AES-256-GCM (see subgraphs/tenancy/mfa/secret-box.ts). `enabledAt` is null while enrolment is
 * pending confirmation. `lastUsedStep` is the last accepted time step: a code of that step or an
 * earlier one is refused, so each code is single-use.
 */
export const userTotp = tenancy.table('user_totp', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  secretCiphertext: text('secret_ciphertext').notNull(),
  enabledAt: timestamp('enabled_at', { withTimezone: true, mode: 'date', precision: 3 }),
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
});

/** One-time backup codes of a user's MFA, stored as SHA-256 hex; `usedAt` set when consumed. */
export const mfaBackupCodes = tenancy.table(
  'mfa_backup_codes',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    codeHash: text('code_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

/**
 * The second step of a log-in for a user with MFA: a short-lived, single-use challenge token
 * (stored as SHA-256 hex) that `verifyMfaChallenge` exchanges, with a code, for a session.
 */
export const mfaChallenges = tenancy.table(
  'mfa_challenges',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    tokenHash: text('token_hash').notNull().unique(),
    /** The firm the log-in asked to make active. */
    activeFirmId: uuid('active_firm_id'),
    /**
     * An invitation to `activeFirmId` that this sign-in accepts once the second factor is proven:
     * the membership is created only then, never before the user passed MFA.
     */
    invitationId: uuid('invitation_id'),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true, mode: 'date', precision: 3 }),
  },
  (t) => [index('mfa_challenges_user_idx').on(t.userId)],
);

/**
 * Sign-in attempts per normalized email (SHA-256 hex of it, so emails that have no account are
 * not stored in clear), whether or not an account exists: PCI DSS 8.3.4 lockout.
 */
export const loginThrottles = tenancy.table('login_throttles', {
  emailHash: text('email_hash').primaryKey(),
  /** Attempts since the last success or the end of the last lock, including ones refused while locked. */
  attempts: integer('attempts').notNull(),
  lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date', precision: 3 }),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
});

/** A stored TOTP authenticator. */
export type UserTotpRow = typeof userTotp.$inferSelect;
/** A stored MFA log-in challenge. */
export type MfaChallengeRow = typeof mfaChallenges.$inferSelect;
