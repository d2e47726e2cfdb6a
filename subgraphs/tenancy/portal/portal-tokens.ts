import { hashToken, PORTAL_ACCESS_TOKEN, type PortalTokenClaims } from '../../../platform/credentials.ts';
import { isUuid } from '../../../platform/ids.ts';
import { newOpaqueToken, signToken } from '../identity/tokens.ts';

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

/**
 * Signs a portal access token: HS256 JWT, `typ` `fg-portal+jwt`, `iss` firmgraph, `aud`
 * firmgraph-portal, `sub` portal user, `sid` session, `fid` firm (so the gateway looks the
 * session up under that firm's RLS), 15 minutes.
 */
export function signPortalAccessToken(
  claims: PortalTokenClaims,
  key: Uint8Array,
): Promise<{ token: string; expiresAt: Date }> {
  return signToken(PORTAL_ACCESS_TOKEN, claims, key, { inSeconds: PORTAL_ACCESS_TOKEN_TTL_SECONDS });
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
