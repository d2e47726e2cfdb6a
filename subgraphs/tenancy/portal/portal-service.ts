import type { Database, Tx } from '../../../db/client.ts';
import type { PortalUserRow } from '../../../db/schema/portal.ts';
import { recordAudit, type AuditContext } from '../../../platform/audit.ts';
import { assertCan, assertStaffCan } from '../../../platform/authz.ts';
import { notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { mailboxMailer } from '../../../platform/mailer.ts';
import { type PortalTokenClaims } from '../../../platform/credentials.ts';
import { hmacKey, type Actor } from '../../../platform/signed-context.ts';
import {
  isStorableText,
  normalizeEmail,
  requiredText,
  type UserError as GenericUserError,
} from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import {
  countSignInAttempt,
  INVALID_CREDENTIALS,
  resetSignInAttempts,
  signInThrottleKey,
  signInWithPassword,
} from '../credentials/credential-service.ts';
import { getVisibleFirmsByIds } from '../identity/identity-store.ts';
import { hashPassword, passwordWeakness } from '../identity/passwords.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import {
  consumePortalRefreshToken,
  consumePortalToken,
  deletePortalLogin,
  findLivePortalSessionUser,
  findPortalLogins,
  findPortalUserByContactOrEmail,
  portalInvitationTargets,
  getPortalUserForUpdate,
  getPortalUsersByIds,
  grantsOfPortalUsers,
  portalReach,
  insertPortalClientGrants,
  insertPortalLogin,
  insertPortalRefreshToken,
  insertPortalSession,
  insertPortalToken,
  insertPortalUser,
  revokePortalSession,
  revokePortalSessions,
  revokeUnusedPortalTokens,
  updatePortalUser,
} from './portal-store.ts';
import type { IssuedPortalSession, PortalViewerModel } from './portal-model.ts';
import {
  newPortalSecret,
  parsePortalSecret,
  PORTAL_INVITATION_TTL_SECONDS,
  PORTAL_LINK_TTL_SECONDS,
  PORTAL_REFRESH_TOKEN_TTL_SECONDS,
  PORTAL_SESSION_TTL_SECONDS,
  signPortalAccessToken,
} from './portal-tokens.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Most clients one invitation may grant one by one. */
const MAX_PORTAL_GRANTS = 100;

/**
 * Portal users a mutation of this request signed in (accept, log-in, link, refresh). The caller
 * was anonymous when the request started, so shield lets them read exactly this portal user in
 * the payload, and nothing else.
 */
const signedInDuringRequest = new WeakMap<TenancyContext, string>();

/** The portal user a mutation of this request signed in, if any (for shield rules). */
export function portalUserSignedInDuring(ctx: TenancyContext): string | undefined {
  return signedInDuringRequest.get(ctx);
}

function invalidToken(field: string): { session: null; userErrors: UserError[] } {
  return {
    session: null,
    userErrors: [{ field: ['input', field], message: 'This link is invalid, used or expired.', code: 'INVALID_TOKEN' }],
  };
}

/** The audit context of a request that has just proved to be this portal user. */
function asPortalUser(ctx: AuditContext, portalUserId: string): AuditContext {
  return { actor: { kind: 'PORTAL', portalUserId }, requestId: ctx.requestId, origin: ctx.origin };
}

/** Input of `invitePortalUser`. */
export interface InvitePortalUserInput {
  contactId: string;
  email: string;
  name: string;
  clientIds: readonly string[];
  organizationId?: string | null;
}

/**
 * Invites a crm contact to the portal: creates the portal user with its grants and a 7-day
 * single-use invitation token (stored as SHA-256), in one transaction, then emails the link.
 * Requires `portal:invite` of a staff member. Audited as `portal_user.invite`. tenancy never reads
 * crm: the grants name crm ids, and introspection narrows them to the contact's links (`crm.portal_reach`, migration 0009).
 * @returns userErrors INVALID/REQUIRED/TOO_LONG/DUPLICATE on the input, ALREADY_INVITED when the
 *   contact or email already has a portal user in the firm; nothing is written or sent then.
 */
