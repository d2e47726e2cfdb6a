import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema/invoicing.ts';
import { conflict } from '../../platform/errors.ts';
import { isStorableText } from '../../platform/user-errors.ts';

/** The longest idempotency key, in characters (Stripe's limit: https://docs.stripe.com/api/idempotent_requests). */
const MAX_IDEMPOTENCY_KEY = 255;

/** True when `key` is 1–255 storable characters. */
export function isValidIdempotencyKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_IDEMPOTENCY_KEY && isStorableText(key);
}

/** SHA-256 (hex) of a request's input, as the JSON of `parts` in the order given. */
export function fingerprintOf(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Claims an idempotency key of a money-moving mutation inside its transaction, as Stripe's
 * idempotent requests do (https://docs.stripe.com/api/idempotent_requests): the first request with
 * the key stores its input's fingerprint and the id of what it produces; a concurrent request with
 * the same key waits on the key's unique index until the first commits or rolls back.
 * Run the mutation's refusals (user errors) as a rollback, so a refused request leaves no key.
 * @param claim the firm, the operation (`issueInvoice`), the key, the input's `fingerprintOf` and
 *   the id the request will produce.
 * @returns null when the key is new (go on), or the id the first request produced (answer with it).
 * @throws CONFLICT when the key was used with other input.
 */
export async function claimIdempotencyKey(
  tx: Tx,
  claim: { firmId: string; operation: string; key: string; fingerprint: string; resultId: string },
): Promise<string | null> {
  const inserted = await tx
    .insert(idempotencyKeys)
    .values(claim)
    .onConflictDoNothing()
    .returning({ resultId: idempotencyKeys.resultId });
  if (inserted.length > 0) return null;
  const [first] = await tx
    .select({ fingerprint: idempotencyKeys.fingerprint, resultId: idempotencyKeys.resultId })
    .from(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.firmId, claim.firmId),
        eq(idempotencyKeys.operation, claim.operation),
        eq(idempotencyKeys.key, claim.key),
        sql`true`,
      ),
    );
  if (!first || first.fingerprint !== claim.fingerprint) {
    throw conflict('This idempotency key was already used with other input.');
  }
  return first.resultId;
}
