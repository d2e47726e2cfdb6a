import { unauthenticated } from '../../../platform/errors.ts';
import type { UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import { auditForUser } from '../mfa/mfa-service.ts';
import { findEnabledUser, revokeUserSessions, updatePasswordHash } from './identity-store.ts';
import {
  attemptMatches,
  countSignInAttempt,
  INVALID_CREDENTIALS,
  resetSignInAttempts,
  signInThrottleKey,
} from '../credentials/credential-service.ts';
import { hashPassword, passwordWeakness } from './passwords.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';

type UserError = GenericUserError<UserErrorCode>;

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
