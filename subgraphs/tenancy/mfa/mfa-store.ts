import { and, eq, gt, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import {
  mfaBackupCodes,
  mfaChallenges,
  userTotp,
  type MfaChallengeRow,
  type UserTotpRow,
} from '../../../db/schema/mfa.ts';

/** The user's authenticator row (pending or enabled), locked for the rest of the transaction, or undefined. */
export async function findUserTotpForUpdate(tx: Tx, { userId }: { userId: string }): Promise<UserTotpRow | undefined> {
  const [row] = await tx.select().from(userTotp).where(eq(userTotp.userId, userId)).for('update');
  return row;
}

/** True when the user has a confirmed authenticator. */
export async function isMfaEnabled(tx: Tx, { userId }: { userId: string }): Promise<boolean> {
  const rows = await tx
    .select({ userId: userTotp.userId })
    .from(userTotp)
    .where(and(eq(userTotp.userId, userId), isNotNull(userTotp.enabledAt)));
  return rows.length > 0;
}

/** Stores a pending (unconfirmed) authenticator secret, replacing any earlier pending one. */
export async function upsertPendingTotp(
  tx: Tx,
  { userId, secretCiphertext }: { userId: string; secretCiphertext: string },
): Promise<void> {
  await tx
    .insert(userTotp)
    .values({ userId, secretCiphertext })
    .onConflictDoUpdate({
      target: userTotp.userId,
      set: { secretCiphertext, enabledAt: null, lastUsedStep: null, createdAt: sql`now()` },
      setWhere: isNull(userTotp.enabledAt),
    });
}

/** Replaces the sealed secret of an authenticator (re-sealing under a new key). */
export async function updateTotpCiphertext(
  tx: Tx,
  { userId, secretCiphertext }: { userId: string; secretCiphertext: string },
): Promise<void> {
  await tx.update(userTotp).set({ secretCiphertext }).where(eq(userTotp.userId, userId));
}

/** Turns a pending authenticator on and records the time step of the code that confirmed it. */
export async function enableTotp(tx: Tx, { userId, usedStep }: { userId: string; usedStep: number }): Promise<void> {
  await tx
    .update(userTotp)
    .set({ enabledAt: sql`now()`, lastUsedStep: usedStep })
    .where(eq(userTotp.userId, userId));
}

/**
 * Records an accepted code's time step, only if it is later than the last one: a concurrent use of
 * the same code loses here. @returns false when another request already used this step or a later one.
 */
export async function advanceTotpStep(
  tx: Tx,
  { userId, usedStep }: { userId: string; usedStep: number },
): Promise<boolean> {
  const rows = await tx
    .update(userTotp)
    .set({ lastUsedStep: usedStep })
    .where(and(eq(userTotp.userId, userId), sql`coalesce(${userTotp.lastUsedStep}, -1) < ${usedStep}`))
    .returning({ userId: userTotp.userId });
  return rows.length > 0;
}

/** Removes the user's authenticator and every backup code. */
export async function deleteMfa(tx: Tx, { userId }: { userId: string }): Promise<void> {
  await tx.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId));
  await tx.delete(userTotp).where(eq(userTotp.userId, userId));
}

/** Replaces every backup code of the user with these SHA-256 hashes. */
export async function replaceBackupCodes(
  tx: Tx,
  { userId, codeHashes }: { userId: string; codeHashes: string[] },
): Promise<void> {
  await tx.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId));
  await tx.insert(mfaBackupCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
}

/** Marks an unused backup code used, atomically. @returns false when it is unknown or already used. */
export async function consumeBackupCode(
  tx: Tx,
  { userId, codeHash }: { userId: string; codeHash: string },
): Promise<boolean> {
  const rows = await tx
    .update(mfaBackupCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(mfaBackupCodes.userId, userId), eq(mfaBackupCodes.codeHash, codeHash), isNull(mfaBackupCodes.usedAt)))
    .returning({ userId: mfaBackupCodes.userId });
  return rows.length > 0;
}

/**
 * Inserts a log-in MFA challenge, first deleting the user's challenges that are used or expired,
 * so the table holds at most the live challenges of each user.
 */
export async function insertMfaChallenge(tx: Tx, values: typeof mfaChallenges.$inferInsert): Promise<void> {
  await tx
    .delete(mfaChallenges)
    .where(
      and(
        eq(mfaChallenges.userId, values.userId),
        sql`(${mfaChallenges.usedAt} is not null or ${mfaChallenges.expiresAt} <= now())`,
      ),
    );
  await tx.insert(mfaChallenges).values(values);
}

/**
 * The unused, unexpired challenge with this token hash that still has attempts left, locked for
 * the rest of the transaction (so two answers to one challenge are checked one after the other).
 */
export async function findLiveMfaChallengeForUpdate(
  tx: Tx,
  { tokenHash, maxFailedAttempts }: { tokenHash: string; maxFailedAttempts: number },
): Promise<MfaChallengeRow | undefined> {
  const [row] = await tx
    .select()
    .from(mfaChallenges)
    .where(
      and(
        eq(mfaChallenges.tokenHash, tokenHash),
        isNull(mfaChallenges.usedAt),
        gt(mfaChallenges.expiresAt, sql`now()`),
        lt(mfaChallenges.failedAttempts, maxFailedAttempts),
      ),
    )
    .for('update');
  return row;
}

/** Marks a challenge used (it was answered correctly). */
export async function markMfaChallengeUsed(tx: Tx, { challengeId }: { challengeId: string }): Promise<void> {
  await tx
    .update(mfaChallenges)
    .set({ usedAt: sql`now()` })
    .where(eq(mfaChallenges.id, challengeId));
}

/** Counts one wrong code against a challenge. */
export async function countMfaChallengeFailure(tx: Tx, { challengeId }: { challengeId: string }): Promise<void> {
  await tx
    .update(mfaChallenges)
    .set({ failedAttempts: sql`${mfaChallenges.failedAttempts} + 1` })
    .where(eq(mfaChallenges.id, challengeId));
}
