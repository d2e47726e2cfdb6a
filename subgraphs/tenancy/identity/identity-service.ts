import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import type { FirmRow, InvitationRow, MembershipRow, RoleValue, UserRow } from '../../../db/schema/tenancy.ts';
import { asSignedInUser, recordAudit, recordAuditInFirms } from '../../../platform/audit.ts';
import { assertCan, assertStaffCan } from '../../../platform/authz.ts';
import { forbidden, notFound, unauthenticated } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { ROLE_RANK } from '../../../platform/permissions.ts';
import { isUniqueViolation } from '../../../platform/pg-errors.ts';
import {
  CREATED_AT_CURSOR,
  parsePageArgs,
  toConnection,
  type Connection,
  type PageArgs,
} from '../../../platform/relay.ts';
import { hmacKey } from '../../../platform/signed-context.ts';
import { normalizeEmail, requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import { findSessionOwner } from '../audit/audit-store.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import { auditForUser, checkSecondFactor, createMfaChallenge, MFA_CHALLENGE_MAX_FAILURES } from '../mfa/mfa-service.ts';
import {
  countMfaChallengeFailure,
  findLiveMfaChallengeForUpdate,
  isMfaEnabled,
  markMfaChallengeUsed,
} from '../mfa/mfa-store.ts';
import {
  consumeRefreshToken,
  countFirmMemberships,
  findLiveSession,
  findMembership,
  findPendingInvitationForUpdate,
  findEnabledUser,
  findUserByEmail,
  getVisibleFirmsByIds,
  insertFirm,
  insertInvitation,
  insertMembership,
  insertRefreshToken,
  insertSession,
  insertUser,
  isMemberByEmail,
  listFirmMemberships,
  listUserMemberships,
  markInvitationAccepted,
  markUserDisabled,
  revokeSession,
  revokeUserSessions,
  setFirmRequireMfaForAdmins,
  setSessionActiveFirm,
  updatePasswordHash,
} from './identity-store.ts';
import {
  attemptMatches,
  countSignInAttempt,
  INVALID_CREDENTIALS,
  resetSignInAttempts,
  signInThrottleKey,
  signInWithPassword,
} from '../credentials/credential-service.ts';
import { hashPassword, passwordWeakness } from './passwords.ts';
import {
  hashToken,
  INVITATION_TTL_SECONDS,
  newOpaqueToken,
  REFRESH_TOKEN_TTL_SECONDS,
  SESSION_TTL_SECONDS,
  signAccessToken,
} from './tokens.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { IssuedSession, MembershipModel, ViewerModel } from './identity-model.ts';

type UserError = GenericUserError<UserErrorCode>;

/**
 * Identities a mutation authenticated during this request (sign-up, log-in, invitation, refresh).
 * The caller was anonymous when the request started, so shield lets them read exactly these
 * user and firm entities in the mutation's payload, and nothing else.
 */
const authenticatedDuringRequest = new WeakMap<TenancyContext, { userId: string; firmId: string | null }>();

/** The user and firm a mutation of this request signed in as, if any (for shield rules). */
export function identityIssuedDuring(ctx: TenancyContext): { userId: string; firmId: string | null } | undefined {
  return authenticatedDuringRequest.get(ctx);
}

/** The signed-in viewer, or null for anonymous callers. */
export async function currentViewer(ctx: TenancyContext): Promise<ViewerModel | null> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') return null;
  return { userId: actor.userId, activeFirmId: actor.firmId, activeRole: actor.roles[0] ?? null };
}

/** Every membership of the signed-in user, across firms, oldest first. */
export async function viewerMemberships(ctx: TenancyContext, viewer: ViewerModel): Promise<MembershipRow[]> {
  return ctx.database.withTenant({ firmId: viewer.activeFirmId, userId: viewer.userId }, (tx) =>
    listUserMemberships(tx, { userId: viewer.userId }),
  );
}

