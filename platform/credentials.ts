import { createHash, randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { z } from 'zod';

/**
 * The formats of FirmGraph's bearer credentials, and their verification without I/O: what the
 * gateway checks locally before it asks tenancy (README "Authentication"), and what tenancy checks
 * again before it looks a credential up. Tenancy issues every credential; the signing half of the
 * access tokens lives there (subgraphs/tenancy/identity/tokens.ts).
 */

/** `iss` of every access token. */
export const ACCESS_TOKEN_ISSUER = 'firmgraph';

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

const StaffClaims = z.object({ sub: z.uuid(), sid: z.uuid() });
/** What a staff access token proves: the user and the session it belongs to. */
export type AccessTokenClaims = z.infer<typeof StaffClaims>;
/** Staff access tokens: `aud` firmgraph-api, `typ` JWT (unchecked), `sub` user, `sid` session. */
export const STAFF_ACCESS_TOKEN: AccessTokenKind<AccessTokenClaims> = {
  audience: 'firmgraph-api',
  type: 'JWT',
  typeChecked: false,
  claims: StaffClaims,
};

const PortalClaims = z.object({ sub: z.uuid(), sid: z.uuid(), fid: z.uuid() });
/** What a portal access token proves: the portal user, the session, and the firm both live in. */
export type PortalTokenClaims = z.infer<typeof PortalClaims>;
/** Portal access tokens: `aud` firmgraph-portal, `typ` fg-portal+jwt (checked), `sub` portal user, `sid`, `fid` firm. */
export const PORTAL_ACCESS_TOKEN: AccessTokenKind<PortalTokenClaims> = {
  audience: 'firmgraph-portal',
  type: 'fg-portal+jwt',
  typeChecked: true,
  claims: PortalClaims,
};

const OperatorClaims = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  /** The break-glass grant and its firm this token acts under; absent for a plain operator token. */
  grt: z.object({ id: z.uuid(), firmId: z.uuid() }).optional(),
});
/** What an operator token proves: the operator, their session, and optionally a grant. */
export type OperatorTokenClaims = z.infer<typeof OperatorClaims>;
/** Operator tokens: `aud` firmgraph-operator, `typ` fg-operator+jwt (checked), `sub` operator, `sid`, optional `grt`. */
export const OPERATOR_TOKEN: AccessTokenKind<OperatorTokenClaims> = {
  audience: 'firmgraph-operator',
  type: 'fg-operator+jwt',
  typeChecked: true,
  claims: OperatorClaims,
};

/**
 * Verifies an access token of `kind`: HS256 only (no `none`, no key confusion), `iss`, the kind's
 * `aud` (and `typ` when checked), `exp`, `nbf`, and its claims schema (RFC 7519 §4.1).
 * @returns the claims and `exp` (seconds since the epoch), or null for any malformed, forged or
 *   expired token, or one of another kind.
 */
async function verifyToken<C extends { sub: string }>(
  kind: AccessTokenKind<C>,
  token: string,
  key: Uint8Array,
): Promise<(C & { exp: number }) | null> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      ...(kind.typeChecked ? { typ: kind.type } : {}),
      issuer: ACCESS_TOKEN_ISSUER,
      audience: kind.audience,
      requiredClaims: ['exp', 'nbf', 'sub'],
    });
    const claims = kind.claims.safeParse(payload);
    return claims.success ? { ...claims.data, exp: payload.exp! } : null;
  } catch {
    return null;
  }
}

/** True when a JWT's protected header names `kind`'s `typ` (a routing hint only; verify it). */
function hasTokenType(token: string, kind: AccessTokenKind<{ sub: string }>): boolean {
  try {
    return decodeProtectedHeader(token).typ === kind.type;
  } catch {
    return false;
  }
}