export async function invitePortalUser(
  ctx: TenancyContext,
  input: InvitePortalUserInput,
): Promise<{ portalUser: PortalUserRow | null; userErrors: UserError[] }> {
  const actor = assertStaffCan(ctx.actor, 'portal:invite');
  const userErrors: UserError[] = [];
  const email = normalizeEmail(input.email, ['input', 'email'], userErrors);
  const name = requiredText(input.name, ['input', 'name'], 200, userErrors);
  const organizationId = input.organizationId ?? null;
  if (!isUuid(input.contactId))
    userErrors.push({ field: ['input', 'contactId'], message: 'Not a contact id.', code: 'INVALID' });
  if (organizationId !== null && !isUuid(organizationId))
    userErrors.push({ field: ['input', 'organizationId'], message: 'Not an organization id.', code: 'INVALID' });
  if (input.clientIds.length === 0 && organizationId === null) {
    userErrors.push({
      field: ['input', 'clientIds'],
      message: 'Grant at least one client or an organization.',
      code: 'REQUIRED',
    });
  }
  if (input.clientIds.length > MAX_PORTAL_GRANTS)
    userErrors.push({
      field: ['input', 'clientIds'],
      message: `At most ${MAX_PORTAL_GRANTS} clients.`,
      code: 'TOO_LONG',
    });
  input.clientIds.forEach((id, i) => {
    if (!isUuid(id))
      userErrors.push({ field: ['input', 'clientIds', String(i)], message: 'Not a client id.', code: 'INVALID' });
  });
  if (userErrors.length > 0) return { portalUser: null, userErrors };
  const clientIds = [...new Set(input.clientIds)];

  const { firmId } = actor;
  const invitation = newPortalSecret(firmId, 'fgpi');
  const outcome = await ctx.database.withTenant({ firmId, userId: actor.userId }, async (tx) => {
    const targets = await portalInvitationTargets(tx, { contactId: input.contactId, clientIds, organizationId });
    const missing: UserError[] = [];
    if (!targets.contactExists)
      missing.push({ field: ['input', 'contactId'], message: 'No such contact.', code: 'NOT_FOUND' });
    input.clientIds.forEach((id, i) => {
      if (targets.missingClientIds.includes(id))
        missing.push({ field: ['input', 'clientIds', String(i)], message: 'No such client.', code: 'NOT_FOUND' });
    });
    if (!targets.organizationExists)
      missing.push({ field: ['input', 'organizationId'], message: 'No such organization.', code: 'NOT_FOUND' });
    if (missing.length > 0) return { portalUser: null, userErrors: missing };
    if (await findPortalUserByContactOrEmail(tx, { firmId, contactId: input.contactId, email })) {
      return {
        portalUser: null,
        userErrors: [
          {
            field: ['input', 'contactId'],
            message: 'This contact or email already has portal access.',
            code: 'ALREADY_INVITED' as const,
          },
        ],
      };
    }
    const portalUser = await insertPortalUser(tx, {
      firmId,
      id: newId(),
      contactId: input.contactId,
      email,
      name,
      organizationId,
      invitedByUserId: actor.userId,
    });
    await insertPortalClientGrants(tx, { firmId, portalUserId: portalUser.id, clientIds });
    await insertInvitationToken(tx, firmId, portalUser.id, invitation.tokenHash);
    await recordAudit(tx, ctx, {
      firmId,
      action: 'portal_user.invite',
      targetType: 'portal_user',
      targetId: portalUser.id,
      metadata: { clients: clientIds.length, organizationWide: organizationId !== null },
    });
    return { portalUser, userErrors: [], firm: await firmOf(tx, firmId) };
  });
  if (outcome.portalUser) await mailInvitation(ctx, outcome.portalUser, outcome.firm!, invitation.token);
  return { portalUser: outcome.portalUser, userErrors: outcome.userErrors };
}

/**
 * Emails a new invitation to a portal user who has not accepted yet; earlier invitation links stop
 * working. Requires `portal:invite`. Audited as `portal_user.invite.resend`.
 * @returns userErrors ALREADY_ACTIVE or REVOKED.
 * @throws NOT_FOUND when the active firm has no such portal user.
 */
