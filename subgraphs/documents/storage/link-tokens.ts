import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** What a local blob link allows: one method on one blob, until `expiresAt` (Unix seconds). */
export const LinkClaims = z.object({
  /** The blob key, `firm/<firm id>/<blob id>`. */
  key: z.string().regex(/^firm\/[0-9a-f-]{36}\/[0-9a-f-]{36}$/),
  method: z.enum(['POST', 'GET']),
  /** POST: the exact size in bytes the upload must have. */
  byteSize: z.number().int().positive().optional(),
  /** POST: the declared media type; GET: the type to serve. */
  contentType: z.string().max(255),
  /** GET: the file name the download is saved as. */
  filename: z.string().max(255).optional(),
  expiresAt: z.number().int().positive(),
});
/** The claims of a link token. */
export type LinkClaims = z.infer<typeof LinkClaims>;

/**
 * The key local blob links are signed with: HKDF-SHA-256 (RFC 5869) of the context signing secret,
 * with its own `info`, so a link key never signs a request context and the reverse.
 */
export function linkKey(contextSigningSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', contextSigningSecret, 'firmgraph', 'firmgraph documents blob links v1', 32));
}

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest();

/**
 * Signs `claims` into a URL-safe token `<base64url JSON>.<base64url HMAC-SHA-256>`.
 * @returns the token; it says what it allows in the clear (no secret is in it) and cannot be changed without the key.
 */
export function signLink(key: Buffer, claims: LinkClaims): string {
  const body = Buffer.from(JSON.stringify(LinkClaims.parse(claims))).toString('base64url');
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/**
 * Verifies a token made by `signLink` for `method` at `now` (milliseconds since the epoch).
 * @returns the claims, or null when the token is malformed, its signature does not match (an edited
 *   claim or signature), it is for another method, or it has expired.
 */
export function verifyLink(
  key: Buffer,
  token: string,
  method: LinkClaims['method'],
  now = Date.now(),
): LinkClaims | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const claims = LinkClaims.safeParse(parsed);
  if (!claims.success || claims.data.method !== method || claims.data.expiresAt * 1000 <= now) return null;
  return claims.data;
}
