import { createHash, randomInt } from 'node:crypto';
import type { Tx } from '../../../db/client.ts';
import type { UserTotpRow } from '../../../db/schema/mfa.ts';
import type { UserRow } from '../../../db/schema/tenancy.ts';
import { recordAuditInFirms } from '../../../platform/audit.ts';
import { unauthenticated } from '../../../platform/errors.ts';
import { newId } from '../../../platform/ids.ts';
import type { UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import { findEnabledUser, listUserMemberships, revokeUserSessions } from '../identity/identity-store.ts';
import { hashToken } from '../../../platform/credentials.ts';
import { newOpaqueToken } from '../identity/tokens.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import {
  advanceTotpStep,
  consumeBackupCode,
  deleteMfa,
  enableTotp,
  findUserTotpForUpdate,
  insertMfaChallenge,
  replaceBackupCodes,
  updateTotpCiphertext,
  upsertPendingTotp,
} from './mfa-store.ts';
import { keyId, open, seal } from './secret-box.ts';
import { newTotpSecret, provisioning, verifyTotp } from './totp.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Backup codes issued at a time. */
const BACKUP_CODE_COUNT = 10;
/** Lifetime of a log-in MFA challenge: 5 minutes. */
const MFA_CHALLENGE_TTL_SECONDS = 5 * 60;
/** Wrong codes a log-in challenge accepts before it ends (the user must log in again, which counts toward lockout). */
export const MFA_CHALLENGE_MAX_FAILURES = 5;

const BACKUP_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

const invalidCode = (field: string[]): UserError => ({
  field,
  message: 'The code is wrong, expired or already used.',
  code: 'INVALID_CODE',
});
const mfaNotEnabled: UserError = {
  field: [],
  message: 'Multi-factor authentication is not enabled.',
  code: 'MFA_NOT_ENABLED',
};

/** How a second factor was proven. */
export type SecondFactor = 'TOTP' | 'BACKUP_CODE';

/**
 * Checks a TOTP code or, failing that shape, a backup code against the user's enabled MFA, in the
 * caller's transaction. A TOTP code is single-use: its time step must be after the last accepted
 * one (RFC 6238 §5.2), ±1 step of drift. A backup code is consumed atomically.
 * @param kinds which factors count (regenerating backup codes accepts TOTP only).
 * @returns how the factor was proven, or null for a wrong, reused or malformed code or no MFA.
 */
export async function checkSecondFactor(
  ctx: TenancyContext,
  tx: Tx,
  { userId, code, kinds = ['TOTP', 'BACKUP_CODE'] }: { userId: string; code: string; kinds?: SecondFactor[] },
): Promise<SecondFactor | null> {
  const totp = await findUserTotpForUpdate(tx, { userId });
  if (!totp?.enabledAt) return null;
  const trimmed = code.replace(/\s+/g, '');
  if (/^\d{6}$/.test(trimmed)) {
    if (!kinds.includes('TOTP')) return null;
    const secret = await openTotpSecret(ctx, tx, totp);
    const step = await verifyTotp({ secret, code: trimmed, afterTimeStep: totp.lastUsedStep });
    return step !== null && (await advanceTotpStep(tx, { userId, usedStep: step })) ? 'TOTP' : null;
  }
  if (!kinds.includes('BACKUP_CODE')) return null;
  return (await consumeBackupCode(tx, { userId, codeHash: backupCodeHash(trimmed) })) ? 'BACKUP_CODE' : null;
}

/**
 * Starts a log-in challenge for a user with MFA, in the caller's transaction. With `invitationId`
 * (an invitation to `activeFirmId`), answering the challenge also accepts that invitation.
 * @returns the challenge token (`fgm_…`, shown once, stored as SHA-256), valid 5 minutes.
 */
export async function createMfaChallenge(
  tx: Tx,
  {
    userId,
    activeFirmId,
    invitationId = null,
  }: { userId: string; activeFirmId: string | null; invitationId?: string | null },
): Promise<string> {
  const token = newOpaqueToken('fgm');
  await insertMfaChallenge(tx, {
    id: newId(),
    userId,
    tokenHash: hashToken(token),
    activeFirmId,
    invitationId,
    expiresAt: new Date(Date.now() + MFA_CHALLENGE_TTL_SECONDS * 1000),
  });
  return token;
}