export async function resendPortalInvitation(
  ctx: TenancyContext,
  portalUserId: string,
): Promise<{ portalUser: PortalUserRow | null; userErrors: UserError[] }> {
  const { firmId, userId } = assertStaffCan(ctx.actor, 'portal:invite');
  if (!isUuid(portalUserId)) throw notFound('PortalUser');
  const invitation = newPortalSecret(firmId, 'fgpi');
  const outcome = await ctx.database.withTenant({ firmId, userId }, async (tx) => {
    const portalUser = await getPortalUserForUpdate(tx, { firmId, portalUserId });
    if (!portalUser) throw notFound('PortalUser');
    if (portalUser.revokedAt)
      return {
        portalUser: null,
        userErrors: [
          { field: ['input', 'portalUserId'], message: 'Portal access was revoked.', code: 'REVOKED' as const },
        ],
      };
    if (portalUser.activatedAt) {
      return {
        portalUser: null,
        userErrors: [
          {
            field: ['input', 'portalUserId'],
            message: 'The invitation was already accepted.',
            code: 'ALREADY_ACTIVE' as const,
          },
        ],
      };
    }
    await revokeUnusedPortalTokens(tx, { firmId, portalUserId, purpose: 'INVITATION' });
    await insertInvitationToken(tx, firmId, portalUserId, invitation.tokenHash);
    await recordAudit(tx, ctx, {
      firmId,
      action: 'portal_user.invite.resend',
      targetType: 'portal_user',
      targetId: portalUserId,
    });
    return { portalUser, userErrors: [], firm: await firmOf(tx, firmId) };
  });
  if (outcome.portalUser) await mailInvitation(ctx, outcome.portalUser, outcome.firm!, invitation.token);
  return { portalUser: outcome.portalUser, userErrors: outcome.userErrors };
}

/**
 * Revokes a portal user's access at once: every session ends (access tokens are refused from the
 * next request on), unused invitation and sign-in links stop working, and the email leaves the
 * log-in directory. Idempotent. Requires `portal:invite`. Audited as `portal_user.revoke`.
 * @throws NOT_FOUND when the active firm has no such portal user.
 */
export async function revokePortalAccess(
  ctx: TenancyContext,
  portalUserId: string,
): Promise<{ portalUser: PortalUserRow; userErrors: UserError[] }> {
  const { firmId, userId } = assertStaffCan(ctx.actor, 'portal:invite');
  if (!isUuid(portalUserId)) throw notFound('PortalUser');
  return ctx.database.withTenant({ firmId, userId }, async (tx) => {
    const current = await getPortalUserForUpdate(tx, { firmId, portalUserId });
    if (!current) throw notFound('PortalUser');
    if (current.revokedAt) return { portalUser: current, userErrors: [] };
    const portalUser = await updatePortalUser(tx, { firmId, portalUserId, patch: { revokedAt: new Date() } });
    const sessionsRevoked = await revokePortalSessions(tx, { firmId, portalUserId });
    await revokeUnusedPortalTokens(tx, { firmId, portalUserId, purpose: null });
    await deletePortalLogin(tx, { firmId, email: current.email });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'portal_user.revoke',
      targetType: 'portal_user',
      targetId: portalUserId,
      metadata: { sessionsRevoked },
    });
    return { portalUser, userErrors: [] };
  });
}

class WeakPasswordError extends Error {}

/**
 * Accepts an invitation: sets the password, activates the portal user, lists the email in the
 * log-in directory and starts a portal session, in one transaction; the token is then used up.
 * Audited as `portal_user.accept`.
 * @returns a session; userErrors INVALID_TOKEN (unknown, used, superseded, expired or revoked) or
 *   WEAK_PASSWORD (the token stays usable).
 */
