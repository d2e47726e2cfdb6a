import { sql } from 'drizzle-orm';
import { asSignedInUser, recordAuditInFirms } from '../../../platform/audit.ts';
import type { UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import { auditForUser, checkSecondFactor, createMfaChallenge, MFA_CHALLENGE_MAX_FAILURES } from '../mfa/mfa-service.ts';
import {
  countMfaChallengeFailure,
  findLiveMfaChallengeForUpdate,
  isMfaEnabled,
  markMfaChallengeUsed,
} from '../mfa/mfa-store.ts';
import { findEnabledUser, findUserByEmail, listUserMemberships } from './identity-store.ts';
import {
  INVALID_CREDENTIALS,
  resetSignInAttempts,
  signInThrottleKey,
  signInWithPassword,
} from '../credentials/credential-service.ts';
import { hashToken } from '../../../platform/credentials.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { IssuedSession } from './identity-model.ts';
import { startSession } from './identity-service.ts';
import { acceptInvitationAfterSecondFactor } from './member-service.ts';

type UserError = GenericUserError<UserErrorCode>;

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
 * Signs a user in through `signInWithPassword` (credentials/credential-service.ts). Unknown email,
 * wrong password, disabled user and locked sign-in all answer the same `INVALID_CREDENTIALS` after
 * the same argon2 work, so nothing reveals whether an account exists. A rejected password of an
 * existing user is audited as `auth.login.failed` (metadata `attempt`), and the 10th also as
 * `auth.login.locked`, in each of the user's firms.
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
    const session = await startSession(ctx, tx, user, activeFirmId, { mfaVerified: true });
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