/**
 * Members of the active firm, oldest first. Requires `member:read`.
 * @throws FORBIDDEN for a firm other than the active one.
 */
export async function firmMemberships(
  ctx: TenancyContext,
  firm: FirmRow,
  args: PageArgs,
): Promise<Connection<MembershipRow>> {
  const actor = assertCan(ctx.actor, 'member:read');
  if (firm.id !== actor.firmId) throw forbidden('Switch to this firm to see its members');
  const page = parsePageArgs(args, CREATED_AT_CURSOR);
  const after = page.cursor;
  const { rows, total } = await ctx.database.withTenant(
    { firmId: actor.firmId, userId: actor.kind === 'STAFF' ? actor.userId : null },
    async (tx) => ({
      rows: await listFirmMemberships(tx, { firmId: actor.firmId, after, limit: page.limit }),
      total: await countFirmMemberships(tx, { firmId: actor.firmId }),
    }),
  );
  return toConnection(rows, page, (row) => [row.createdAt.toISOString(), row.id], total);
}

/** Input of `signUp`. */
export interface SignUpInput {
  firmName: string;
  ownerName: string;
  email: string;
  password: string;
}

/**
 * Creates a firm, its owner and the OWNER membership, and signs the owner in, all in one
 * transaction: on any user error or failure nothing is written.
 * @returns userErrors REQUIRED/TOO_LONG/INVALID/WEAK_PASSWORD/TAKEN with the field at fault.
 */
export async function signUp(
  ctx: TenancyContext,
  input: SignUpInput,
): Promise<{ firm: FirmRow | null; session: IssuedSession | null; userErrors: UserError[] }> {
  const userErrors: UserError[] = [];
  const firmName = requiredText(input.firmName, ['input', 'firmName'], 200, userErrors);
  const ownerName = requiredText(input.ownerName, ['input', 'ownerName'], 200, userErrors);
  const email = normalizeEmail(input.email, ['input', 'email'], userErrors);
  const weakness = passwordWeakness(input.password, [firmName, ownerName, email]);
  if (weakness) userErrors.push({ field: ['input', 'password'], message: weakness, code: 'WEAK_PASSWORD' });
  if (userErrors.length > 0) return { firm: null, session: null, userErrors };

  const passwordHash = await hashPassword(input.password);
  const firmId = newId();
  const userId = newId();
  try {
    return await ctx.database.withTenant({ firmId, userId }, async (tx) => {
      if (await findUserByEmail(tx, { email })) {
        return { firm: null, session: null, userErrors: [emailTaken()] };
      }
      const user = await insertUser(tx, { id: userId, email, name: ownerName, passwordHash });
      const firm = await insertFirm(tx, { id: firmId, name: firmName, slug: firmSlug(firmName) });
      await insertMembership(tx, { firmId, id: newId(), userId, role: 'OWNER' });
      const session = await startSession(ctx, tx, user, firmId);
      await recordAudit(tx, asSignedInUser(ctx, userId), {
        firmId,
        action: 'firm.create',
        targetType: 'firm',
        targetId: firmId,
      });
      return { firm, session, userErrors: [] };
    });
  } catch (error) {
    // Two sign-ups racing for one email: the loser's transaction rolled back entirely.
    if (isUniqueViolation(error, 'users_email_unique'))
      return { firm: null, session: null, userErrors: [emailTaken()] };
    throw error;
  }
}

/** Input of `logIn`. */
export interface LogInInput {
  email: string;
  password: string;
  firmId?: string | null;
}

/** Result of `logIn`: a session, or a challenge token when the user has MFA. */
export interface LogInResult {
  session: IssuedSession | null;
  mfaChallengeToken?: string | null;
  userErrors: UserError[];
}