export async function acceptPortalInvitation(
  ctx: TenancyContext,
  input: { token: string; password: string },
): Promise<{ session: IssuedPortalSession | null; userErrors: UserError[] }> {
  const parsed = parsePortalSecret(input.token);
  if (!parsed) return invalidToken('token');
  const weakness = passwordWeakness(input.password);
  if (weakness)
    return { session: null, userErrors: [{ field: ['input', 'password'], message: weakness, code: 'WEAK_PASSWORD' }] };
  const passwordHash = await hashPassword(input.password);
  const { firmId, tokenHash } = parsed;
  try {
    return await ctx.database.withTenant({ firmId }, async (tx) => {
      const token = await consumePortalToken(tx, { firmId, tokenHash, purpose: 'INVITATION' });
      if (!token) return invalidToken('token');
      const current = await getPortalUserForUpdate(tx, { firmId, portalUserId: token.portalUserId });
      if (!current || current.revokedAt || current.activatedAt) return invalidToken('token');
      const personal = passwordWeakness(input.password, [current.name, current.email]);
      // Rolls the transaction back, so the invitation stays usable for a better password.
      if (personal) throw new WeakPasswordError(personal);
      const portalUser = await updatePortalUser(tx, {
        firmId,
        portalUserId: current.id,
        patch: { passwordHash, activatedAt: new Date() },
      });
      const [firm] = await getVisibleFirmsByIds(tx, { firmIds: [firmId] });
      await insertPortalLogin(tx, {
        email: portalUser.email,
        firmId,
        firmSlug: firm!.slug,
        portalUserId: portalUser.id,
      });
      await recordAudit(tx, asPortalUser(ctx, portalUser.id), {
        firmId,
        action: 'portal_user.accept',
        targetType: 'portal_user',
        targetId: portalUser.id,
      });
      return { session: await startPortalSession(ctx, tx, portalUser), userErrors: [] };
    });
  } catch (error) {
    if (error instanceof WeakPasswordError)
      return {
        session: null,
        userErrors: [{ field: ['input', 'password'], message: error.message, code: 'WEAK_PASSWORD' }],
      };
    throw error;
  }
}

/**
 * Signs a portal user in with email and password, through `signInWithPassword`
 * (credentials/credential-service.ts). Unknown firm or email, wrong password, a revoked user, a
 * user without a password (magic link only) and a locked sign-in all answer the same
 * INVALID_CREDENTIALS after the same argon2 work. Lockout as for staff (PCI DSS 8.3.4): attempts
 * are counted per firm and email before the password is checked; the 10th failure locks for 30
 * minutes; a success resets. Audited as `auth.portal.login` / `auth.portal.login.failed`.
 */
export async function logInPortal(
  ctx: TenancyContext,
  input: { firmSlug: string; email: string; password: string },
): Promise<{ session: IssuedPortalSession | null; userErrors: UserError[] }> {
  const email = input.email.trim().toLowerCase();
  const firmSlug = input.firmSlug.trim().toLowerCase();
  const throttleKey = signInThrottleKey({ kind: 'portal-login', firmSlug, email });
  const portalUser = await signInWithPassword(ctx.database, {
    throttleKey,
    password: input.password,
    identifiers: [email, firmSlug],
    find: async (tx) => (await findPortalLogins(tx, { email, firmSlug }))[0],
    // The log-in directory names the firm; the portal user is read under that firm's row-level security.
    credentials: async (login) => {
      const [row] = await ctx.database.withTenant({ firmId: login.firmId }, (tx) =>
        getPortalUsersByIds(tx, { firmId: login.firmId, portalUserIds: [login.portalUserId] }),
      );
      return row?.passwordHash
        ? { account: row, passwordHash: row.passwordHash, barred: row.revokedAt !== null }
        : undefined;
    },
    onRejected: (row, attempt) =>
      ctx.database.withTenant({ firmId: row.firmId }, (tx) =>
        recordAudit(tx, asPortalUser(ctx, row.id), {
          firmId: row.firmId,
          action: 'auth.portal.login.failed',
          targetType: 'portal_user',
          targetId: row.id,
          metadata: { attempt: attempt.number },
        }),
      ),
  });
  if (!portalUser) return { session: null, userErrors: [INVALID_CREDENTIALS] };
  const { firmId } = portalUser;
  return ctx.database.withTenant({ firmId }, async (tx) => {
    await resetSignInAttempts(tx, throttleKey);
    await recordAudit(tx, asPortalUser(ctx, portalUser.id), {
      firmId,
      action: 'auth.portal.login',
      targetType: 'portal_user',
      targetId: portalUser.id,
      metadata: { method: 'password' },
    });
    return { session: await startPortalSession(ctx, tx, portalUser), userErrors: [] };
  });
}

