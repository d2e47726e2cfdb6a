import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { isUuid } from '../../shared/ids.ts';
import { hashToken, newOpaqueToken } from '../identity/tokens.ts';

const ISSUER = 'firmgraph';
// A distinct audience and `typ` from staff (`firmgraph-api`, `JWT`) and operator tokens: each
// verifier demands its own, so a staff token never passes as a portal one, nor the reverse.
const AUDIENCE = 'firmgraph-portal';
const TYPE = 'fg-portal+jwt';

/** Lifetime of a portal access token: 15 minutes, like staff ones. */
export const PORTAL_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Lifetime of an unused portal refresh token: 30 days. */
export const PORTAL_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** Absolute lifetime of a portal session: 90 days. */
export const PORTAL_SESSION_TTL_SECONDS = 90 * 24 * 3600;
/** Lifetime of a portal invitation (issue #3): 7 days. */
export const PORTAL_INVITATION_TTL_SECONDS = 7 * 24 * 3600;
/** Lifetime of a magic sign-in link (issue #3): one hour. */
export const PORTAL_LINK_TTL_SECONDS = 3600;

const PortalClaims = z.object({ sub: z.uuid(), sid: z.uuid(), fid: z.uuid() });

/** What a portal access token proves: the portal user, the session, and the firm both live in. */
export type PortalTokenClaims = z.infer<typeof PortalClaims>;

/** True when a JWT's protected header says it is a portal token (a routing hint only; verify it). */
export function isPortalTokenShape(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === TYPE;
  } catch {
    return false;
  }
}

/**
 * Signs a portal access token: HS256 JWT, `typ` `fg-portal+jwt`, `iss` firmgraph, `aud`
 * firmgraph-portal, `sub` portal user, `sid` session, `fid` firm (so the gateway looks the
 * session up under that firm's RLS), 15 minutes.
 */
export async function signPortalAccessToken(claims: PortalTokenClaims, key: Uint8Array): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAt = new Date((issuedAt + PORTAL_ACCESS_TOKEN_TTL_SECONDS) * 1000);
  const token = await new SignJWT({ sid: claims.sid, fid: claims.fid })
    .setProtectedHeader({ alg: 'HS256', typ: TYPE })
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
 * Verifies a portal access token: HS256 only, `typ`, `iss`, `aud`, `exp`, `nbf`.
 * @returns the claims, or null for any malformed, forged, expired, staff or operator token.
 */
export async function verifyPortalAccessToken(token: string, key: Uint8Array): Promise<PortalTokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      typ: TYPE,
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['exp', 'nbf', 'sub'],
    });
    const claims = PortalClaims.safeParse(payload);
    return claims.success ? claims.data : null;
  } catch {
    return null;
  }
}

/**
 * A new single-use portal secret naming its firm: `<firmId>.<prefix>_<256 random bits>`, and the
 * SHA-256 hex of the secret part, which is all the database keeps. Prefixes: `fgpi` invitation,
 * `fgpl` sign-in link, `fgpr` refresh token.
 */
export function newPortalSecret(firmId: string, prefix: 'fgpi' | 'fgpl' | 'fgpr'): { token: string; tokenHash: string } {
  const secret = newOpaqueToken(prefix);
  return { token: `${firmId}.${secret}`, tokenHash: hashToken(secret) };
}

/** Splits a portal secret into its firm and the hash of its secret part; null when malformed. */
export function parsePortalSecret(token: string): { firmId: string; tokenHash: string } | null {
  const dot = token.indexOf('.');
  const firmId = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (dot < 0 || !isUuid(firmId) || !/^fgp[ilr]_[A-Za-z0-9_-]{43}$/.test(secret)) return null;
  return { firmId, tokenHash: hashToken(secret) };
}