/** SHA-256 hex of a token: what the database stores instead of the token itself, and the credential cache's key. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Every API key starts with this, so scanners and people can recognise a leaked one. */
export const API_KEY_PREFIX = 'fg_live_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The firm's UUID (128 bits) in base62: 22 characters, since 62^22 > 2^128. */
const FIRM_LENGTH = 22;
/** Random part: 32 base62 characters, about 190 bits of entropy. */
const RANDOM_LENGTH = 32;
/** Checksum: CRC32 of the firm and random parts in base62, left-padded to 6 characters (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;
const API_KEY_SHAPE = new RegExp(
  `^${API_KEY_PREFIX}([0-9A-Za-z]{${FIRM_LENGTH + RANDOM_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

function toBase62(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) {
    out = BASE62[Number(value % 62n)]! + out;
    value /= 62n;
  }
  return out;
}

function fromBase62(text: string): bigint {
  let value = 0n;
  for (const char of text) value = value * 62n + BigInt(BASE62.indexOf(char));
  return value;
}

const checksum = (body: string) => toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH);

/**
 * A new API key secret for `firmId`: `fg_live_`, the firm's UUID in 22 base62 characters, 32
 * random base62 characters (`crypto.randomInt`, unbiased), and a 6-character base62 CRC32 of the
 * two, in the style of GitHub's token format (github.blog, "Behind GitHub's new authentication
 * token formats", 2021). 68 characters in all. The firm travels in the key, like the firm in an
 * invitation token, so tenancy can look the key up under that firm's row-level security.
 */
export function newApiKeySecret(firmId: string): string {
  const firm = toBase62(BigInt(`0x${firmId.replaceAll('-', '')}`), FIRM_LENGTH);
  let random = '';
  for (let i = 0; i < RANDOM_LENGTH; i += 1) random += BASE62[randomInt(62)];
  return `${API_KEY_PREFIX}${firm}${random}${checksum(firm + random)}`;
}

/**
 * Checks an API key's shape and checksum without any I/O, so typos and made-up strings are
 * refused before any database lookup.
 * @returns the key's firm and the SHA-256 hex of the whole key to look it up by, or null when the
 * key is malformed, its checksum does not match, or its firm part is not a UUID.
 */
export function parseApiKey(credential: string): { firmId: string; tokenHash: string } | null {
  const match = API_KEY_SHAPE.exec(credential);
  if (!match || checksum(match[1]!) !== match[2]) return null;
  const firm = fromBase62(match[1]!.slice(0, FIRM_LENGTH));
  if (firm >= 1n << 128n) return null;
  const hex = firm.toString(16).padStart(32, '0');
  const firmId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { firmId, tokenHash: hashToken(credential) };
}

/** A bearer credential whose format, signature and expiry checked out, by kind. */
export type VerifiedCredential =
  | { kind: 'API_KEY'; firmId: string; tokenHash: string }
  | { kind: 'OPERATOR'; claims: OperatorTokenClaims & { exp: number } }
  | { kind: 'PORTAL'; claims: PortalTokenClaims & { exp: number } }
  | { kind: 'STAFF'; claims: AccessTokenClaims & { exp: number } };

/** Why a credential failed its check without I/O: the one line a 401 says. */
export type CredentialRefusal = 'Malformed API key' | 'Invalid or expired access token';

/**
 * Which credential a bearer token is, checked without I/O:
 * - `fg_live_…`: an API key; its shape and checksum must hold;
 * - a JWT of `typ` `fg-operator+jwt` or `fg-portal+jwt`: an operator's or a portal user's token;
 * - any other JWT: a staff access token.
 * JWTs must verify under `jwtKey` (HS256) and be unexpired. Whether the credential is still live
 * (session, key, grant) is tenancy's answer, not this one's.
 * @returns the verified credential, or the refusal when it is malformed, forged or expired.
 */
export async function verifyCredential(
  credential: string,
  jwtKey: Uint8Array,
): Promise<VerifiedCredential | { refused: CredentialRefusal }> {
  if (credential.startsWith(API_KEY_PREFIX)) {
    const parsed = parseApiKey(credential);
    return parsed ? { kind: 'API_KEY', ...parsed } : { refused: 'Malformed API key' };
  }
  const verified = hasTokenType(credential, OPERATOR_TOKEN)
    ? { kind: 'OPERATOR' as const, claims: await verifyToken(OPERATOR_TOKEN, credential, jwtKey) }
    : hasTokenType(credential, PORTAL_ACCESS_TOKEN)
      ? { kind: 'PORTAL' as const, claims: await verifyToken(PORTAL_ACCESS_TOKEN, credential, jwtKey) }
      : { kind: 'STAFF' as const, claims: await verifyToken(STAFF_ACCESS_TOKEN, credential, jwtKey) };
  if (!verified.claims) return { refused: 'Invalid or expired access token' };
  return verified as VerifiedCredential;
}
