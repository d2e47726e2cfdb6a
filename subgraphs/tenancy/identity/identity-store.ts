import { and, asc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Database, Tx } from '../../../db/client.ts';
import { publishRevocations } from '../revocations.ts';
import {
  firms,
  invitations,
  memberships,
  refreshTokens,
  sessions,
  users,
  type FirmRow,
  type InvitationRow,
  type MembershipRow,
  type SessionRow,
  type UserRow,
} from '../../../db/schema/tenancy.ts';

/** The user with this id unless disabled, or undefined. */
export async function findEnabledUser(tx: Tx, { userId }: { userId: string }): Promise<UserRow | undefined> {
  const [row] = await tx
    .select()
    .from(users)
    .where(and(eq(users.id, userId), isNull(users.disabledAt)));
  return row;
}

/** The user with this (lower-cased) email, or undefined. */
export async function findUserByEmail(tx: Tx, { email }: { email: string }): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.email, email));
  return row;
}

/**
 * Users with these ids that the transaction's actor may see: the actor themself (a staff user;
 * null for a portal user), and members of the active firm (`app.firm_id`; the membership join is
 * under RLS).
 */
export async function getVisibleUsersByIds(
  tx: Tx,
  { firmId, actorUserId, userIds }: { firmId: string | null; actorUserId: string | null; userIds: readonly string[] },
): Promise<UserRow[]> {
  const sameFirm = firmId
    ? sql`exists (select 1 from ${memberships} m where m.firm_id = ${firmId} and m.user_id = ${users.id})`
    : sql`false`;
  return tx
    .select()
    .from(users)
    .where(and(inArray(users.id, [...userIds]), sql`(${users.id} = ${actorUserId} or ${sameFirm})`));
}

/** Firms with these ids that RLS lets the transaction see (the active firm and the user's own firms). */
export async function getVisibleFirmsByIds(tx: Tx, { firmIds }: { firmIds: readonly string[] }): Promise<FirmRow[]> {
  return tx
    .select()
    .from(firms)
    .where(inArray(firms.id, [...firmIds]));
}

/** Every membership of one user across firms, oldest first (visible through the own-membership policy). */
export async function listUserMemberships(tx: Tx, { userId }: { userId: string }): Promise<MembershipRow[]> {
  return tx
    .select()
    .from(memberships)
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(memberships.id));
}

