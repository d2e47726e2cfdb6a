import type { Database } from '../../../db/client.ts';
import type { ApiKeyRow } from '../../../db/schema/api-keys.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan, assertStaffCan } from '../../../platform/authz.ts';
import { notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '../../../platform/permissions.ts';
import {
  CREATED_AT_CURSOR,
  parsePageArgs,
  toConnection,
  type Connection,
  type PageArgs,
} from '../../../platform/relay.ts';
import { requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import { hashToken, newApiKeySecret } from '../../../platform/credentials.ts';
import { publishRevocations } from '../revocations.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import {
  countApiKeys,
  findApiKeyByHash,
  insertApiKey,
  listApiKeys,
  revokeApiKeyRow,
  touchApiKey,
} from './api-key-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/**
 * Permissions a key may never hold, whatever its creator's role: a key must not mint keys, invite
 * people or change the firm's settings (README "API keys and break-glass access"). Those stay with signed-in members.
 */
const NON_GRANTABLE_TO_KEYS: ReadonlySet<Permission> = new Set([
  'member:invite',
  'api_key:write',
  'firm:update',
  'portal:invite',
]);

/** Longest lifetime of a key: one year (365 days). */
const MAX_API_KEY_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/** Input of `createApiKey`, with scopes already mapped to catalogue permissions. */
export interface CreateApiKeyInput {
  name: string;
  scopes: Permission[];
  expiresAt: Date;
}

/**
 * Creates an API key in the actor's active firm and returns its secret, once. Requires a signed-in
 * member with `api_key:write`. The key's scopes must be a non-empty subset of the creator's own
 * permissions, without `NON_GRANTABLE_TO_KEYS`; it must expire in the future, within a year.
 * Only the SHA-256 hex of the secret and its last four characters are stored. Audited as `api_key.create`.
 * @returns userErrors REQUIRED/TOO_LONG/INVALID (name), REQUIRED/SCOPE_NOT_GRANTABLE (scopes), INVALID (expiresAt).
 * @throws UNAUTHENTICATED, FORBIDDEN (not a member with `api_key:write`, or an API key or operator).
 */
export async function createApiKey(
  ctx: TenancyContext,
  input: CreateApiKeyInput,
): Promise<{ apiKey: ApiKeyRow | null; secret: string | null; userErrors: UserError[] }> {
  const actor = assertStaffCan(ctx.actor, 'api_key:write');
  const userErrors: UserError[] = [];
  const name = requiredText(input.name, ['input', 'name'], 200, userErrors);
  const scopes = [...new Set(input.scopes)];
  const own = new Set(actor.roles.flatMap((role) => [...ROLE_PERMISSIONS[role]]));
  if (scopes.length === 0)
    userErrors.push({ field: ['input', 'scopes'], message: 'Give the key at least one scope.', code: 'REQUIRED' });
  for (const scope of scopes) {
    if (NON_GRANTABLE_TO_KEYS.has(scope)) {
      userErrors.push({
        field: ['input', 'scopes'],
        message: `API keys cannot hold ${scope}.`,
        code: 'SCOPE_NOT_GRANTABLE',
      });
    } else if (!own.has(scope)) {
      userErrors.push({
        field: ['input', 'scopes'],
        message: `You do not hold ${scope} yourself.`,
        code: 'SCOPE_NOT_GRANTABLE',
      });
    }
  }
  const now = Date.now();
  if (input.expiresAt.getTime() <= now || input.expiresAt.getTime() > now + MAX_API_KEY_LIFETIME_MS) {
    userErrors.push({
      field: ['input', 'expiresAt'],
      message: 'Choose an expiry in the future, at most one year from now.',
      code: 'INVALID',
    });
  }
  if (userErrors.length > 0) return { apiKey: null, secret: null, userErrors };

  const secret = newApiKeySecret(actor.firmId);
  return ctx.database.withTenant({ firmId: actor.firmId, userId: actor.userId }, async (tx) => {
    const apiKey = await insertApiKey(tx, {
      firmId: actor.firmId,
      id: newId(),
      name,
      tokenLast4: secret.slice(-4),
      tokenHash: hashToken(secret),
      scopes,
      createdByUserId: actor.userId,
      expiresAt: input.expiresAt,
    });
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'api_key.create',
      targetType: 'api_key',
      targetId: apiKey.id,
      metadata: { scopes: scopes.join(' '), expiresAt: apiKey.expiresAt.toISOString() },
    });
    return { apiKey, secret, userErrors: [] };
  });
}

