import { z } from 'zod';
import { isUuid } from '../../../platform/ids.ts';
import {
  hashToken,
  hasTokenType,
  newOpaqueToken,
  signToken,
  verifyToken,
  type AccessTokenKind,
} from '../identity/tokens.ts';

/** Lifetime of a portal access token: 15 minutes, like staff ones. */
const PORTAL_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Lifetime of an unused portal refresh token: 30 days. */
export const PORTAL_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** Absolute lifetime of a portal session: 90 days. */
export const PORTAL_SESSION_TTL_SECONDS = 90 * 24 * 3600;
/** Lifetime of a portal invitation (README "Client portal"): 7 days. */
export const PORTAL_INVITATION_TTL_SECONDS = 7 * 24 * 3600;
/** Lifetime of a magic sign-in link (README "Client portal"): one hour. */
export const PORTAL_LINK_TTL_SECONDS = 3600;

const PortalClaims = z.object({ sub: z.uuid(), sid: z.uuid(), fid: z.uuid() });

/** What a portal access token proves: the portal user, the session, and the firm both live in. */
export type PortalTokenClaims = z.infer<typeof PortalClaims>;

// A distinct audience and `typ` from staff (`firmgraph-api`, `JWT`) and operator tokens: this
// verifier demands both, so a staff token never passes as a portal one, nor the reverse.
const PORTAL_TOKEN: AccessTokenKind<PortalTokenClaims> = {
  audience: 'firmgraph-portal',
  type: 'fg-portal+jwt',
  typeChecked: true,
  claims: PortalClaims,
};

/** True when a JWT's protected header says it is a portal token (a routing hint only; verify it). */
export function isPortalTokenShape(token: string): boolean {
  return hasTokenType(token, PORTAL_TOKEN);
}

/**
 * Signs a portal access token: HS256 JWT, `typ` `fg-portal+jwt`, `iss` firmgraph, `aud`
 * firmgraph-portal, `sub` portal user, `sid` session, `fid` firm (so the gateway looks the
 * session up under that firm's RLS), 15 minutes.
 */
export function signPortalAccessToken(
  claims: PortalTokenClaims,
  key: Uint8Array,
): Promise<{ token: string; expiresAt: Date }> {
  return signToken(PORTAL_TOKEN, claims, key, { inSeconds: PORTAL_ACCESS_TOKEN_TTL_SECONDS });
}

/**
 * Verifies a portal access token: HS256 only, `typ`, `iss`, `aud`, `exp`, `nbf`.
 * @returns the claims, or null for any malformed, forged, expired, staff or operator token.
 */
export function verifyPortalAccessToken(token: string, key: Uint8Array): Promise<PortalTokenClaims | null> {
  return verifyToken(PORTAL_TOKEN, token, key);
}

/**
 * A new single-use portal secret naming its firm: `<firmId>.<prefix>_<256 random bits>`, and the
 * SHA-256 hex of the secret part, which is all the database keeps. Prefixes: `fgpi` invitation,
 * `fgpl` sign-in link, `fgpr` refresh token.
 */
export function newPortalSecret(
  firmId: string,
  prefix: 'fgpi' | 'fgpl' | 'fgpr',
): { token: string; tokenHash: string } {
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