/** One page of a firm's memberships, oldest first, keyed by (created_at, id). */
export async function listFirmMemberships(
  tx: Tx,
  { firmId, after, limit }: { firmId: string; after: readonly [string, string] | null; limit: number },
): Promise<MembershipRow[]> {
  const conditions = [eq(memberships.firmId, firmId)];
  if (after)
    conditions.push(sql`(${memberships.createdAt}, ${memberships.id}) > (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  return tx
    .select()
    .from(memberships)
    .where(and(...conditions))
    .orderBy(asc(memberships.createdAt), asc(memberships.id))
    .limit(limit + 1);
}

/** Number of members of a firm. */
export async function countFirmMemberships(tx: Tx, { firmId }: { firmId: string }): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(memberships)
    .where(eq(memberships.firmId, firmId));
  return row?.count ?? 0;
}

/** The membership of `userId` in `firmId`, or undefined. */
export async function findMembership(
  tx: Tx,
  { firmId, userId }: { firmId: string; userId: string },
): Promise<MembershipRow | undefined> {
  const [row] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.firmId, firmId), eq(memberships.userId, userId)));
  return row;
}

/** True when a user with this email is already a member of the firm. */
export async function isMemberByEmail(tx: Tx, { firmId, email }: { firmId: string; email: string }): Promise<boolean> {
  const rows = await tx
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.firmId, firmId), eq(users.email, email)));
  return rows.length > 0;
}

/** Inserts a user. @throws the unique violation `users_email_unique` when the email is taken. */
export async function insertUser(tx: Tx, values: typeof users.$inferInsert): Promise<UserRow> {
  const [row] = await tx.insert(users).values(values).returning();
  return row!;
}

/** Inserts a firm; the transaction's `app.firm_id` must be the new firm's id (RLS `WITH CHECK`). */
export async function insertFirm(tx: Tx, values: typeof firms.$inferInsert): Promise<FirmRow> {
  const [row] = await tx.insert(firms).values(values).returning();
  return row!;
}

/** Inserts a membership in the transaction's firm. */
export async function insertMembership(tx: Tx, values: typeof memberships.$inferInsert): Promise<MembershipRow> {
  const [row] = await tx.insert(memberships).values(values).returning();
  return row!;
}

/** Inserts a session (its refresh tokens are added with `insertRefreshToken`). */
export async function insertSession(tx: Tx, values: typeof sessions.$inferInsert): Promise<SessionRow> {
  const [row] = await tx.insert(sessions).values(values).returning();
  return row!;
}

/**
 * Marks an unused, unexpired refresh token as used, atomically, and returns its live session.
 * Returns `{ reused: sessionId }` when the token exists but was already used (token theft signal),
 * and undefined when it is unknown, expired or its session is over.
 */
export async function consumeRefreshToken(
  tx: Tx,
  { tokenHash }: { tokenHash: string },
): Promise<{ session: SessionRow } | { reused: string } | undefined> {
  const [consumed] = await tx
    .update(refreshTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(refreshTokens.tokenHash, tokenHash),
        isNull(refreshTokens.usedAt),
        gt(refreshTokens.expiresAt, sql`now()`),
      ),
    )
    .returning({ sessionId: refreshTokens.sessionId });
  if (!consumed) {
    const [existing] = await tx
      .select({ sessionId: refreshTokens.sessionId, usedAt: refreshTokens.usedAt })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash));
    return existing?.usedAt ? { reused: existing.sessionId } : undefined;
  }
  const [session] = await tx
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, consumed.sessionId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)));
  return session ? { session } : undefined;
}

/** Adds a new refresh token to a session. */
export async function insertRefreshToken(tx: Tx, values: typeof refreshTokens.$inferInsert): Promise<void> {
  await tx.insert(refreshTokens).values(values);
}

/**
 * Revokes a session (idempotent); its access and refresh tokens stop working, and gateways drop
 * its cached resolution (`publishRevocations`). @returns true if it was live.
 */
export async function revokeSession(tx: Tx, { sessionId }: { sessionId: string }): Promise<boolean> {
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ id: sessions.id, firmId: sessions.activeFirmId });
  await publishRevocations(
    tx,
    rows.map((row) => ({ firmId: row.firmId, subject: `session:${row.id}` })),
  );
  return rows.length > 0;
}

/**
 * Revokes every live session of a user except `exceptSessionId` (all of them when null): the one
 * revocation point of a password change, an MFA change and disabling a user. Refresh tokens of a
 * revoked session stop working, and gateways drop the sessions' cached resolutions
 * (`publishRevocations`), so their access tokens are refused from the next request on; WebSocket
 * connections re-check the same `revoked_at` mark. @returns the ids of the sessions revoked.
 */
export async function revokeUserSessions(
  tx: Tx,
  { userId, exceptSessionId }: { userId: string; exceptSessionId: string | null },
): Promise<string[]> {
  const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt)];
  if (exceptSessionId) conditions.push(ne(sessions.id, exceptSessionId));
  const rows = await tx
    .update(sessions)
    .set({ revokedAt: sql`now()` })
    .where(and(...conditions))
    .returning({ id: sessions.id, firmId: sessions.activeFirmId });
  await publishRevocations(
    tx,
    rows.map((row) => ({ firmId: row.firmId, subject: `session:${row.id}` })),
  );
  return rows.map((row) => row.id);
}

/** Replaces a user's password hash (argon2id PHC string). */
export async function updatePasswordHash(
  tx: Tx,
  { userId, passwordHash }: { userId: string; passwordHash: string },
): Promise<void> {
  await tx
    .update(users)
    .set({ passwordHash, updatedAt: sql`now()` })
    .where(eq(users.id, userId));
}

/** Marks a user disabled (idempotent). @returns true when the user was enabled until now. */
export async function markUserDisabled(tx: Tx, { userId }: { userId: string }): Promise<boolean> {
  const rows = await tx
    .update(users)
    .set({ disabledAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(users.id, userId), isNull(users.disabledAt)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** Sets the firm's MFA requirement for OWNER and ADMIN members; the transaction must act in that firm. */
export async function setFirmRequireMfaForAdmins(
  tx: Tx,
  { firmId, requireMfaForAdmins }: { firmId: string; requireMfaForAdmins: boolean },
): Promise<FirmRow | undefined> {
  const [row] = await tx.update(firms).set({ requireMfaForAdmins }).where(eq(firms.id, firmId)).returning();
  return row;
}

/** Points a session at another active firm. */
export async function setSessionActiveFirm(
  tx: Tx,
  { sessionId, firmId }: { sessionId: string; firmId: string },
): Promise<void> {
  await tx.update(sessions).set({ activeFirmId: firmId }).where(eq(sessions.id, sessionId));
}

/** A live staff session as the gateway's check sees it (`findLiveSession`). */
export interface LiveSession {
  activeFirmId: string | null;
  /** The user's role in the session's active firm; null without one, or when the membership is gone. */
  role: MembershipRow['role'] | null;
  userDisabled: boolean;
  firmRequiresMfaForAdmins: boolean;
  mfaEnabled: boolean;
  /** True when the session was signed in with a second factor (`sessions.mfa_verified_at`). */
  mfaVerified: boolean;
}

/**
 * The live session with this id for this user, with the user's role in its active firm and
 * what the MFA policy needs; undefined when revoked, expired or not the user's. One statement,
 * `tenancy.live_session` (migration 0005), which sets the unit's tenant scope (no firm, this
 * user) inside its own transaction, so it runs outside `withTenant`: this is the check every
 * staff request pays for, and the unit's BEGIN, setting and COMMIT were three of its four
 * round trips.
 */
export async function findLiveSession(
  database: Database,
  { sessionId, userId }: { sessionId: string; userId: string },
): Promise<LiveSession | undefined> {
  const [row] = await database.db.execute<{
    active_firm_id: string | null;
    role: MembershipRow['role'] | null;
    user_disabled: boolean;
    firm_requires_mfa_for_admins: boolean;
    mfa_enabled: boolean;
    mfa_verified: boolean;
  }>(sql`select * from tenancy.live_session(${sessionId}::uuid, ${userId}::uuid)`);
  return row
    ? {
        activeFirmId: row.active_firm_id,
        role: row.role,
        userDisabled: row.user_disabled,
        firmRequiresMfaForAdmins: row.firm_requires_mfa_for_admins,
        mfaEnabled: row.mfa_enabled,
        mfaVerified: row.mfa_verified,
      }
    : undefined;
}

/** Inserts an invitation in the transaction's firm. */
export async function insertInvitation(tx: Tx, values: typeof invitations.$inferInsert): Promise<InvitationRow> {
  const [row] = await tx.insert(invitations).values(values).returning();
  return row!;
}

/** Locks and returns a pending, unexpired invitation by token hash, or undefined. */
export async function findPendingInvitationForUpdate(
  tx: Tx,
  key: { firmId: string; tokenHash: string } | { firmId: string; invitationId: string },
): Promise<InvitationRow | undefined> {
  const [row] = await tx
    .select()
    .from(invitations)
    .where(
      and(
        eq(invitations.firmId, key.firmId),
        'tokenHash' in key ? eq(invitations.tokenHash, key.tokenHash) : eq(invitations.id, key.invitationId),
        isNull(invitations.acceptedAt),
        gt(invitations.expiresAt, sql`now()`),
      ),
    )
    .for('update');
  return row;
}

/** Marks an invitation accepted. */
export async function markInvitationAccepted(
  tx: Tx,
  { firmId, invitationId }: { firmId: string; invitationId: string },
): Promise<void> {
  await tx
    .update(invitations)
    .set({ acceptedAt: sql`now()` })
    .where(and(eq(invitations.firmId, firmId), eq(invitations.id, invitationId)));
}
