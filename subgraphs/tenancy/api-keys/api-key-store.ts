import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { apiKeys, type ApiKeyRow } from '../../../db/schema/api-keys.ts';

/** Inserts an API key in the transaction's firm. */
export async function insertApiKey(tx: Tx, values: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [row] = await tx.insert(apiKeys).values(values).returning();
  return row!;
}

/** One page of a firm's API keys, newest first, keyed by (created_at, id) descending. */
export async function listApiKeys(
  tx: Tx,
  { firmId, after, limit }: { firmId: string; after: readonly [string, string] | null; limit: number },
): Promise<ApiKeyRow[]> {
  const conditions = [eq(apiKeys.firmId, firmId)];
  if (after)
    conditions.push(sql`(${apiKeys.createdAt}, ${apiKeys.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  return tx
    .select()
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
    .limit(limit + 1);
}

/** Number of API keys of a firm, revoked and expired ones included. */
export async function countApiKeys(tx: Tx, { firmId }: { firmId: string }): Promise<number> {
  const [row] = await tx.select({ count: count() }).from(apiKeys).where(eq(apiKeys.firmId, firmId));
  return row?.count ?? 0;
}

/**
 * Sets `revoked_at` on a key not yet revoked (first revocation wins).
 * @returns the key and whether this call revoked it, or undefined when the firm has no key with this id.
 */
export async function revokeApiKeyRow(
  tx: Tx,
  { firmId, apiKeyId }: { firmId: string; apiKeyId: string },
): Promise<{ apiKey: ApiKeyRow; revokedNow: boolean } | undefined> {
  const [revoked] = await tx
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.firmId, firmId), eq(apiKeys.id, apiKeyId), isNull(apiKeys.revokedAt)))
    .returning();
  if (revoked) return { apiKey: revoked, revokedNow: true };
  const [existing] = await tx
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.firmId, firmId), eq(apiKeys.id, apiKeyId)));
  return existing && { apiKey: existing, revokedNow: false };
}

/**
 * The firm's key with this SHA-256 hex of its secret, or undefined. Served by the unique index on
 * (firm_id, token_hash).
 */
export async function findApiKeyByHash(
  tx: Tx,
  { firmId, tokenHash }: { firmId: string; tokenHash: string },
): Promise<ApiKeyRow | undefined> {
  const [row] = await tx
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.firmId, firmId), eq(apiKeys.tokenHash, tokenHash)));
  return row;
}

/**
 * Records use of a key, at most once a minute: a no-op when `last_used_at` is under a minute old,
 * so busy integrations do not write on every request.
 */
export async function touchApiKey(tx: Tx, { firmId, apiKeyId }: { firmId: string; apiKeyId: string }): Promise<void> {
  await tx
    .update(apiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiKeys.firmId, firmId),
        eq(apiKeys.id, apiKeyId),
        sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < now() - interval '1 minute')`,
      ),
    );
}