/**
 * Emails a one-hour, single-use sign-in link to each live portal user with this email (in the firm
 * `firmSlug` names, or in every firm). Always answers `requested: true`, so it reveals nothing;
 * at most 10 requests per firm and email in 30 minutes are honoured (the sign-in throttle), so it
 * cannot flood a mailbox. Earlier unused links stop working. Audited as `portal_user.link.request`.
 * @returns userErrors INVALID for a malformed email only.
 */
export async function requestPortalLink(
  ctx: TenancyContext,
  input: { email: string; firmSlug?: string | null },
): Promise<{ requested: boolean; userErrors: UserError[] }> {
  const userErrors: UserError[] = [];
  const email = normalizeEmail(input.email, ['input', 'email'], userErrors);
  if (userErrors.length > 0) return { requested: false, userErrors };
  const firmSlug = input.firmSlug?.trim().toLowerCase() || null;
  if (firmSlug !== null && !isStorableText(firmSlug)) return { requested: true, userErrors: [] };
  const logins = await ctx.database.withTenant({ firmId: null }, (tx) => findPortalLogins(tx, { email, firmSlug }));
  for (const login of logins) {
    const link = newPortalSecret(login.firmId, 'fgpl');
    const sent = await ctx.database.withTenant({ firmId: login.firmId }, async (tx) => {
      const [firm] = await getVisibleFirmsByIds(tx, { firmIds: [login.firmId] });
      const linkThrottleKey = signInThrottleKey({ kind: 'portal-link', firmSlug: firm!.slug, email });
      if ((await countSignInAttempt(tx, linkThrottleKey)).locked) return null;
      const portalUser = await getPortalUserForUpdate(tx, { firmId: login.firmId, portalUserId: login.portalUserId });
      if (!portalUser || portalUser.revokedAt || !portalUser.activatedAt) return null;
      await revokeUnusedPortalTokens(tx, { firmId: login.firmId, portalUserId: portalUser.id, purpose: 'MAGIC_LINK' });
      await insertPortalToken(tx, {
        firmId: login.firmId,
        id: newId(),
        portalUserId: portalUser.id,
        purpose: 'MAGIC_LINK',
        tokenHash: link.tokenHash,
        expiresAt: new Date(Date.now() + PORTAL_LINK_TTL_SECONDS * 1000),
      });
      await recordAudit(tx, asPortalUser(ctx, portalUser.id), {
        firmId: login.firmId,
        action: 'portal_user.link.request',
        targetType: 'portal_user',
        targetId: portalUser.id,
      });
      return { portalUser, firm: firm! };
    });
    if (sent) {
      await mailboxMailer(ctx.config.dataDir).send({
        to: sent.portalUser.email,
        subject: `Your sign-in link for ${sent.firm.name}`,
        text: [
          `Hello ${sent.portalUser.name},`,
          '',
          `Use this link within one hour to sign in to the ${sent.firm.name} client portal. It works once.`,
          '',
          `Sign-in token: ${link.token}`,
          '',
          'If you did not ask for it, ignore this email.',
        ].join('\n'),
      });
    }
  }
  return { requested: true, userErrors: [] };
}

/**
 * Signs a portal user in with the token of an emailed link: single-use, one hour, only for a live
 * portal user. Resets the link throttle. Audited as `auth.portal.login` (method `link`).
 * @returns userErrors INVALID_TOKEN.
 */
