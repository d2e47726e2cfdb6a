import { Kind, parse } from 'graphql';
import { hashToken, verifyCredential } from '../platform/credentials.ts';
import { unauthenticated } from '../platform/errors.ts';
import type { Introspector } from '../platform/introspection.ts';
import type { Actor, RequestOrigin } from '../platform/signed-context.ts';
import type { CredentialCache } from './credential-cache.ts';

/** The parts of the HTTP request authentication needs besides the header: for break-glass auditing. */
interface AuthenticationRequest {
  requestId: string;
  origin: RequestOrigin;
  /** The parsed JSON body (`{ query, operationName }`), read only to name the operation in the audit log. */
  body: unknown;
}

/**
 * Resolves one request's `Authorization` header to its actor; `fresh` skips the cache (the
 * WebSocket server's session re-checks, which must see a change however it was made).
 * @throws UNAUTHENTICATED (HTTP 401)
 */
export type Authenticator = (
  authorization: string | undefined,
  request: AuthenticationRequest,
  options?: { fresh?: boolean },
) => Promise<Actor>;

/**
 * The gateway's authentication (README "Authentication"). A `Bearer` credential is checked here
 * without I/O first (`verifyCredential`: an API key's shape and checksum, a JWT's HS256 signature
 * and expiry), then resolved by tenancy's credential introspection (`introspect`,
 * platform/introspection.ts), which owns every actor kind: staff session, API key, portal session
 * (its client reach composed by crm) and operator with break-glass grant. The gateway runs no
 * subgraph code and reads no subgraph's tables.
 *
 * Resolutions are cached by the credential's SHA-256 for at most 30 seconds (`cache`), dropped on
 * the bus's `credential.revoked` events and not trusted while the bus is down.
 *
 * No `Authorization` header is an anonymous caller; anything that fails is `UNAUTHENTICATED`
 * (HTTP 401). Tenant, roles and scopes come from tenancy, never from the client.
 */
export function createAuthenticator(deps: {
  introspect: Introspector;
  cache: CredentialCache;
  jwtKey: Uint8Array;
}): Authenticator {
  return async (authorization, request, options) => {
    if (!authorization) return { kind: 'ANONYMOUS' };
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
    if (!match) throw unauthenticated('Malformed Authorization header', 401);
    const token = match[1]!;
    const credential = await verifyCredential(token, deps.jwtKey);
    if ('refused' in credential) throw unauthenticated(credential.refused, 401);
    const tokenHash = hashToken(token);
    const cached = options?.fresh ? undefined : deps.cache.get(tokenHash);
    if (cached) return cached;
    const mark = deps.cache.mark();
    const answer = await deps.introspect({
      token,
      requestId: request.requestId,
      origin: request.origin,
      // Only an operator's access is audited per request, naming the operation.
      operation: credential.kind === 'OPERATOR' ? operationLabel(request.body) : '',
    });
    if (!answer.active) {
      throw unauthenticated(
        credential.kind === 'API_KEY' ? 'Invalid, expired or revoked API key' : 'Session has ended',
        401,
      );
    }
    deps.cache.set(tokenHash, mark, {
      actor: answer.actor,
      expiresAtMs: answer.exp === undefined ? Number.POSITIVE_INFINITY : answer.exp * 1000,
      subjects: answer.revocationSubjects,
    });
    return answer.actor;
  };
}

/**
 * Names an operation for the audit log by what it does, not by the name the client chose: its
 * type and root fields (e.g. `query clients,client`), of the operation `operationName` picks when
 * the document holds several. Cut to 200 characters.
 */
function operationLabel(body: unknown): string {
  const { query, operationName } = (typeof body === 'object' && body !== null ? body : {}) as {
    query?: unknown;
    operationName?: unknown;
  };
  try {
    const operations = parse(typeof query === 'string' ? query : '').definitions.filter(
      (d) => d.kind === Kind.OPERATION_DEFINITION,
    );
    const operation = operations.find((d) => d.name?.value === operationName) ?? operations[0];
    if (!operation) return '(none)';
    const fields = operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '…'));
    return `${operation.operation} ${fields.join(',')}`.slice(0, 200);
  } catch {
    return '(unparsable)';
  }
}
