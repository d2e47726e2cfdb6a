import { randomBytes } from 'node:crypto';
import type { Tx } from '../../../db/client.ts';
import type { FirmRow, InvitationRow, MembershipRow, RoleValue, UserRow } from '../../../db/schema/tenancy.ts';
import { assertCan, assertStaffCan } from '../../shared/authz.ts';
import { forbidden, unauthenticated } from '../../shared/errors.ts';
import { isUuid, newId } from '../../shared/ids.ts';
import { ROLE_RANK } from '../../shared/permissions.ts';
import { isUniqueViolation } from '../../shared/pg-errors.ts';
import { CREATED_AT_CURSOR, parsePageArgs, toConnection, type Connection, type PageArgs } from '../../shared/relay.ts';
import { hmacKey } from '../../shared/signed-context.ts';
import { isStorableText, normalizeEmail, requiredText, type UserError as GenericUserError } from '../../shared/user-errors.ts';
import type { TenancyContext } from '../tenancy-context.ts';
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
  revokeSession,
  setSessionActiveFirm,
} from './identity-store.ts';
import { hashPassword, passwordWeakness, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import {
  hashToken,
  INVITATION_TTL_SECONDS,
  newOpaqueToken,
  REFRESH_TOKEN_TTL_SECONDS,
  SESSION_TTL_SECONDS,
  signAccessToken,
} from './tokens.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';

type UserError = GenericUserError<UserErrorCode>;

/** The `Viewer` as resolvers see it: who is signed in and where they are acting. */
export interface ViewerModel {
  userId: string;
  activeFirmId: string | null;
  activeRole: RoleValue | null;
}

/**
 * A membership as resolvers see it. `firm` and `user` are filled in when the caller was anonymous
 * at the start of the request (accepting an invitation), since the loaders cannot see them then.
 */
export type MembershipModel = MembershipRow & { firm?: FirmRow; user?: UserRow };

/** A freshly issued token pair (the `Session` GraphQL type). Tokens are shown once, never stored. */
export interface IssuedSession {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: UserRow;
}

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

const INVALID_CREDENTIALS: UserError = {
  field: [],
  message: 'The email or password is incorrect.',
  code: 'INVALID_CREDENTIALS',
};

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
export async function firmMemberships(ctx: TenancyContext, firm: FirmRow, args: PageArgs): Promise<Connection<MembershipRow>> {
  const actor = assertCan(ctx.actor, 'member:read');
  if (firm.id !== actor.firmId) throw forbidden('Switch to this firm to see its members');
  const page = parsePageArgs(args, CREATED_AT_CURSOR);
  const after = page.cursor;
  const { rows, total } = await ctx.database.withTenant({ firmId: actor.firmId, userId: actor.kind === 'STAFF' ? actor.userId : null }, async (tx) => ({
    rows: await listFirmMemberships(tx, { firmId: actor.firmId, after, limit: page.limit }),
    total: await countFirmMemberships(tx, { firmId: actor.firmId }),
  }));
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
      return { firm, session, userErrors: [] };
    });
  } catch (error) {
    // Two sign-ups racing for one email: the loser's transaction rolled back entirely.
    if (isUniqueViolation(error, 'users_email_unique')) return { firm: null, session: null, userErrors: [emailTaken()] };
    throw error;
  }
}

/** Input of `logIn`. */
export interface LogInInput {
  email: string;
  password: string;
  firmId?: string | null;
}

/**
 * Signs a user in. Unknown email, wrong password and disabled user all answer the same
 * `INVALID_CREDENTIALS` after the same argon2 work, so nothing reveals whether an account exists.
 * The active firm is `firmId` when the user is a member there, else the firm joined first.
 */
