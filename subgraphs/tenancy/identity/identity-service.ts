import type { Tx } from '../../../db/client.ts';
import type { RoleValue, UserRow } from '../../../db/schema/tenancy.ts';
import { asSignedInUser, recordAuditInFirms } from '../../../platform/audit.ts';
import { unauthenticated } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { hashToken } from '../../../platform/credentials.ts';
import { hmacKey } from '../../../platform/signed-context.ts';
import type { UserError as GenericUserError } from '../../../platform/user-errors.ts';
import { findSessionOwner } from '../audit/audit-store.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import {
  consumeRefreshToken,
  findLiveSession,
  findMembership,
  findEnabledUser,
  findUserByEmail,
  insertRefreshToken,
  insertSession,
  markUserDisabled,
  revokeSession,
  revokeUserSessions,
  setSessionActiveFirm,
} from './identity-store.ts';
import { newOpaqueToken, REFRESH_TOKEN_TTL_SECONDS, SESSION_TTL_SECONDS, signAccessToken } from './tokens.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import { publishRevocations } from '../revocations.ts';
import type { IssuedSession, ViewerModel } from './identity-model.ts';

type UserError = GenericUserError<UserErrorCode>;

/**
 * Identities a mutation authenticated during this request (sign-up, log-in, invitation, refresh).
 * The caller was anonymous when the request started, so shield lets them read exactly these
 * user and firm entities in the mutation's payload, and nothing else.
 */
const authenticatedDuringRequest = new WeakMap<TenancyContext, { userId: string; firmId: string | null }>();

/**
 * The user and firm (null: none) a mutation of this request signed in as, if any; identity-rules.ts
 * lets a caller anonymous at the start of the request read exactly these in the payload.
 */
export function identityIssuedDuring(ctx: TenancyContext): { userId: string; firmId: string | null } | undefined {
  return authenticatedDuringRequest.get(ctx);
}

/** The signed-in staff viewer (user, active firm and role there), or null for any other caller. */
export async function currentViewer(ctx: TenancyContext): Promise<ViewerModel | null> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') return null;
  return { userId: actor.userId, activeFirmId: actor.firmId, activeRole: actor.roles[0] ?? null };
}

/**
 * The signed-in viewer's MFA state: whether MFA is on, and whether the active firm's policy
 * requires it of the viewer's role while it is off (see `resolveSessionActor`).
 * @throws UNAUTHENTICATED when the caller is not a signed-in user with a live session.
 */
export async function viewerMfaState(
  ctx: TenancyContext,
): Promise<{ mfaEnabled: boolean; mfaEnrolmentRequired: boolean }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  const found = await findLiveSession(ctx.database, { sessionId: actor.sessionId, userId: actor.userId });
  if (!found) throw unauthenticated();
  return { mfaEnabled: found.mfaEnabled, mfaEnrolmentRequired: mfaEnrolmentRequired(found) };
}

function mfaEnrolmentRequired(found: {
  role: RoleValue | null;
  firmRequiresMfaForAdmins: boolean;
  mfaEnabled: boolean;
}): boolean {
  return found.firmRequiresMfaForAdmins && (found.role === 'OWNER' || found.role === 'ADMIN') && !found.mfaEnabled;
}

/**
 * Starts a staff session (90 days; identity/tokens.ts `SESSION_TTL_SECONDS`) for `user` acting in
 * `activeFirmId` (null: no firm), in the caller's transaction, and issues its first token pair: a
 * 15-minute HS256 access token and a single-use 30-day refresh token stored as SHA-256. Marks the
 * request as having signed this user and firm in (`identityIssuedDuring`), for shield.
 * `mfaVerified` records that the sign-in passed a second factor (`verifyMfaChallenge`): the
 * session's signed context then says so (`mfaVerified`), which the hard lock of the books requires.
 * @returns the tokens, shown once.
 */