/**
 * Starts (or restarts) TOTP enrolment for the signed-in user: a new 160-bit secret, sealed with
 * AES-256-GCM under `MFA_ENCRYPTION_KEY` and stored as pending until `confirmMfaEnrolment`.
 * @returns the provisioning URI, its QR code and the base32 secret; `MFA_ALREADY_ENABLED` when on.
 * @throws UNAUTHENTICATED when the caller is not a signed-in user.
 */
export async function beginMfaEnrolment(ctx: TenancyContext): Promise<{
  provisioningUri: string | null;
  qrCodeDataUrl: string | null;
  secret: string | null;
  userErrors: UserError[];
}> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  return ctx.database.withTenant({ firmId: null, userId: actor.userId }, async (tx) => {
    const user = await signedInUserOrThrow(tx, actor.userId);
    const existing = await findUserTotpForUpdate(tx, { userId: user.id });
    if (existing?.enabledAt) {
      return {
        provisioningUri: null,
        qrCodeDataUrl: null,
        secret: null,
        userErrors: [
          { field: [], message: 'Multi-factor authentication is already enabled.', code: 'MFA_ALREADY_ENABLED' },
        ],
      };
    }
    const secret = newTotpSecret();
    await upsertPendingTotp(tx, {
      userId: user.id,
      secretCiphertext: seal(secret, ctx.config.mfaEncryptionKey, user.id),
    });
    return { ...(await provisioning(secret, user.email)), secret, userErrors: [] };
  });
}

/**
 * Confirms the pending authenticator with a current code: MFA is on from now, 10 backup codes are
 * issued (returned once), and every other session of the user ends. Audited as `mfa.enroll`.
 * @returns userErrors `MFA_NOT_ENABLED` (nothing pending), `MFA_ALREADY_ENABLED`, `INVALID_CODE`.
 */
export async function confirmMfaEnrolment(
  ctx: TenancyContext,
  code: string,
): Promise<{ backupCodes: string[] | null; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  return ctx.database.withTenant({ firmId: null, userId: actor.userId }, async (tx) => {
    const user = await signedInUserOrThrow(tx, actor.userId);
    const pending = await findUserTotpForUpdate(tx, { userId: user.id });
    if (!pending)
      return {
        backupCodes: null,
        userErrors: [{ ...mfaNotEnabled, message: 'Start enrolment with beginMfaEnrolment first.' }],
      };
    if (pending.enabledAt) {
      return {
        backupCodes: null,
        userErrors: [
          { field: [], message: 'Multi-factor authentication is already enabled.', code: 'MFA_ALREADY_ENABLED' },
        ],
      };
    }
    const secret = await openTotpSecret(ctx, tx, pending);
    const step = await verifyTotp({ secret, code: code.replace(/\s+/g, ''), afterTimeStep: null });
    if (step === null) return { backupCodes: null, userErrors: [invalidCode(['input', 'code'])] };
    await enableTotp(tx, { userId: user.id, usedStep: step });
    const backupCodes = await issueBackupCodes(tx, user.id);
    await revokeUserSessions(tx, { userId: user.id, exceptSessionId: actor.sessionId });
    await auditForUser(ctx, tx, user.id, 'mfa.enroll', {});
    return { backupCodes, userErrors: [] };
  });
}

/**
 * Turns MFA off after a TOTP or backup code, removing the authenticator and every backup code, and
 * ends every other session of the user. Audited as `mfa.disable` (a wrong code as `auth.mfa.failed`).
 * @returns userErrors `MFA_NOT_ENABLED` or `INVALID_CODE`; nothing changes then.
 */
export async function disableMfa(
  ctx: TenancyContext,
  code: string,
): Promise<{ disabled: boolean; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  return ctx.database.withTenant({ firmId: null, userId: actor.userId }, async (tx) => {
    const user = await signedInUserOrThrow(tx, actor.userId);
    if (!(await findUserTotpForUpdate(tx, { userId: user.id }))?.enabledAt)
      return { disabled: false, userErrors: [mfaNotEnabled] };
    const factor = await checkSecondFactor(ctx, tx, { userId: user.id, code });
    if (!factor) {
      await auditForUser(ctx, tx, user.id, 'auth.mfa.failed', { operation: 'disableMfa' });
      return { disabled: false, userErrors: [invalidCode(['input', 'code'])] };
    }
    await deleteMfa(tx, { userId: user.id });
    await revokeUserSessions(tx, { userId: user.id, exceptSessionId: actor.sessionId });
    await auditForUser(ctx, tx, user.id, 'mfa.disable', { factor });
    return { disabled: true, userErrors: [] };
  });
}

