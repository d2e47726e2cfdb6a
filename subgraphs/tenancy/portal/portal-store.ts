import { and, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import {
  portalClientGrants,
  portalLogins,
  portalRefreshTokens,
  portalSessions,
  portalTokens,
  portalUsers,
  type PortalSessionRow,
  type PortalTokenPurpose,
  type PortalTokenRow,
  type PortalUserRow,
} from '../../../db/schema/portal.ts';
import { publishRevocations } from '../revocations.ts';

/** Inserts a portal user and returns the stored row. */
export async function insertPortalUser(tx: Tx, values: typeof portalUsers.$inferInsert): Promise<PortalUserRow> {
  const [row] = await tx.insert(portalUsers).values(values).returning();
  return row!;
}

/**
 * Which of a portal invitation's targets exist in the transaction's firm, asked of crm through its
 * `crm.portal_invitation_targets` function (db/migrations/0007_portal_invitation_targets.sql), so
 * tenancy never reads crm's tables. Another firm's ids are absent, as random ids are.
 * @returns whether the contact exists, the requested client ids that do not (in request order),
 *   and whether the organization exists (true when none was given).
 */
export async function portalInvitationTargets(
  tx: Tx,
  {
    contactId,
    clientIds,
    organizationId,
  }: { contactId: string; clientIds: readonly string[]; organizationId: string | null },
): Promise<{ contactExists: boolean; missingClientIds: string[]; organizationExists: boolean }> {
  const rows = (await tx.execute(sql`
    select contact_exists, missing_client_ids, organization_exists
    from crm.portal_invitation_targets(${contactId}::uuid, ${`{${clientIds.join(',')}}`}::uuid[], ${organizationId}::uuid)`)) as unknown as {
    contact_exists: boolean;
    missing_client_ids: string[];
    organization_exists: boolean;
  }[];
  const [row] = rows;
  return {
    contactExists: row!.contact_exists,
    missingClientIds: row!.missing_client_ids,
    organizationExists: row!.organization_exists,
  };
}

/**
 * The clients a portal user's contact reaches in the transaction's firm, of its grants: asked of
 * crm through `crm.portal_reach` (db/migrations/0009_portal_reach.sql), which keeps the rule of
 * contact links and organizations in crm. At most 1000 ids, in no particular order.
 */
export async function portalReach(
  tx: Tx,
  {
    contactId,
    clientIds,
    organizationId,
  }: { contactId: string; clientIds: readonly string[]; organizationId: string | null },
): Promise<string[]> {
  const rows = (await tx.execute(sql`
    select id from crm.portal_reach(${contactId}::uuid, ${`{${clientIds.join(',')}}`}::uuid[], ${organizationId}::uuid) as id`)) as unknown as {
    id: string;
  }[];
  return rows.map((row) => row.id);
}

/** A portal user of the firm with this contact or this email, if any (revoked ones included). */
export async function findPortalUserByContactOrEmail(
  tx: Tx,
  { firmId, contactId, email }: { firmId: string; contactId: string; email: string },
): Promise<PortalUserRow | undefined> {
  const [row] = await tx
    .select()
    .from(portalUsers)
    .where(and(eq(portalUsers.firmId, firmId), or(eq(portalUsers.contactId, contactId), eq(portalUsers.email, email))))
    .limit(1);
  return row;
}

/** The firm's portal users with these ids; unknown ids are absent. */
export async function getPortalUsersByIds(
  tx: Tx,
  { firmId, portalUserIds }: { firmId: string; portalUserIds: readonly string[] },
): Promise<PortalUserRow[]> {
  return tx
    .select()
    .from(portalUsers)
    .where(and(eq(portalUsers.firmId, firmId), inArray(portalUsers.id, [...portalUserIds])));
}

/** Locks and returns one portal user, or undefined. */
export async function getPortalUserForUpdate(
  tx: Tx,
  { firmId, portalUserId }: { firmId: string; portalUserId: string },
): Promise<PortalUserRow | undefined> {
  const [row] = await tx
    .select()
    .from(portalUsers)
    .where(and(eq(portalUsers.firmId, firmId), eq(portalUsers.id, portalUserId)))
    .for('update');
  return row;
}

/** Changes one portal user's row and returns it. */
export async function updatePortalUser(
  tx: Tx,
  {
    firmId,
    portalUserId,
    patch,
  }: {
    firmId: string;
    portalUserId: string;
    patch: Partial<Pick<PortalUserRow, 'passwordHash' | 'activatedAt' | 'revokedAt'>>;
  },
): Promise<PortalUserRow> {
  const [row] = await tx
    .update(portalUsers)
    .set(patch)
    .where(and(eq(portalUsers.firmId, firmId), eq(portalUsers.id, portalUserId)))
    .returning();
  return row!;
}

/** Grants a portal user these clients (existing grants are kept). */
export async function insertPortalClientGrants(
  tx: Tx,
  { firmId, portalUserId, clientIds }: { firmId: string; portalUserId: string; clientIds: readonly string[] },
): Promise<void> {
  if (clientIds.length === 0) return;
  await tx
    .insert(portalClientGrants)
    .values(clientIds.map((clientId) => ({ firmId, portalUserId, clientId })))
    .onConflictDoNothing();
}

/** (portal user, client) grants of these portal users. */
export async function grantsOfPortalUsers(
  tx: Tx,
  { firmId, portalUserIds }: { firmId: string; portalUserIds: readonly string[] },
): Promise<{ portalUserId: string; clientId: string }[]> {
  return tx
    .select({ portalUserId: portalClientGrants.portalUserId, clientId: portalClientGrants.clientId })
    .from(portalClientGrants)
    .where(and(eq(portalClientGrants.firmId, firmId), inArray(portalClientGrants.portalUserId, [...portalUserIds])));
}

/** Lists an email in the platform-wide portal log-in directory for one firm. */
export async function insertPortalLogin(tx: Tx, values: typeof portalLogins.$inferInsert): Promise<void> {
  await tx.insert(portalLogins).values(values).onConflictDoNothing();
}

/** Takes a portal user out of the log-in directory. */
export async function deletePortalLogin(tx: Tx, { firmId, email }: { firmId: string; email: string }): Promise<void> {
  await tx.delete(portalLogins).where(and(eq(portalLogins.email, email), eq(portalLogins.firmId, firmId)));
}

/**
 * Directory entries of an email, optionally only in the firm with `firmSlug` (at most 20). Sets
 * `app.portal_email` for the rest of the transaction: the lookup policy shows that email's rows only.
 */
export async function findPortalLogins(
  tx: Tx,
  { email, firmSlug }: { email: string; firmSlug: string | null },
): Promise<{ firmId: string; portalUserId: string }[]> {
  await tx.execute(sql`select set_config('app.portal_email', ${email}, true)`);
  return tx
    .select({ firmId: portalLogins.firmId, portalUserId: portalLogins.portalUserId })
    .from(portalLogins)
    .where(and(eq(portalLogins.email, email), firmSlug === null ? undefined : eq(portalLogins.firmSlug, firmSlug)))
    .limit(20);
}

/** Stores a new single-use token (hash only). */
export async function insertPortalToken(tx: Tx, values: typeof portalTokens.$inferInsert): Promise<void> {
  await tx.insert(portalTokens).values(values);
}

/** Revokes every unused token of one purpose of a portal user (a resend supersedes old invitations). */
export async function revokeUnusedPortalTokens(
  tx: Tx,
  { firmId, portalUserId, purpose }: { firmId: string; portalUserId: string; purpose: PortalTokenPurpose | null },
): Promise<void> {
  await tx
    .update(portalTokens)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(portalTokens.firmId, firmId),
        eq(portalTokens.portalUserId, portalUserId),
        purpose === null ? undefined : eq(portalTokens.purpose, purpose),
        isNull(portalTokens.usedAt),
        isNull(portalTokens.revokedAt),
      ),
    );
}

