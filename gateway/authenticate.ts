import { randomUUID } from 'node:crypto';
import { Kind, parse } from 'graphql';
import type { Database } from '../db/client.ts';
import { unauthenticated } from '../platform/errors.ts';
import type { Actor, RequestOrigin } from '../platform/signed-context.ts';
import { portalReach } from '../subgraphs/crm/contacts/contact-service.ts';
import { resolveApiKeyActor } from '../subgraphs/tenancy/api-keys/api-key-service.ts';
import { looksLikeApiKey, parseApiKey } from '../subgraphs/tenancy/api-keys/api-key-token.ts';
import { resolveOperatorActor } from '../subgraphs/tenancy/break-glass/break-glass-service.ts';
import { isOperatorTokenShape, verifyOperatorToken } from '../subgraphs/tenancy/break-glass/operator-tokens.ts';
import { resolveSessionActor } from '../subgraphs/tenancy/identity/identity-service.ts';
import { verifyAccessToken } from '../subgraphs/tenancy/identity/tokens.ts';
import { resolvePortalSession } from '../subgraphs/tenancy/portal/portal-service.ts';
import { isPortalTokenShape, verifyPortalAccessToken } from '../subgraphs/tenancy/portal/portal-tokens.ts';

/** The parts of the HTTP request authentication needs besides the header: for break-glass auditing. */
export interface AuthenticationRequest {
  requestId: string;
  origin: RequestOrigin;
  /** The parsed JSON body (`{ query, operationName }`), read only to name the operation in the audit log. */
  body: unknown;
}

/**
 * Authenticates one HTTP request (README "Architecture"). Which credential a `Bearer` token is:
 * - `fg_live_…`: an API key. Its format and checksum are checked first, without I/O; then it is
 *   looked up by SHA-256 in the firm it names, under that firm's RLS, and must be unrevoked and unexpired.
 * - a JWT of type `fg-operator+jwt`: a platform operator's token. The operator session must be
 *   live; a token bound to a break-glass grant acts in that firm only while the grant is live,
 *   and each such request is recorded in the firm's audit log (`break_glass.access`).
 * - a JWT of type `fg-portal+jwt`: a portal user's token. The portal session must be live and the
 *   portal user unrevoked (tenancy); the clients it reaches are its grants narrowed by crm to those
 *   its contact is linked to, plus a granted organization's clients (`portalReach`). The gateway
 *   composes the two through each subgraph's own module, so neither reads the other's tables.
 * - any other JWT: a staff access token naming a live session.
 * No `Authorization` header is an anonymous caller; anything that fails is `UNAUTHENTICATED`
 * (HTTP 401). Tenant, roles and scopes come from the database, never from the client.
 */
export async function authenticate(
  authorization: string | undefined,
  deps: { database: Database; jwtKey: Uint8Array; request?: AuthenticationRequest },
): Promise<Actor> {
  if (!authorization) return { kind: 'ANONYMOUS' };
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
  if (!match) throw unauthenticated('Malformed Authorization header', 401);
  const credential = match[1]!;
  if (looksLikeApiKey(credential)) {
    const parsed = parseApiKey(credential);
    if (!parsed) throw unauthenticated('Malformed API key', 401);
    const key = await resolveApiKeyActor(deps.database, parsed);
    if (!key) throw unauthenticated('Invalid, expired or revoked API key', 401);
    return { kind: 'API_KEY', ...key };
  }
  if (isOperatorTokenShape(credential)) {
    const claims = await verifyOperatorToken(credential, deps.jwtKey);
    if (!claims) throw unauthenticated('Invalid or expired access token', 401);
    // Callers outside HTTP (benchmarks) pass no request: the audit record then gets a fresh request id and no origin.
    const { requestId, origin, body } = deps.request ?? {
      requestId: randomUUID(),
      origin: { ip: null, userAgent: null },
      body: undefined,
    };
    const operator = await resolveOperatorActor(deps.database, claims, {
      requestId,
      origin,
      operation: operationLabel(body),
    });
    if (!operator) throw unauthenticated('Session has ended', 401);
    return operator;
  }
  if (isPortalTokenShape(credential)) {
    const claims = await verifyPortalAccessToken(credential, deps.jwtKey);
    if (!claims) throw unauthenticated('Invalid or expired access token', 401);
    const grant = await resolvePortalSession(deps.database, claims);
    if (!grant) throw unauthenticated('Session has ended', 401);
    const clientIds = await portalReach(deps.database, grant);
    return {
      kind: 'PORTAL',
      portalUserId: grant.portalUserId,
      sessionId: grant.sessionId,
      firmId: grant.firmId,
      clientIds,
    };
  }
  const claims = await verifyAccessToken(credential, deps.jwtKey);
  if (!claims) throw unauthenticated('Invalid or expired access token', 401);
  const session = await resolveSessionActor(deps.database, claims);
  if (!session) throw unauthenticated('Session has ended', 401);
  return { kind: 'STAFF', ...session };
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