/**
 * Replaces every backup code with 10 new ones after a TOTP code (a backup code cannot mint more).
 * Audited as `mfa.backup_codes.regenerate`.
 * @returns the new codes once; userErrors `MFA_NOT_ENABLED` or `INVALID_CODE`.
 */
export async function regenerateBackupCodes(
  ctx: TenancyContext,
  code: string,
): Promise<{ backupCodes: string[] | null; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'STAFF') throw unauthenticated();
  return ctx.database.withTenant({ firmId: null, userId: actor.userId }, async (tx) => {
    const user = await signedInUserOrThrow(tx, actor.userId);
    if (!(await findUserTotpForUpdate(tx, { userId: user.id }))?.enabledAt)
      return { backupCodes: null, userErrors: [mfaNotEnabled] };
    if (!(await checkSecondFactor(ctx, tx, { userId: user.id, code, kinds: ['TOTP'] }))) {
      await auditForUser(ctx, tx, user.id, 'auth.mfa.failed', { operation: 'regenerateBackupCodes' });
      return { backupCodes: null, userErrors: [invalidCode(['input', 'code'])] };
    }
    const backupCodes = await issueBackupCodes(tx, user.id);
    await auditForUser(ctx, tx, user.id, 'mfa.backup_codes.regenerate', {});
    return { backupCodes, userErrors: [] };
  });
}

/**
 * Records an event about a user in the audit log of every firm the user belongs to (the
 * transaction must have `app.user_id` set to the user, so their memberships are visible).
 */
export async function auditForUser(
  ctx: TenancyContext,
  tx: Tx,
  userId: string,
  action: string,
  metadata: Record<string, string | number | boolean | null>,
): Promise<void> {
  const firmIds = (await listUserMemberships(tx, { userId })).map((membership) => membership.firmId);
  await recordAuditInFirms(tx, ctx, firmIds, { action, targetType: 'user', targetId: userId, metadata });
}

/**
 * SHA-256 hex of a backup code after normalization (lower case, no spaces or dashes). Backup codes
 * carry 60 random bits, so a fast hash is enough (no dictionary to attack).
 */
function backupCodeHash(code: string): string {
  return createHash('sha256')
    .update(code.toLowerCase().replace(/[\s-]+/g, ''))
    .digest('hex');
}

/** Ten new backup codes as `xxxx-xxxx-xxxx` (12 characters of a 31-letter alphabet, ~59 bits); stores their hashes. */
async function issueBackupCodes(tx: Tx, userId: string): Promise<string[]> {
  const codes = Array.from({ length: BACKUP_CODE_COUNT }, () => {
    const chars = Array.from({ length: 12 }, () => BACKUP_CODE_ALPHABET[randomInt(BACKUP_CODE_ALPHABET.length)]).join(
      '',
    );
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
  await replaceBackupCodes(tx, { userId, codeHashes: codes.map(backupCodeHash) });
  return codes;
}

/**
 * The base32 TOTP secret of a stored authenticator. A secret sealed under a key now listed in
 * MFA_PREVIOUS_ENCRYPTION_KEYS is re-sealed under MFA_ENCRYPTION_KEY in the same transaction, so
 * a rotation completes as users sign in.
 */
async function openTotpSecret(ctx: TenancyContext, tx: Tx, totp: UserTotpRow): Promise<string> {
  const current = ctx.config.mfaEncryptionKey;
  const { plaintext, keyId: sealedWith } = open(
    totp.secretCiphertext,
    [current, ...ctx.config.mfaPreviousEncryptionKeys],
    totp.userId,
  );
  if (sealedWith !== keyId(current)) {
    await updateTotpCiphertext(tx, { userId: totp.userId, secretCiphertext: seal(plaintext, current, totp.userId) });
  }
  return plaintext;
}

async function signedInUserOrThrow(tx: Tx, userId: string): Promise<UserRow> {
  const user = await findEnabledUser(tx, { userId });
  if (!user) throw unauthenticated();
  return user;
}