/**
 * Revokes a key of the actor's active firm; gateways drop its cached resolution and refuse it
 * from the next request on.
 * Revoking a revoked key returns it unchanged and is not audited again; a first revocation is
 * audited as `api_key.revoke`. Requires a signed-in member with `api_key:write`.
 * @throws NOT_FOUND for an unknown id or another firm's key; FORBIDDEN, UNAUTHENTICATED.
 */
export async function revokeApiKey(
  ctx: TenancyContext,
  apiKeyId: string,
): Promise<{ apiKey: ApiKeyRow; userErrors: UserError[] }> {
  const actor = assertStaffCan(ctx.actor, 'api_key:write');
  if (!isUuid(apiKeyId)) throw notFound('API key');
  return ctx.database.withTenant({ firmId: actor.firmId, userId: actor.userId }, async (tx) => {
    const revoked = await revokeApiKeyRow(tx, { firmId: actor.firmId, apiKeyId });
    if (!revoked) throw notFound('API key');
    if (revoked.revokedNow) {
      await publishRevocations(tx, [{ firmId: actor.firmId, subject: `api_key:${apiKeyId}` }]);
      await recordAudit(tx, ctx, {
        firmId: actor.firmId,
        action: 'api_key.revoke',
        targetType: 'api_key',
        targetId: apiKeyId,
      });
    }
    return { apiKey: revoked.apiKey, userErrors: [] };
  });
}

/** One page of the active firm's API keys, newest first. Requires `api_key:read`. */
export async function apiKeysOfActiveFirm(ctx: TenancyContext, args: PageArgs): Promise<Connection<ApiKeyRow>> {
  const actor = assertCan(ctx.actor, 'api_key:read');
  const page = parsePageArgs({ first: args.first, after: args.after }, CREATED_AT_CURSOR);
  const { rows, total } = await ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => ({
    rows: await listApiKeys(tx, { firmId: actor.firmId, after: page.cursor, limit: page.limit }),
    total: await countApiKeys(tx, { firmId: actor.firmId }),
  }));
  return toConnection(rows, page, (row) => [row.createdAt.toISOString(), row.id], total);
}

const CATALOGUE: ReadonlySet<string> = new Set(PERMISSIONS);

/**
 * Resolves the caller behind a well-formed API key for the gateway, in one transaction under the
 * key's own firm (the firm travels in the key, so the lookup stays under row-level security): the
 * key must exist, be unrevoked and unexpired. Records `last_used_at` when the stored time is over
 * a minute old, so busy integrations do not write on every request. Scopes no longer in the
 * catalogue are dropped.
 * @param key the firm and SHA-256 hex from `parseApiKey`.
 * @returns the key's id, firm and scopes, or null when the key is unknown, revoked or expired.
 */
export async function resolveApiKeyActor(
  database: Database,
  { firmId, tokenHash }: { firmId: string; tokenHash: string },
): Promise<{ apiKeyId: string; firmId: string; scopes: Permission[] } | null> {
  return database.withTenant({ firmId }, async (tx) => {
    const key = await findApiKeyByHash(tx, { firmId, tokenHash });
    const now = Date.now();
    if (!key || key.revokedAt || key.expiresAt.getTime() <= now) return null;
    if (!key.lastUsedAt || key.lastUsedAt.getTime() < now - 60_000) await touchApiKey(tx, { firmId, apiKeyId: key.id });
    return {
      apiKeyId: key.id,
      firmId,
      scopes: key.scopes.filter((scope): scope is Permission => CATALOGUE.has(scope)),
    };
  });
}