/**
 * Signs a user in. Unknown email, wrong password, disabled user and locked sign-in all answer the
 * same `INVALID_CREDENTIALS` after the same argon2 work, so nothing reveals whether an account exists.
 *
 * Lockout (PCI DSS 8.3.4): every attempt is counted per normalized email, known or not, atomically
 * and before the password is checked, so aliased fields in one request and concurrent requests
 * each take a number. Only the first 10 since the last success are checked; the 10th starts a
 * 30-minute lock in which even the right password fails. A success resets the count; with MFA,
 * only the completed `verifyMfaChallenge` does, so challenges cannot be farmed for code guesses.
 *
 * With MFA enabled no session is issued: the result carries a 5-minute `mfaChallengeToken`.
 * The active firm is `firmId` when the user is a member there, else the firm joined first.
 */
export async function logIn(ctx: TenancyContext, input: LogInInput): Promise<LogInResult> {
  const email = input.email.trim().toLowerCase();
  const throttleKey = signInThrottleKey({ kind: 'staff', email });
  const found = await signInWithPassword(ctx.database, {
    throttleKey,
    password: input.password,
    identifiers: [email],
    find: (tx) => findUserByEmail(tx, { email }),
    credentials: (user) => ({ account: user, passwordHash: user.passwordHash, barred: user.disabledAt !== null }),
    onRejected: (user, attempt) =>
      ctx.database.withTenant({ firmId: null, userId: user.id }, async (tx) => {
        await auditForUser(ctx, tx, user.id, 'auth.login.failed', { attempt: attempt.number });
        if (attempt.startsLock) await auditForUser(ctx, tx, user.id, 'auth.login.locked', { attempts: attempt.number });
      }),
  });
  if (!found) return { session: null, userErrors: [INVALID_CREDENTIALS] };
  return ctx.database.withTenant({ firmId: null, userId: found.id }, async (tx): Promise<LogInResult> => {
    const user = found;
    const memberships = await listUserMemberships(tx, { userId: user.id });
    let activeFirmId = memberships[0]?.firmId ?? null;
    if (input.firmId != null) {
      const chosen = memberships.find((m) => m.firmId === input.firmId);
      if (!chosen) {
        return {
          session: null,
          userErrors: [{ field: ['input', 'firmId'], message: 'You are not a member of this firm.', code: 'INVALID' }],
        };
      }
      activeFirmId = chosen.firmId;
    }
    if (await isMfaEnabled(tx, { userId: user.id })) {
      return {
        session: null,
        mfaChallengeToken: await createMfaChallenge(tx, { userId: user.id, activeFirmId }),
        userErrors: [],
      };
    }
    await resetSignInAttempts(tx, throttleKey);
    const session = await startSession(ctx, tx, user, activeFirmId);
    await recordAuditInFirms(
      tx,
      asSignedInUser(ctx, user.id),
      memberships.map((m) => m.firmId),
      {
        action: 'auth.login',
        targetType: 'user',
        targetId: user.id,
        metadata: { mfa: false },
      },
    );
    return { session, userErrors: [] };
  });
}

/** Input of `verifyMfaChallenge`. */
export interface VerifyMfaChallengeInput {
  challengeToken: string;
  code: string;
}

/**
 * Completes a log-in that returned a challenge, with a TOTP code (single-use, ±1 step) or an
 * unused backup code. The challenge is single-use and ends after 5 wrong codes; a wrong code is
 * audited as `auth.mfa.failed`. Success resets the email's sign-in attempts.
 * @returns a session; userErrors `INVALID_TOKEN` (unknown, used, expired or exhausted challenge)
 *   or `INVALID_CODE`.
 */