export async function logIn(ctx: TenancyContext, input: LogInInput): Promise<{ session: IssuedSession | null; userErrors: UserError[] }> {
  const email = input.email.trim().toLowerCase();
  const user = isStorableText(email) ? await ctx.database.withTenant({ firmId: null }, (tx) => findUserByEmail(tx, { email })) : undefined;
  if (!user) {
    await verifyAgainstDummy(input.password);
    return { session: null, userErrors: [INVALID_CREDENTIALS] };
  }
  if (!(await verifyPassword(user.passwordHash, input.password)) || user.disabledAt) {
    return { session: null, userErrors: [INVALID_CREDENTIALS] };
  }
  return ctx.database.withTenant({ firmId: null, userId: user.id }, async (tx) => {
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
    return { session: await startSession(ctx, tx, user, activeFirmId), userErrors: [] };
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
  const invalid: { session: null; userErrors: UserError[] } = { session: null, userErrors: [{ field: ['input', 'refreshToken'], message: 'This session has ended. Sign in again.', code: 'INVALID_TOKEN' }] };
  const outcome = await ctx.database.withTenant({ firmId: null }, async (tx) => {
    const consumed = await consumeRefreshToken(tx, { tokenHash: hashToken(refreshToken) });
    if (!consumed) return null;
    if ('reused' in consumed) {
      await revokeSession(tx, { sessionId: consumed.reused });
      return null;
    }
    const { session } = consumed;
    const user = await findEnabledUser(tx, { userId: session.userId });
    if (!user) return null;
    return { issued: await issueTokens(ctx, tx, user, session.id), firmId: session.activeFirmId };
  });
  if (!outcome) return invalid;
  authenticatedDuringRequest.set(ctx, { userId: outcome.issued.user.id, firmId: outcome.firmId });
  return { session: outcome.issued, userErrors: [] };
}

/** Ends the caller's session; its access token is refused from the next request on. */
export async function logOut(ctx: TenancyContext): Promise<{ loggedOut: boolean; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  const loggedOut = await ctx.database.withTenant({ firmId: null }, (tx) => revokeSession(tx, { sessionId: actor.sessionId }));
  return { loggedOut, userErrors: [] };
}

/** Makes another of the user's firms the session's active firm. */
export async function switchActiveFirm(
  ctx: TenancyContext,
  firmId: string,
): Promise<{ viewer: ViewerModel | null; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  const notMember: { viewer: null; userErrors: UserError[] } = { viewer: null, userErrors: [{ field: ['input', 'firmId'], message: 'You are not a member of this firm.', code: 'INVALID' }] };
  if (!isUuid(firmId)) return notMember;
  return ctx.database.withTenant({ firmId: null, userId: actor.userId }, async (tx) => {
    const membership = await findMembership(tx, { firmId, userId: actor.userId });
    if (!membership) return notMember;
    await setSessionActiveFirm(tx, { sessionId: actor.sessionId, firmId });
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
    userErrors.push({ field: ['input', 'role'], message: 'You cannot grant a role above your own.', code: 'ROLE_NOT_GRANTABLE' });
  }
  if (userErrors.length > 0) return { invitation: null, invitationToken: null, userErrors };

  const secret = newOpaqueToken('fgi');
  return ctx.database.withTenant({ firmId: actor.firmId, userId: actor.userId }, async (tx) => {
    if (await isMemberByEmail(tx, { firmId: actor.firmId, email })) {
      return {
        invitation: null,
        invitationToken: null,
        userErrors: [{ field: ['input', 'email'], message: 'This person is already a member.', code: 'ALREADY_MEMBER' }],
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
 * Accepts an invitation in one transaction: creates the user if the email is new (name and a
 * strong password required), or checks the existing user's password; adds the membership, marks
 * the invitation used and starts a session in the firm.
 * @returns userErrors INVALID_TOKEN, REQUIRED, WEAK_PASSWORD, INVALID_CREDENTIALS, ALREADY_MEMBER.
 */
export async function acceptInvitation(
  ctx: TenancyContext,
  input: AcceptInvitationInput,
): Promise<{ membership: MembershipModel | null; session: IssuedSession | null; userErrors: UserError[] }> {
  const invalidToken: { membership: null; session: null; userErrors: UserError[] } = {
    membership: null,
    session: null,
    userErrors: [{ field: ['input', 'token'], message: 'This invitation is invalid or has expired.', code: 'INVALID_TOKEN' }],
  };
  const [firmId = '', secret = ''] = input.token.split('.');
  if (!isUuid(firmId) || !secret) return invalidToken;

  const fail = (userErrors: UserError[]): { membership: null; session: null; userErrors: UserError[] } => ({ membership: null, session: null, userErrors });
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const invitation = await findPendingInvitationForUpdate(tx, { firmId, tokenHash: hashToken(secret) });
    if (!invitation) return invalidToken;
    let user = await findUserByEmail(tx, { email: invitation.email });
    if (user) {
      if (!(await verifyPassword(user.passwordHash, input.password)) || user.disabledAt) return fail([INVALID_CREDENTIALS]);
      if (await findMembership(tx, { firmId, userId: user.id })) {
        return fail([{ field: ['input', 'token'], message: 'You are already a member of this firm.', code: 'ALREADY_MEMBER' }]);
      }
    } else {
      const userErrors: UserError[] = [];
      const name = requiredText(input.name ?? '', ['input', 'name'], 200, userErrors);
      const weakness = passwordWeakness(input.password, [name, invitation.email]);
      if (weakness) userErrors.push({ field: ['input', 'password'], message: weakness, code: 'WEAK_PASSWORD' });
      if (userErrors.length > 0) return fail(userErrors);
      user = await insertUser(tx, { id: newId(), email: invitation.email, name, passwordHash: await hashPassword(input.password) });
    }
    const membership = await insertMembership(tx, { firmId, id: newId(), userId: user.id, role: invitation.role });
    await markInvitationAccepted(tx, { firmId, invitationId: invitation.id });
    const [firm] = await getVisibleFirmsByIds(tx, { firmIds: [firmId] });
    const session = await startSession(ctx, tx, user, firmId);
    return { membership: { ...membership, firm, user }, session, userErrors: [] };
  });
}

/**
 * Resolves the caller behind an access token for the gateway: the session must be live and the
 * user enabled; the firm is the session's active firm and the role the user's membership there.
 * @returns null when the session is revoked, expired or the user disabled.
 */
export async function resolveSessionActor(
  database: TenancyContext['database'],
  claims: { sub: string; sid: string },
): Promise<{ userId: string; sessionId: string; firmId: string | null; roles: RoleValue[] } | null> {
  const found = await database.withTenant({ firmId: null, userId: claims.sub }, (tx) =>
    findLiveSession(tx, { sessionId: claims.sid, userId: claims.sub }),
  );
  if (!found || found.userDisabled) return null;
  const firmId = found.role ? found.session.activeFirmId : null;
  return { userId: claims.sub, sessionId: claims.sid, firmId, roles: found.role ? [found.role] : [] };
}

async function startSession(ctx: TenancyContext, tx: Tx, user: UserRow, activeFirmId: string | null): Promise<IssuedSession> {
  const sessionId = newId();
  await insertSession(tx, { id: sessionId, userId: user.id, activeFirmId, expiresAt: new Date(Date.now() + SESSION_TTL_SECONDS * 1000) });
  authenticatedDuringRequest.set(ctx, { userId: user.id, firmId: activeFirmId });
  return issueTokens(ctx, tx, user, sessionId);
}

/** Adds a new refresh token to the session and signs a new access token for it. */
async function issueTokens(ctx: TenancyContext, tx: Tx, user: UserRow, sessionId: string): Promise<IssuedSession> {
  const refreshToken = newOpaqueToken('fgr');
  const refreshTokenExpiresAt = new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000);
  await insertRefreshToken(tx, { id: newId(), sessionId, tokenHash: hashToken(refreshToken), expiresAt: refreshTokenExpiresAt });
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
  const suffix = BigInt(`0x${randomBytes(5).toString('hex')}`).toString(36).slice(0, 6);
  return `${base || 'firm'}-${suffix}`;
}