/**
 * Uses a single-use token atomically: marks it used when it is of `purpose`, unused, unrevoked and
 * unexpired. Two concurrent uses cannot both succeed (the UPDATE takes the row lock).
 * @returns the token row, or undefined when it cannot be used.
 */
export async function consumePortalToken(
  tx: Tx,
  { firmId, tokenHash, purpose }: { firmId: string; tokenHash: string; purpose: PortalTokenPurpose },
): Promise<PortalTokenRow | undefined> {
  const [row] = await tx
    .update(portalTokens)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(portalTokens.firmId, firmId),
        eq(portalTokens.tokenHash, tokenHash),
        eq(portalTokens.purpose, purpose),
        isNull(portalTokens.usedAt),
        isNull(portalTokens.revokedAt),
        gt(portalTokens.expiresAt, sql`now()`),
      ),
    )
    .returning();
  return row;
}

/** Starts a portal session. */
export async function insertPortalSession(
  tx: Tx,
  values: typeof portalSessions.$inferInsert,
): Promise<PortalSessionRow> {
  const [row] = await tx.insert(portalSessions).values(values).returning();
  return row!;
}

/** Ends every live session of a portal user, and gateways drop their cached resolutions. @returns how many ended. */
export async function revokePortalSessions(
  tx: Tx,
  { firmId, portalUserId }: { firmId: string; portalUserId: string },
): Promise<number> {
  const rows = await tx
    .update(portalSessions)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(portalSessions.firmId, firmId),
        eq(portalSessions.portalUserId, portalUserId),
        isNull(portalSessions.revokedAt),
      ),
    )
    .returning({ id: portalSessions.id });
  await publishRevocations(tx, [{ firmId, subject: `portal_user:${portalUserId}` }]);
  return rows.length;
}