export async function verifyMfaChallenge(
  ctx: TenancyContext,
  input: VerifyMfaChallengeInput,
): Promise<{ session: IssuedSession | null; userErrors: UserError[] }> {
  const invalidToken: UserError = {
    field: ['input', 'challengeToken'],
    message: 'This sign-in attempt has ended. Sign in again.',
    code: 'INVALID_TOKEN',
  };
  return ctx.database.withTenant({ firmId: null }, async (tx) => {
    const challenge = await findLiveMfaChallengeForUpdate(tx, {
      tokenHash: hashToken(input.challengeToken),
      maxFailedAttempts: MFA_CHALLENGE_MAX_FAILURES,
    });
    if (!challenge) return { session: null, userErrors: [invalidToken] };
    const user = await findEnabledUser(tx, { userId: challenge.userId });
    if (!user) return { session: null, userErrors: [invalidToken] };
    // The challenge names the user: let the own-membership policy show their memberships from here on.
    await tx.execute(sql`select set_config('app.user_id', ${user.id}, true)`);
    const factor = await checkSecondFactor(ctx, tx, { userId: user.id, code: input.code });
    if (!factor) {
      await countMfaChallengeFailure(tx, { challengeId: challenge.id });
      await auditForUser(ctx, tx, user.id, 'auth.mfa.failed', { operation: 'verifyMfaChallenge' });
      return {
        session: null,
        userErrors: [
          { field: ['input', 'code'], message: 'The code is wrong, expired or already used.', code: 'INVALID_CODE' },
        ],
      };
    }
    await markMfaChallengeUsed(tx, { challengeId: challenge.id });
    await resetSignInAttempts(tx, signInThrottleKey({ kind: 'staff', email: user.email }));
    if (challenge.invitationId && challenge.activeFirmId) {
      await acceptInvitationAfterSecondFactor(ctx, tx, {
        firmId: challenge.activeFirmId,
        invitationId: challenge.invitationId,
        userId: user.id,
      });
    }
    const memberships = await listUserMemberships(tx, { userId: user.id });
    // The chosen firm may have removed the user during the 5 minutes.
    const activeFirmId = memberships.some((m) => m.firmId === challenge.activeFirmId)
      ? challenge.activeFirmId
      : (memberships[0]?.firmId ?? null);
    const session = await startSession(ctx, tx, user, activeFirmId);
    await recordAuditInFirms(
      tx,
      asSignedInUser(ctx, user.id),
      memberships.map((m) => m.firmId),
      {
        action: 'auth.login',
        targetType: 'user',
        targetId: user.id,
        metadata: { mfa: true, factor },
      },
    );
    return { session, userErrors: [] };
  });
}

/**
 * The second half of `acceptInvitation` for a user with MFA, once `verifyMfaChallenge` proved the
 * second factor: joins the firm when the invitation is still pending and the user not yet a member
 * (it may have been revoked, expired or used meanwhile; then the sign-in goes on without it). Acts
 * in the invitation's firm for these writes, then returns the transaction to no firm.
 */
async function acceptInvitationAfterSecondFactor(
  ctx: TenancyContext,
  tx: Tx,
  { firmId, invitationId, userId }: { firmId: string; invitationId: string; userId: string },
): Promise<void> {
  await tx.execute(sql`select set_config('app.firm_id', ${firmId}, true)`);
  const invitation = await findPendingInvitationForUpdate(tx, { firmId, invitationId });
  if (invitation && !(await findMembership(tx, { firmId, userId }))) {
    await joinByInvitation(ctx, tx, { invitation, userId, newUser: false });
  }
  await tx.execute(sql`select set_config('app.firm_id', '', true)`);
}

/** Input of `changePassword`. */
export interface ChangePasswordInput {
  currentPassword: string;
  newPassword: string;
}

/**
 * Changes the signed-in user's password after checking the current one, and ends every other
 * session of the user (their refresh tokens and access tokens stop working). A wrong current
 * password counts toward the email's sign-in lockout, so a stolen session cannot guess it.
 * Audited as `auth.password.change`.
 * @returns userErrors `INVALID_CREDENTIALS` or `WEAK_PASSWORD`; nothing changes then.
 * @throws UNAUTHENTICATED when the caller is not a signed-in user.
 */