export async function logInWithPortalLink(
  ctx: TenancyContext,
  input: { token: string },
): Promise<{ session: IssuedPortalSession | null; userErrors: UserError[] }> {
  const parsed = parsePortalSecret(input.token);
  if (!parsed) return invalidToken('token');
  const { firmId, tokenHash } = parsed;
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const token = await consumePortalToken(tx, { firmId, tokenHash, purpose: 'MAGIC_LINK' });
    if (!token) return invalidToken('token');
    const [portalUser] = await getPortalUsersByIds(tx, { firmId, portalUserIds: [token.portalUserId] });
    if (!portalUser || portalUser.revokedAt || !portalUser.activatedAt) return invalidToken('token');
    const [firm] = await getVisibleFirmsByIds(tx, { firmIds: [firmId] });
    await resetSignInAttempts(
      tx,
      signInThrottleKey({ kind: 'portal-link', firmSlug: firm!.slug, email: portalUser.email }),
    );
    await recordAudit(tx, asPortalUser(ctx, portalUser.id), {
      firmId,
      action: 'auth.portal.login',
      targetType: 'portal_user',
      targetId: portalUser.id,
      metadata: { method: 'link' },
    });
    return { session: await startPortalSession(ctx, tx, portalUser), userErrors: [] };
  });
}

/**
 * Exchanges a portal refresh token for a new pair (rotation). A token used before is a theft
 * signal (RFC 9700 §4.14.2): its session is revoked, audited as `auth.portal.refresh_token.reused`.
 * @returns userErrors INVALID_TOKEN for unknown, expired, reused or revoked tokens.
 */
export async function refreshPortalSession(
  ctx: TenancyContext,
  refreshToken: string,
): Promise<{ session: IssuedPortalSession | null; userErrors: UserError[] }> {
  const parsed = parsePortalSecret(refreshToken);
  if (!parsed) return invalidToken('refreshToken');
  const { firmId, tokenHash } = parsed;
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const consumed = await consumePortalRefreshToken(tx, { firmId, tokenHash });
    if (!consumed) return invalidToken('refreshToken');
    if ('reused' in consumed) {
      await revokePortalSession(tx, { firmId, sessionId: consumed.reused });
      await recordAudit(tx, ctx, {
        firmId,
        action: 'auth.portal.refresh_token.reused',
        targetType: 'portal_session',
        targetId: consumed.reused,
      });
      return invalidToken('refreshToken');
    }
    const portalUser = await findLivePortalSessionUser(tx, {
      firmId,
      sessionId: consumed.sessionId,
      portalUserId: consumed.portalUserId,
    });
    if (!portalUser) return invalidToken('refreshToken');
    signedInDuringRequest.set(ctx, portalUser.id);
    return { session: await issuePortalTokens(ctx, tx, portalUser, consumed.sessionId), userErrors: [] };
  });
}

/**
 * Resolves the caller behind a portal access token, for credential introspection: the session must
 * be live and the portal user unrevoked, under the firm the token names. The clients it reaches
 * are its grants narrowed by crm to those its contact is still linked to, plus a granted
 * organization's clients (`crm.portal_reach`, migration 0009), in the same transaction.
 * @returns the portal actor and its contact, or null when the session or user is gone.
 */
export async function resolvePortalSession(
  database: Database,
  claims: PortalTokenClaims,
): Promise<{ actor: Extract<Actor, { kind: 'PORTAL' }>; contactId: string } | null> {
  return database.withTenant({ firmId: claims.fid }, async (tx) => {
    const portalUser = await findLivePortalSessionUser(tx, {
      firmId: claims.fid,
      sessionId: claims.sid,
      portalUserId: claims.sub,
    });
    if (!portalUser) return null;
    const grants = await grantsOfPortalUsers(tx, { firmId: claims.fid, portalUserIds: [portalUser.id] });
    const clientIds = await portalReach(tx, {
      contactId: portalUser.contactId,
      clientIds: grants.map((grant) => grant.clientId),
      organizationId: portalUser.organizationId,
    });
    return {
      actor: { kind: 'PORTAL', portalUserId: portalUser.id, sessionId: claims.sid, firmId: claims.fid, clientIds },
      contactId: portalUser.contactId,
    };
  });
}

/** The signed-in portal viewer, or null unless the caller is a portal session. */
export async function currentPortalViewer(ctx: TenancyContext): Promise<PortalViewerModel | null> {
  const { actor } = ctx;
  if (actor.kind !== 'PORTAL') return null;
  const portalUser = await ctx.loaders.portalUserById.load(actor.portalUserId);
  return portalUser ? { portalUser, clientIds: actor.clientIds } : null;
}

