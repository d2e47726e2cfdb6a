import { randomBytes } from 'node:crypto';
import type { FirmRow } from '../../../db/schema/tenancy.ts';
import { asSignedInUser, recordAudit } from '../../../platform/audit.ts';
import { assertStaffCan } from '../../../platform/authz.ts';
import { notFound } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import { isUniqueViolation } from '../../../platform/pg-errors.ts';
import { normalizeEmail, requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import { isMfaEnabled } from '../mfa/mfa-store.ts';
import {
  findUserByEmail,
  insertFirm,
  insertMembership,
  insertUser,
  setFirmRequireMfaForAdmins,
} from './identity-store.ts';
import { hashPassword, passwordWeakness } from './passwords.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import { publishRevocations } from '../revocations.ts';
import type { IssuedSession } from './identity-model.ts';
import { startSession } from './identity-service.ts';

type UserError = GenericUserError<UserErrorCode>;

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
    // Requiring MFA holds unenrolled OWNERs and ADMINs out of the firm: no cached session may outlive that.
    if (input.requireMfaForAdmins)
      await publishRevocations(tx, [{ firmId: actor.firmId, subject: `firm:${actor.firmId}` }]);
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
