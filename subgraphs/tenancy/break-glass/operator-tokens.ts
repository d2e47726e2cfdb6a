import { z } from 'zod';
import { hasTokenType, signToken, verifyToken, type AccessTokenKind } from '../identity/tokens.ts';

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

// A distinct audience and `typ` from staff access tokens (`firmgraph-api`, `JWT`): this verifier
// demands both, so a staff token can never pass as an operator's, nor the reverse.
const OPERATOR_TOKEN: AccessTokenKind<OperatorTokenClaims> = {
  audience: 'firmgraph-operator',
  type: 'fg-operator+jwt',
  typeChecked: true,
  claims: OperatorClaims,
};

/** True when a JWT's protected header says it is an operator token (a routing hint only; verify it). */
export function isOperatorTokenShape(token: string): boolean {
  return hasTokenType(token, OPERATOR_TOKEN);
}

/**
 * Signs an operator token: HS256 JWT, `typ` `fg-operator+jwt`, `iss` firmgraph, `aud`
 * firmgraph-operator, `sub` operator, `sid` session, optional `grt` {id, firmId}, expiring at
 * `expiresAt` (callers cap it at the session's and the grant's end).
 */
export async function signOperatorToken(
  claims: OperatorTokenClaims,
  key: Uint8Array,
  expiresAt: Date,
): Promise<string> {
  return (await signToken(OPERATOR_TOKEN, claims, key, { at: expiresAt })).token;
}

/**
 * Verifies an operator token: HS256 only, `typ`, `iss`, `aud`, `exp`, `nbf`.
 * @returns the claims, or null for any malformed, forged, expired, staff or portal token.
 */
export function verifyOperatorToken(token: string, key: Uint8Array): Promise<OperatorTokenClaims | null> {
  return verifyToken(OPERATOR_TOKEN, token, key);
}
