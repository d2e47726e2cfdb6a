import { createHash, randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

const ISSUER = 'firmgraph';
const AUDIENCE = 'firmgraph-api';

/** Lifetime of an access token: 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Lifetime of an unused refresh token: 30 days. Each refresh issues a new one. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** Absolute lifetime of a session, however often it is refreshed: 90 days. */
export const SESSION_TTL_SECONDS = 90 * 24 * 3600;
/** Lifetime of a member invitation: 7 days. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

const AccessClaims = z.object({ sub: z.uuid(), sid: z.uuid() });

/** What an access token proves: the user and the session it belongs to. */
export type AccessTokenClaims = z.infer<typeof AccessClaims>;

/** Signs a staff access token: HS256 JWT with `iss`, `aud`, `sub` (user), `sid` (session), `iat`, `nbf`, `exp`. */
export async function signAccessToken(claims: AccessTokenClaims, key: Uint8Array, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((issuedAt + ACCESS_TOKEN_TTL_SECONDS) * 1000);
  const token = await new SignJWT({ sid: claims.sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key);
  return { token, expiresAt };
}

/**
 * Verifies an access token: HS256 only (no `none`, no key confusion), `iss`, `aud`, `exp`, `nbf`.
 * @returns the claims, or null for any malformed, forged or expired token.
 */
export async function verifyAccessToken(token: string, key: Uint8Array): Promise<AccessTokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['exp', 'nbf', 'sub'] });
    const claims = AccessClaims.safeParse(payload);
    return claims.success ? claims.data : null;
  } catch {
    return null;
  }
}

/** A new opaque secret token with a type prefix, e.g. `fgr_…` (256 bits of entropy). */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 hex of a token: what the database stores instead of the token itself. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
