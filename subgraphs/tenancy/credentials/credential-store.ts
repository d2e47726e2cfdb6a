import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { loginThrottles } from '../../../db/schema/mfa.ts';

/** Sign-in attempts allowed before a lock (PCI DSS 8.3.4: no more than 10). */
export const MAX_LOGIN_ATTEMPTS = 10;
/** How long a lock lasts (PCI DSS 8.3.4: at least 30 minutes). */
const LOCKOUT_MINUTES = 30;

/**
 * Counts one sign-in attempt for an email hash, atomically, before the password is checked, so
 * concurrent and batched attempts each take a number. The attempt that reaches
 * `MAX_LOGIN_ATTEMPTS` starts a `LOCKOUT_MINUTES` lock; attempts keep counting while locked;
 * when a lock has ended the count starts again at 1. `clearLoginAttempts` resets after a success.
 * @returns the attempt's number since the last reset; it may be checked only when ≤ MAX_LOGIN_ATTEMPTS.
 */
export async function countLoginAttempt(tx: Tx, { emailHash }: { emailHash: string }): Promise<number> {
  const expired = sql`(${loginThrottles.lockedUntil} is not null and ${loginThrottles.lockedUntil} <= now())`;
  const [row] = await tx
    .insert(loginThrottles)
    .values({ emailHash, attempts: 1 })
    .onConflictDoUpdate({
      target: loginThrottles.emailHash,
      set: {
        attempts: sql`case when ${expired} then 1 else ${loginThrottles.attempts} + 1 end`,
        lockedUntil: sql`case
          when ${expired} then null
          when ${loginThrottles.attempts} + 1 >= ${MAX_LOGIN_ATTEMPTS} then coalesce(${loginThrottles.lockedUntil}, now() + make_interval(mins => ${LOCKOUT_MINUTES}))
          else ${loginThrottles.lockedUntil} end`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ attempts: loginThrottles.attempts });
  return row!.attempts;
}

/** Forgets the attempts of an email hash after a successful sign-in. */
export async function clearLoginAttempts(tx: Tx, { emailHash }: { emailHash: string }): Promise<void> {
  await tx.delete(loginThrottles).where(eq(loginThrottles.emailHash, emailHash));
}