export async function changePassword(
  ctx: TenancyContext,
  input: ChangePasswordInput,
): Promise<{ changed: boolean; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  const user = await ctx.database.withTenant({ firmId: null }, (tx) => findEnabledUser(tx, { userId: actor.userId }));
  if (!user) throw unauthenticated();
  const throttleKey = signInThrottleKey({ kind: 'staff', email: user.email });
  const attempt = await ctx.database.withTenant({ firmId: null }, (tx) => countSignInAttempt(tx, throttleKey));
  const wrongPassword: UserError = { ...INVALID_CREDENTIALS, field: ['input', 'currentPassword'] };
  if (!(await attemptMatches(attempt, user.passwordHash, input.currentPassword))) {
    return { changed: false, userErrors: [wrongPassword] };
  }
  const weakness = passwordWeakness(input.newPassword, [user.name, user.email]);
  if (weakness)
    return {
      changed: false,
      userErrors: [{ field: ['input', 'newPassword'], message: weakness, code: 'WEAK_PASSWORD' }],
    };
  const passwordHash = await hashPassword(input.newPassword);
  return ctx.database.withTenant({ firmId: null, userId: user.id }, async (tx) => {
    await updatePasswordHash(tx, { userId: user.id, passwordHash });
    await resetSignInAttempts(tx, throttleKey);
    const revoked = await revokeUserSessions(tx, { userId: user.id, exceptSessionId: actor.sessionId });
    await auditForUser(ctx, tx, user.id, 'auth.password.change', { sessionsRevoked: revoked.length });
    return { changed: true, userErrors: [] };
  });
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

/** Input of `updateFirmSecurityPolicy`. */
export interface UpdateFirmSecurityPolicyInput {
  requireMfaForAdmins: boolean;
}

/**
 * Sets the active firm's MFA requirement for OWNER and ADMIN. Requires `firm:update` and a
 * signed-in member. Turning it on requires the caller's own MFA, so nobody locks themselves into
 * enrolment-only sessions by accident. Audited as `firm.security_policy.update`.
 * @returns the firm; userErrors `MFA_NOT_ENABLED`.
 */
export async function updateFirmSecurityPolicy(
  ctx: TenancyContext,
  input: UpdateFirmSecurityPolicyInput,
): Promise<{ firm: FirmRow | null; userErrors: UserError[] }> {
  const actor = assertStaffCan(ctx.actor, 'firm:update');
  return ctx.database.withTenant({ firmId: actor.firmId, userId: actor.userId }, async (tx) => {
    if (input.requireMfaForAdmins && !(await isMfaEnabled(tx, { userId: actor.userId }))) {
      return {
        firm: null,
        userErrors: [
          {
            field: ['input', 'requireMfaForAdmins'],
            message: 'Enable multi-factor authentication for yourself first.',
            code: 'MFA_NOT_ENABLED',
          },
        ],
      };
    }
    const firm = await setFirmRequireMfaForAdmins(tx, {
      firmId: actor.firmId,
      requireMfaForAdmins: input.requireMfaForAdmins,
    });
    if (!firm) throw notFound('Firm');
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'firm.security_policy.update',
      targetType: 'firm',
      targetId: actor.firmId,
      metadata: { requireMfaForAdmins: input.requireMfaForAdmins },
    });
    return { firm, userErrors: [] };
  });
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

/** Ends the caller's session; its access token is refused from the next request on. */
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

/** Makes another of the user's firms the session's active firm. */
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
    // Only the firm switched to hears of it, and not which firm the user came from: that is another tenant's id.
    await recordAuditInFirms(tx, ctx, [firmId], {
      action: 'auth.firm.switch',
      targetType: 'session',
      targetId: actor.sessionId,
    });
    return { viewer: { userId: actor.userId, activeFirmId: firmId, activeRole: membership.role }, userErrors: [] };
  });
}

/** Input of `inviteMember`. */
export interface InviteMemberInput {
  email: string;
  role: RoleValue;
}