export async function startSession(
  ctx: TenancyContext,
  tx: Tx,
  user: UserRow,
  activeFirmId: string | null,
  { mfaVerified = false }: { mfaVerified?: boolean } = {},
): Promise<IssuedSession> {
  const sessionId = newId();
  await insertSession(tx, {
    id: sessionId,
    userId: user.id,
    activeFirmId,
    expiresAt: new Date(Date.now() + SESSION_TTL_SECONDS * 1000),
    mfaVerifiedAt: mfaVerified ? new Date() : null,
  });
  authenticatedDuringRequest.set(ctx, { userId: user.id, firmId: activeFirmId });
  return issueTokens(ctx, tx, user, sessionId);
}

/** Adds a new refresh token to the session and signs a new access token for it. */
async function issueTokens(ctx: TenancyContext, tx: Tx, user: UserRow, sessionId: string): Promise<IssuedSession> {
  const refreshToken = newOpaqueToken('fgr');
  const refreshTokenExpiresAt = new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000);
  await insertRefreshToken(tx, {
    id: newId(),
    sessionId,
    tokenHash: hashToken(refreshToken),
    expiresAt: refreshTokenExpiresAt,
  });
  const { token, expiresAt } = await signAccessToken({ sub: user.id, sid: sessionId }, hmacKey(ctx.config.jwtSecret));
  return { accessToken: token, accessTokenExpiresAt: expiresAt, refreshToken, refreshTokenExpiresAt, user };
}

/**
 * Exchanges a refresh token for a new pair (rotation). A token already used is a theft signal
 * (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): its whole session is revoked.
 * @returns `INVALID_TOKEN` for unknown, expired, reused or revoked tokens.
 */
export async function refreshSession(
  ctx: TenancyContext,
  refreshToken: string,
): Promise<{ session: IssuedSession | null; userErrors: UserError[] }> {
  const invalid: { session: null; userErrors: UserError[] } = {
    session: null,
    userErrors: [
      { field: ['input', 'refreshToken'], message: 'This session has ended. Sign in again.', code: 'INVALID_TOKEN' },
    ],
  };
  const outcome = await ctx.database.withTenant({ firmId: null }, async (tx) => {
    const consumed = await consumeRefreshToken(tx, { tokenHash: hashToken(refreshToken) });
    if (!consumed) return null;
    if ('reused' in consumed) {
      const sessionRevoked = await revokeSession(tx, { sessionId: consumed.reused });
      const owner = await findSessionOwner(tx, { sessionId: consumed.reused });
      await recordAuditInFirms(tx, ctx, owner?.activeFirmId ? [owner.activeFirmId] : [], {
        action: 'auth.refresh_token.reused',
        targetType: 'session',
        targetId: consumed.reused,
        metadata: { sessionRevoked },
      });
      return null;
    }
    const { session } = consumed;
    const user = await findEnabledUser(tx, { userId: session.userId });
    if (!user) return null;
    const issued = await issueTokens(ctx, tx, user, session.id);
    await recordAuditInFirms(tx, asSignedInUser(ctx, user.id), session.activeFirmId ? [session.activeFirmId] : [], {
      action: 'auth.session.refresh',
      targetType: 'session',
      targetId: session.id,
    });
    return { issued, firmId: session.activeFirmId };
  });
  if (!outcome) return invalid;
  authenticatedDuringRequest.set(ctx, { userId: outcome.issued.user.id, firmId: outcome.firmId });
  return { session: outcome.issued, userErrors: [] };
}

/**
 * Ends the caller's session; its access token is refused from the next request on, its refresh
 * tokens at once. Audited as `auth.logout` in the session's active firm.
 * @returns `loggedOut` false when the session had already ended.
 * @throws UNAUTHENTICATED when the caller is not a signed-in user.
 */
export async function logOut(ctx: TenancyContext): Promise<{ loggedOut: boolean; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  const loggedOut = await ctx.database.withTenant({ firmId: null }, async (tx) => {
    const revoked = await revokeSession(tx, { sessionId: actor.sessionId });
    await recordAuditInFirms(tx, ctx, actor.firmId ? [actor.firmId] : [], {
      action: 'auth.logout',
      targetType: 'session',
      targetId: actor.sessionId,
    });
    return revoked;
  });
  return { loggedOut, userErrors: [] };
}

