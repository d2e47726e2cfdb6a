import type { Database } from '../db/client.ts';
import { unauthenticated } from '../subgraphs/shared/errors.ts';
import type { Actor } from '../subgraphs/shared/signed-context.ts';
import { resolveApiKeyActor } from '../subgraphs/tenancy/api-keys/api-key-service.ts';
import { apiKeyHashIfWellFormed, looksLikeApiKey } from '../subgraphs/tenancy/api-keys/api-key-token.ts';
import { resolveSessionActor } from '../subgraphs/tenancy/identity/identity-service.ts';
import { verifyAccessToken } from '../subgraphs/tenancy/identity/tokens.ts';

/**
 * Authenticates one HTTP request (design brief §3). No `Authorization` header is an anonymous
 * caller. `Bearer fg_live_…` is an API key: its format and checksum are checked first, without
 * I/O, then the key is looked up by SHA-256 and must be unrevoked and unexpired. Any other
 * `Bearer <access token>` must verify and name a live session. Anything else is `UNAUTHENTICATED`
 * (HTTP 401). Tenant, roles and scopes come from the database, never from the client.
 */
export async function authenticate(
  authorization: string | undefined,
  deps: { database: Database; jwtKey: Uint8Array },
): Promise<Actor> {
  if (!authorization) return { kind: 'ANONYMOUS' };
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
  if (!match) throw unauthenticated('Malformed Authorization header', 401);
  const credential = match[1]!;
  if (looksLikeApiKey(credential)) {
    const tokenHash = apiKeyHashIfWellFormed(credential);
    if (!tokenHash) throw unauthenticated('Malformed API key', 401);
    const key = await resolveApiKeyActor(deps.database, tokenHash);
    if (!key) throw unauthenticated('Invalid, expired or revoked API key', 401);
    return { kind: 'API_KEY', ...key };
  }
  const claims = await verifyAccessToken(credential, deps.jwtKey);
  if (!claims) throw unauthenticated('Invalid or expired access token', 401);
  const session = await resolveSessionActor(deps.database, claims);
  if (!session) throw unauthenticated('Session has ended', 401);
  return { kind: 'STAFF', ...session };
}