/**
 * Invites someone to the active firm. Requires `member:invite`; the role may not exceed the
 * inviter's own. The token is returned once and stored only as a SHA-256 hash.
 * @returns userErrors INVALID (email), ROLE_NOT_GRANTABLE, ALREADY_MEMBER.
 */
export async function inviteMember(
  ctx: TenancyContext,
  input: InviteMemberInput,
): Promise<{ invitation: InvitationRow | null; invitationToken: string | null; userErrors: UserError[] }> {
  const actor = assertStaffCan(ctx.actor, 'member:invite');
  const userErrors: UserError[] = [];
  const email = normalizeEmail(input.email, ['input', 'email'], userErrors);
  const inviterRank = Math.max(...actor.roles.map((role) => ROLE_RANK[role]));
  if (ROLE_RANK[input.role] > inviterRank) {
    userErrors.push({
      field: ['input', 'role'],
      message: 'You cannot grant a role above your own.',
      code: 'ROLE_NOT_GRANTABLE',
    });
  }
  if (userErrors.length > 0) return { invitation: null, invitationToken: null, userErrors };

  const secret = newOpaqueToken('fgi');
  return ctx.database.withTenant({ firmId: actor.firmId, userId: actor.userId }, async (tx) => {
    if (await isMemberByEmail(tx, { firmId: actor.firmId, email })) {
      return {
        invitation: null,
        invitationToken: null,
        userErrors: [
          { field: ['input', 'email'], message: 'This person is already a member.', code: 'ALREADY_MEMBER' },
        ],
      };
    }
    const invitation = await insertInvitation(tx, {
      firmId: actor.firmId,
      id: newId(),
      email,
      role: input.role,
      tokenHash: hashToken(secret),
      invitedByUserId: actor.userId,
      expiresAt: new Date(Date.now() + INVITATION_TTL_SECONDS * 1000),
    });
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'member.invite',
      targetType: 'invitation',
      targetId: invitation.id,
      metadata: { role: input.role },
    });
    // The firm travels in the token so acceptance can open a transaction in that firm before anyone signs in.
    return { invitation, invitationToken: `${actor.firmId}.${secret}`, userErrors: [] };
  });
}

/** Input of `acceptInvitation`. */
export interface AcceptInvitationInput {
  token: string;
  name?: string | null;
  password: string;
}

/**
 * Makes `userId` a member of the invitation's firm with its role, marks the invitation accepted and
 * records `member.join`, in the caller's transaction (whose tenant is the invitation's firm).
 * @returns the new membership row.
 */
async function joinByInvitation(
  ctx: TenancyContext,
  tx: Tx,
  { invitation, userId, newUser }: { invitation: InvitationRow; userId: string; newUser: boolean },
): Promise<MembershipRow> {
  const { firmId } = invitation;
  const membership = await insertMembership(tx, { firmId, id: newId(), userId, role: invitation.role });
  await markInvitationAccepted(tx, { firmId, invitationId: invitation.id });
  await recordAudit(tx, asSignedInUser(ctx, userId), {
    firmId,
    action: 'member.join',
    targetType: 'membership',
    targetId: membership.id,
    metadata: { role: invitation.role, invitationId: invitation.id, newUser },
  });
  return membership;
}

/**
 * Accepts an invitation in one transaction: creates the user if the email is new (name and a
 * strong password required), or checks the existing user's password; adds the membership, marks
 * the invitation used and starts a session in the firm. An existing user's password check counts
 * toward their sign-in lockout like `logIn`; when that user has MFA, no session is issued: the
 * result carries an `mfaChallengeToken` for `verifyMfaChallenge`, which then opens the firm.
 * @returns userErrors INVALID_TOKEN, REQUIRED, WEAK_PASSWORD, INVALID_CREDENTIALS, ALREADY_MEMBER.
 */