/**
 * Makes another of the user's firms the session's active firm, audited as `auth.firm.switch` in
 * the firm switched to only (the firm left is another tenant's id).
 * @returns the viewer in that firm; userErrors `INVALID` when `firmId` is not one of the user's firms.
 * @throws UNAUTHENTICATED when the caller is not a signed-in user.
 */
export async function switchActiveFirm(
  ctx: TenancyContext,
  firmId: string,
): Promise<{ viewer: ViewerModel | null; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  const notMember: { viewer: null; userErrors: UserError[] } = {
    viewer: null,
    userErrors: [{ field: ['input', 'firmId'], message: 'You are not a member of this firm.', code: 'INVALID' }],
  };
  if (!isUuid(firmId)) return notMember;
  return ctx.database.withTenant({ firmId: null, userId: actor.userId }, async (tx) => {
    const membership = await findMembership(tx, { firmId, userId: actor.userId });
    if (!membership) return notMember;
    await setSessionActiveFirm(tx, { sessionId: actor.sessionId, firmId });
    // The session no longer acts in the firm it left: gateways drop what they cached of it there.
    await publishRevocations(tx, [{ firmId: actor.firmId, subject: `session:${actor.sessionId}` }]);
    // Only the firm switched to hears of it, and not which firm the user came from: that is another tenant's id.
    await recordAuditInFirms(tx, ctx, [firmId], {
      action: 'auth.firm.switch',
      targetType: 'session',
      targetId: actor.sessionId,
    });
    return { viewer: { userId: actor.userId, activeFirmId: firmId, activeRole: membership.role }, userErrors: [] };
  });
}

/**
 * Resolves the caller behind an access token for the gateway: the session must be live and the
 * user enabled; the firm is the session's active firm and the role the user's membership there.
 * When that firm requires MFA for OWNER and ADMIN (`requireMfaForAdmins`) and this OWNER or ADMIN
 * has not enrolled, the session acts in no firm (no roles) until they do: it can still read `me`,
 * manage its own password and MFA, and log out.
 * @returns null when the session is revoked, expired or the user disabled.
 */
export async function resolveSessionActor(
  database: TenancyContext['database'],
  claims: { sub: string; sid: string },
): Promise<{
  userId: string;
  sessionId: string;
  firmId: string | null;
  roles: RoleValue[];
  mfaEnrolmentRequired: boolean;
  mfaVerified: boolean;
} | null> {
  const found = await findLiveSession(database, { sessionId: claims.sid, userId: claims.sub });
  if (!found || found.userDisabled) return null;
  const held = mfaEnrolmentRequired(found);
  const role = held ? null : found.role;
  return {
    userId: claims.sub,
    sessionId: claims.sid,
    firmId: role ? found.activeFirmId : null,
    roles: role ? [role] : [],
    mfaEnrolmentRequired: held,
    mfaVerified: found.mfaVerified,
  };
}

/**
 * Disables a user platform-wide, by email (for operators, through `npm run user:disable`; no
 * GraphQL field): log-in answers `INVALID_CREDENTIALS` from now on and every session ends at once,
 * refresh and access tokens alike. Idempotent: disabling again ends any session left.
 * @returns `DISABLED`, `ALREADY_DISABLED`, or `NOT_FOUND` when no user has this email.
 */
export async function disableUser(
  database: TenancyContext['database'],
  { email }: { email: string },
): Promise<'DISABLED' | 'ALREADY_DISABLED' | 'NOT_FOUND'> {
  return database.withTenant({ firmId: null }, async (tx) => {
    const user = await findUserByEmail(tx, { email: email.trim().toLowerCase() });
    if (!user) return 'NOT_FOUND';
    const disabled = await markUserDisabled(tx, { userId: user.id });
    await revokeUserSessions(tx, { userId: user.id, exceptSessionId: null });
    return disabled ? 'DISABLED' : 'ALREADY_DISABLED';
  });
}
