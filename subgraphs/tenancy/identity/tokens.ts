import { createHash, randomBytes } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

const ISSUER = 'firmgraph';

/** Lifetime of an access token: 15 minutes. */
const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Lifetime of an unused refresh token: 30 days. Each refresh issues a new one. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** Absolute lifetime of a session, however often it is refreshed: 90 days. */
export const SESSION_TTL_SECONDS = 90 * 24 * 3600;
/** Lifetime of a member invitation: 7 days. */
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600;

/**
 * One kind of access token (staff, operator, portal): HS256 JWTs that share `iss` firmgraph and
 * differ in `aud`, header `typ` and claims. Every verifier demands its own kind's `aud`, so a token
 * of one kind never passes for another; operator and portal verifiers demand their `typ` as well
 * (the gateway routes on it), while staff tokens carry the generic `JWT`, which is not checked.
 */
export interface AccessTokenKind<C extends { sub: string }> {
  audience: string;
  type: string;
  /** Whether verification demands `type` in the protected header. */
  typeChecked: boolean;
  /** The claims besides the registered ones; `sub` is the subject. */
  claims: z.ZodType<C>;
}

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
    .setIssuer(ISSUER)
    .setAudience(kind.audience)
    .setSubject(sub)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key);
  return { token, expiresAt };
}

/**
 * Verifies an access token of `kind`: HS256 only (no `none`, no key confusion), `iss`, the kind's
 * `aud` (and `typ` when checked), `exp`, `nbf`, and its claims schema.
 * @returns the claims, or null for any malformed, forged or expired token, or one of another kind.
 */
export async function verifyToken<C extends { sub: string }>(
  kind: AccessTokenKind<C>,
  token: string,
  key: Uint8Array,
): Promise<C | null> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      ...(kind.typeChecked ? { typ: kind.type } : {}),
      issuer: ISSUER,
      audience: kind.audience,
      requiredClaims: ['exp', 'nbf', 'sub'],
    });
    const claims = kind.claims.safeParse(payload);
    return claims.success ? claims.data : null;
  } catch {
    return null;
  }
}

/** True when a JWT's protected header names `kind`'s `typ` (a routing hint only; verify it). */
export function hasTokenType(token: string, kind: AccessTokenKind<{ sub: string }>): boolean {
  try {
    return decodeProtectedHeader(token).typ === kind.type;
  } catch {
    return false;
  }
}

const AccessClaims = z.object({ sub: z.uuid(), sid: z.uuid() });

/** What an access token proves: the user and the session it belongs to. */
export type AccessTokenClaims = z.infer<typeof AccessClaims>;

/** Staff access tokens: `aud` firmgraph-api, `typ` JWT (unchecked), `sub` user, `sid` session. */
const STAFF_TOKEN: AccessTokenKind<AccessTokenClaims> = {
  audience: 'firmgraph-api',
  type: 'JWT',
  typeChecked: false,
  claims: AccessClaims,
};

/** Signs a staff access token: HS256 JWT with `iss`, `aud`, `sub` (user), `sid` (session), `iat`, `nbf`, `exp` 15 minutes on. */
export function signAccessToken(
  claims: AccessTokenClaims,
  key: Uint8Array,
  now = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  return signToken(STAFF_TOKEN, claims, key, { inSeconds: ACCESS_TOKEN_TTL_SECONDS }, now);
}

/**
 * Verifies a staff access token (see verifyToken).
 * @returns the claims, or null for any malformed, forged, expired, operator or portal token.
 */
export function verifyAccessToken(token: string, key: Uint8Array): Promise<AccessTokenClaims | null> {
  return verifyToken(STAFF_TOKEN, token, key);
}

/** A new opaque secret token with a type prefix, e.g. `fgr_…` (256 bits of entropy). */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 hex of a token: what the database stores instead of the token itself. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