export async function acceptInvitation(
  ctx: TenancyContext,
  input: AcceptInvitationInput,
): Promise<{
  membership: MembershipModel | null;
  session: IssuedSession | null;
  mfaChallengeToken?: string | null;
  userErrors: UserError[];
}> {
  const invalidToken: { membership: null; session: null; userErrors: UserError[] } = {
    membership: null,
    session: null,
    userErrors: [
      { field: ['input', 'token'], message: 'This invitation is invalid or has expired.', code: 'INVALID_TOKEN' },
    ],
  };
  const [firmId = '', secret = ''] = input.token.split('.');
  if (!isUuid(firmId) || !secret) return invalidToken;

  const fail = (userErrors: UserError[]): { membership: null; session: null; userErrors: UserError[] } => ({
    membership: null,
    session: null,
    userErrors,
  });
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const invitation = await findPendingInvitationForUpdate(tx, { firmId, tokenHash: hashToken(secret) });
    if (!invitation) return invalidToken;
    let user = await findUserByEmail(tx, { email: invitation.email });
    let newUser = false;
    if (user) {
      const attempt = await countSignInAttempt(tx, signInThrottleKey({ kind: 'staff', email: user.email }));
      if (!(await attemptMatches(attempt, user.passwordHash, input.password)) || user.disabledAt) {
        await recordAudit(tx, ctx, {
          firmId,
          action: 'auth.login.failed',
          targetType: 'user',
          targetId: user.id,
          metadata: { operation: 'acceptInvitation' },
        });
        return fail([INVALID_CREDENTIALS]);
      }
      if (await findMembership(tx, { firmId, userId: user.id })) {
        return fail([
          { field: ['input', 'token'], message: 'You are already a member of this firm.', code: 'ALREADY_MEMBER' },
        ]);
      }
    } else {
      const userErrors: UserError[] = [];
      const name = requiredText(input.name ?? '', ['input', 'name'], 200, userErrors);
      const weakness = passwordWeakness(input.password, [name, invitation.email]);
      if (weakness) userErrors.push({ field: ['input', 'password'], message: weakness, code: 'WEAK_PASSWORD' });
      if (userErrors.length > 0) return fail(userErrors);
      user = await insertUser(tx, {
        id: newId(),
        email: invitation.email,
        name,
        passwordHash: await hashPassword(input.password),
      });
      newUser = true;
    }
    // An MFA-enrolled user joins only once the second factor is proven (verifyMfaChallenge):
    // until then nothing of the invitation is used.
    if (!newUser && (await isMfaEnabled(tx, { userId: user.id }))) {
      const mfaChallengeToken = await createMfaChallenge(tx, {
        userId: user.id,
        activeFirmId: firmId,
        invitationId: invitation.id,
      });
      return { membership: null, session: null, mfaChallengeToken, userErrors: [] };
    }
    const membership = await joinByInvitation(ctx, tx, { invitation, userId: user.id, newUser });
    await resetSignInAttempts(tx, signInThrottleKey({ kind: 'staff', email: user.email }));
    const [firm] = await getVisibleFirmsByIds(tx, { firmIds: [firmId] });
    const session = await startSession(ctx, tx, user, firmId);
    return { membership: { ...membership, firm, user }, session, userErrors: [] };
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
  };
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

async function startSession(
  ctx: TenancyContext,
  tx: Tx,
  user: UserRow,
  activeFirmId: string | null,
): Promise<IssuedSession> {
  const sessionId = newId();
  await insertSession(tx, {
    id: sessionId,
    userId: user.id,
    activeFirmId,
    expiresAt: new Date(Date.now() + SESSION_TTL_SECONDS * 1000),
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

function emailTaken(): UserError {
  return { field: ['input', 'email'], message: 'An account with this email already exists.', code: 'TAKEN' };
}

/** A URL-safe, platform-unique handle: the name's slug plus 6 random base-36 characters. */
function firmSlug(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  const suffix = BigInt(`0x${randomBytes(5).toString('hex')}`)
    .toString(36)
    .slice(0, 6);
  return `${base || 'firm'}-${suffix}`;
}
