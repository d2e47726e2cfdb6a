import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

const ISSUER = 'firmgraph';
// A distinct audience and `typ` from staff access tokens (`firmgraph-api`, `JWT`): each verifier
// demands its own, so a staff token can never pass as an operator's, nor the reverse.
const AUDIENCE = 'firmgraph-operator';
const TYPE = 'fg-operator+jwt';

/** Lifetime of an operator token: 60 minutes (or less, when its session or grant ends sooner). */
export const OPERATOR_TOKEN_TTL_SECONDS = 60 * 60;
/** Absolute lifetime of an operator session: 12 hours. Operators then sign in again. */
export const OPERATOR_SESSION_TTL_SECONDS = 12 * 3600;

const OperatorClaims = z.object({
  sub: z.uuid(),
  sid: z.uuid(),
  /** The break-glass grant and its firm this token acts under; absent for a plain operator token. */
  grt: z.object({ id: z.uuid(), firmId: z.uuid() }).optional(),
});

/** What an operator token proves: the operator, their session, and optionally a grant. */
export type OperatorTokenClaims = z.infer<typeof OperatorClaims>;

/** True when a JWT's protected header says it is an operator token (a routing hint only; verify it). */
export function isOperatorTokenShape(token: string): boolean {
  try {
    return decodeProtectedHeader(token).typ === TYPE;
  } catch {
    return false;
  }
}

/**
 * Signs an operator token: HS256 JWT, `typ` `fg-operator+jwt`, `iss` firmgraph, `aud`
 * firmgraph-operator, `sub` operator, `sid` session, optional `grt` {id, firmId}, expiring at
 * `expiresAt` (callers cap it at the session's and the grant's end).
 */
export async function signOperatorToken(claims: OperatorTokenClaims, key: Uint8Array, expiresAt: Date): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: claims.sid, ...(claims.grt ? { grt: claims.grt } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: TYPE })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(key);
}

/**
 * Verifies an operator token: HS256 only, `typ`, `iss`, `aud`, `exp`, `nbf`.
 * @returns the claims, or null for any malformed, forged, expired or staff token.
 */
export async function verifyOperatorToken(token: string, key: Uint8Array): Promise<OperatorTokenClaims | null> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      typ: TYPE,
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['exp', 'nbf', 'sub'],
    });
    const claims = OperatorClaims.safeParse(payload);
    return claims.success ? claims.data : null;
  } catch {
    return null;
  }
}
