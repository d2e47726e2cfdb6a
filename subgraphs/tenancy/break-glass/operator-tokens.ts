import { OPERATOR_TOKEN, type OperatorTokenClaims } from '../../../platform/credentials.ts';
import { signToken } from '../identity/tokens.ts';

/** Lifetime of an operator token: 60 minutes (or less, when its session or grant ends sooner). */
export const OPERATOR_TOKEN_TTL_SECONDS = 60 * 60;
/** Absolute lifetime of an operator session: 12 hours. Operators then sign in again. */
export const OPERATOR_SESSION_TTL_SECONDS = 12 * 3600;

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
