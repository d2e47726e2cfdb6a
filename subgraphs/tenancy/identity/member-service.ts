import { sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import type { FirmRow, InvitationRow, MembershipRow, RoleValue } from '../../../db/schema/tenancy.ts';
import { asSignedInUser, recordAudit } from '../../../platform/audit.ts';
import { assertCan, assertStaffCan } from '../../../platform/authz.ts';
import { forbidden } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { ROLE_RANK } from '../../../platform/permissions.ts';
import {
  CREATED_AT_CURSOR,
  parsePageArgs,
  toConnection,
  type Connection,
  type PageArgs,
} from '../../../platform/relay.ts';
import { normalizeEmail, requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import { createMfaChallenge } from '../mfa/mfa-service.ts';
import { isMfaEnabled } from '../mfa/mfa-store.ts';
import {
  countFirmMemberships,
  findMembership,
  findPendingInvitationForUpdate,
  findUserByEmail,
  getVisibleFirmsByIds,
  insertInvitation,
  insertMembership,
  insertUser,
  isMemberByEmail,
  listFirmMemberships,
  listUserMemberships,
  markInvitationAccepted,
} from './identity-store.ts';
import {
  attemptMatches,
  countSignInAttempt,
  INVALID_CREDENTIALS,
  resetSignInAttempts,
  signInThrottleKey,
} from '../credentials/credential-service.ts';
import { hashPassword, passwordWeakness } from './passwords.ts';
import { hashToken } from '../../../platform/credentials.ts';
import { INVITATION_TTL_SECONDS, newOpaqueToken } from './tokens.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { IssuedSession, MembershipModel, ViewerModel } from './identity-model.ts';
import { startSession } from './identity-service.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Every membership of the signed-in user, across firms, oldest first (the own-membership RLS policy shows them). */
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
 * The second half of `acceptInvitation` for a user with MFA, once `verifyMfaChallenge` proved the
 * second factor: joins the firm when the invitation is still pending and the user not yet a member
 * (it may have been revoked, expired or used meanwhile; then the sign-in goes on without it). Acts
 * in the invitation's firm for these writes, then returns the transaction to no firm.
 */
export async function acceptInvitationAfterSecondFactor(
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
