import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import {
  ACCESS_TOKEN_ISSUER,
  STAFF_ACCESS_TOKEN,
  type AccessTokenClaims,
  type AccessTokenKind,
} from '../../../platform/credentials.ts';

/** Lifetime of an access token: 15 minutes. */
const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Lifetime of an unused refresh token: 30 days. Each refresh issues a new one. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** Absolute lifetime of a session, however often it is refreshed: 90 days. */
export const SESSION_TTL_SECONDS = 90 * 24 * 3600;
/** Lifetime of a member invitation: 7 days. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Signs an access token of `kind`: HS256 JWT with `typ`, `iss`, `aud`, `sub`, the kind's other
 * claims, `iat` = `nbf` = `now`, and `exp` at `expires.at` or `expires.inSeconds` after `now`
 * (times truncated to whole seconds).
 * @returns the token and its expiry.
 */
export async function signToken<C extends { sub: string }>(
  kind: AccessTokenKind<C>,
  claims: C,
  key: Uint8Array,
  expires: { at: Date } | { inSeconds: number },
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = 'at' in expires ? expires.at : new Date((issuedAt + expires.inSeconds) * 1000);
  const { sub, ...others } = claims;
  const token = await new SignJWT(others)
    .setProtectedHeader({ alg: 'HS256', typ: kind.type })
    .setIssuer(ACCESS_TOKEN_ISSUER)
    .setAudience(kind.audience)
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key);
  return { token, expiresAt };
}

/** Signs a staff access token: HS256 JWT with `iss`, `aud`, `sub` (user), `sid` (session), `iat`, `nbf`, `exp` 15 minutes on. */
export function signAccessToken(
  claims: AccessTokenClaims,
  key: Uint8Array,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  return signToken(STAFF_ACCESS_TOKEN, claims, key, { inSeconds: ACCESS_TOKEN_TTL_SECONDS }, now);
}

/** A new opaque secret token with a type prefix, e.g. `fgr_…` (256 bits of entropy). */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}