/** Ends one session, and gateways drop its cached resolution. */
export async function revokePortalSession(
  tx: Tx,
  { firmId, sessionId }: { firmId: string; sessionId: string },
): Promise<void> {
  await tx
    .update(portalSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(portalSessions.firmId, firmId), eq(portalSessions.id, sessionId), isNull(portalSessions.revokedAt)));
  await publishRevocations(tx, [{ firmId, subject: `portal_session:${sessionId}` }]);
}

/** The portal user of a live session (unrevoked, unexpired) whose user is active and unrevoked; undefined otherwise. */
export async function findLivePortalSessionUser(
  tx: Tx,
  { firmId, sessionId, portalUserId }: { firmId: string; sessionId: string; portalUserId: string },
): Promise<PortalUserRow | undefined> {
  const [row] = await tx
    .select({ user: portalUsers })
    .from(portalSessions)
    .innerJoin(
      portalUsers,
      and(eq(portalUsers.firmId, portalSessions.firmId), eq(portalUsers.id, portalSessions.portalUserId)),
    )
    .where(
      and(
        eq(portalSessions.firmId, firmId),
        eq(portalSessions.id, sessionId),
        eq(portalSessions.portalUserId, portalUserId),
        isNull(portalSessions.revokedAt),
        gt(portalSessions.expiresAt, sql`now()`),
        isNull(portalUsers.revokedAt),
      ),
    );
  return row?.user;
}

/** Stores a refresh token (hash only). */
export async function insertPortalRefreshToken(tx: Tx, values: typeof portalRefreshTokens.$inferInsert): Promise<void> {
  await tx.insert(portalRefreshTokens).values(values);
}

/**
 * Uses a refresh token atomically. A token used before is reported as `reused` (a theft signal).
 * @returns the live session's id and user, `{ reused: sessionId }`, or undefined for unknown,
 *   expired or revoked tokens.
 */
export async function consumePortalRefreshToken(
  tx: Tx,
  { firmId, tokenHash }: { firmId: string; tokenHash: string },
): Promise<{ sessionId: string; portalUserId: string } | { reused: string } | undefined> {
  const [token] = await tx
    .select()
    .from(portalRefreshTokens)
    .where(and(eq(portalRefreshTokens.firmId, firmId), eq(portalRefreshTokens.tokenHash, tokenHash)))
    .for('update');
  if (!token) return undefined;
  if (token.usedAt) return { reused: token.sessionId };
  if (token.expiresAt <= new Date()) return undefined;
  await tx
    .update(portalRefreshTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(portalRefreshTokens.firmId, firmId), eq(portalRefreshTokens.id, token.id)));
  const [session] = await tx
    .select({ id: portalSessions.id, portalUserId: portalSessions.portalUserId })
    .from(portalSessions)
    .where(
      and(
        eq(portalSessions.firmId, firmId),
        eq(portalSessions.id, token.sessionId),
        isNull(portalSessions.revokedAt),
        gt(portalSessions.expiresAt, sql`now()`),
      ),
    );
  return session ? { sessionId: session.id, portalUserId: session.portalUserId } : undefined;
}