/** A portal user of the active firm, or null (unknown, malformed and other firms' ids alike). Requires `contact:read`. */
export async function findPortalUser(ctx: TenancyContext, portalUserId: string): Promise<PortalUserRow | null> {
  assertCan(ctx.actor, 'contact:read');
  return isUuid(portalUserId) ? ctx.loaders.portalUserById.load(portalUserId) : null;
}

/** The clients granted one by one to a portal user, as `Client` references. Requires `contact:read`. */
export async function portalUserGrantedClients(
  ctx: TenancyContext,
  portalUser: PortalUserRow,
): Promise<{ id: string }[]> {
  assertCan(ctx.actor, 'contact:read');
  return (await ctx.loaders.grantedClientIdsByPortalUser.load(portalUser.id)).map((id) => ({ id }));
}

/** `INVITED`, `ACTIVE` or `REVOKED`. */
export function portalUserStatus(portalUser: PortalUserRow): 'INVITED' | 'ACTIVE' | 'REVOKED' {
  return portalUser.revokedAt ? 'REVOKED' : portalUser.activatedAt ? 'ACTIVE' : 'INVITED';
}

async function insertInvitationToken(tx: Tx, firmId: string, portalUserId: string, tokenHash: string): Promise<void> {
  await insertPortalToken(tx, {
    firmId,
    id: newId(),
    portalUserId,
    purpose: 'INVITATION',
    tokenHash,
    expiresAt: new Date(Date.now() + PORTAL_INVITATION_TTL_SECONDS * 1000),
  });
}

async function firmOf(tx: Tx, firmId: string): Promise<{ name: string; slug: string }> {
  const [firm] = await getVisibleFirmsByIds(tx, { firmIds: [firmId] });
  return { name: firm!.name, slug: firm!.slug };
}

/** Emails the invitation token; it travels only in the mail, never in a response or a log. */
async function mailInvitation(
  ctx: TenancyContext,
  portalUser: PortalUserRow,
  firm: { name: string; slug: string },
  token: string,
): Promise<void> {
  await mailboxMailer(ctx.config.dataDir).send({
    to: portalUser.email,
    subject: `${firm.name} invites you to its client portal`,
    text: [
      `Hello ${portalUser.name},`,
      '',
      `${firm.name} has invited you to its client portal. Accept within 7 days by choosing a password. The invitation works once.`,
      `Afterwards, sign in with your email and the firm code ${firm.slug}, or ask for a sign-in link.`,
      '',
      `Invitation token: ${token}`,
    ].join('\n'),
  });
}

async function startPortalSession(
  ctx: TenancyContext,
  tx: Tx,
  portalUser: PortalUserRow,
): Promise<IssuedPortalSession> {
  const session = await insertPortalSession(tx, {
    firmId: portalUser.firmId,
    id: newId(),
    portalUserId: portalUser.id,
    expiresAt: new Date(Date.now() + PORTAL_SESSION_TTL_SECONDS * 1000),
  });
  signedInDuringRequest.set(ctx, portalUser.id);
  return issuePortalTokens(ctx, tx, portalUser, session.id);
}

async function issuePortalTokens(
  ctx: TenancyContext,
  tx: Tx,
  portalUser: PortalUserRow,
  sessionId: string,
): Promise<IssuedPortalSession> {
  const refresh = newPortalSecret(portalUser.firmId, 'fgpr');
  const refreshTokenExpiresAt = new Date(Date.now() + PORTAL_REFRESH_TOKEN_TTL_SECONDS * 1000);
  await insertPortalRefreshToken(tx, {
    firmId: portalUser.firmId,
    id: newId(),
    sessionId,
    tokenHash: refresh.tokenHash,
    expiresAt: refreshTokenExpiresAt,
  });
  const { token, expiresAt } = await signPortalAccessToken(
    { sub: portalUser.id, sid: sessionId, fid: portalUser.firmId },
    hmacKey(ctx.config.jwtSecret),
  );
  return {
    accessToken: token,
    accessTokenExpiresAt: expiresAt,
    refreshToken: refresh.token,
    refreshTokenExpiresAt,
    portalUser,
  };
}
