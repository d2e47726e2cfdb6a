import type { Database } from '../db/client.ts';
import { unauthenticated } from '../subgraphs/shared/errors.ts';
import type { Actor } from '../subgraphs/shared/signed-context.ts';
import { resolveSessionActor } from '../subgraphs/tenancy/identity/identity-service.ts';
import { verifyAccessToken } from '../subgraphs/tenancy/identity/tokens.ts';

/**
 * Authenticates one HTTP request (design brief §3): no `Authorization` header is an anonymous
 * caller; `Bearer <access token>` must verify and name a live session, else `UNAUTHENTICATED`.
 * Tenant and roles come from the session in the database, never from the client.
 */
export async function authenticate(
  authorization: string | undefined,
  deps: { database: Database; jwtKey: Uint8Array },
): Promise<Actor> {
  if (!authorization) return { kind: 'ANONYMOUS' };
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
  if (!match) throw unauthenticated('Malformed Authorization header', 401);
  const claims = await verifyAccessToken(match[1]!, deps.jwtKey);
  if (!claims) throw unauthenticated('Invalid or expired access token', 401);
  const session = await resolveSessionActor(deps.database, claims);
  if (!session) throw unauthenticated('Session has ended', 401);
  return { kind: 'STAFF', ...session };
}

