import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Permission } from './permissions.ts';
import { PERMISSIONS, READ_PERMISSIONS, ROLE_PERMISSIONS } from './permissions.ts';

/** The header that carries the gateway-signed context to subgraphs. */
export const CONTEXT_HEADER = 'x-firmgraph-context';

const ISSUER = 'firmgraph-gateway';
const AUDIENCE = 'firmgraph-subgraph';
/** Seconds a signed context stays valid: long enough for one operation's subgraph fetches. */
export const CONTEXT_TTL_SECONDS = 30;

const RoleSchema = z.enum(['OWNER', 'ADMIN', 'MANAGER', 'STAFF']);

export const ActorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ANONYMOUS') }),
  // A firm's staff user, signed in with email and password (and TOTP when enrolled).
  z.object({
    kind: z.literal('STAFF'),
    userId: z.uuid(),
    sessionId: z.uuid(),
    /** Null when the user currently belongs to no firm. */
    firmId: z.uuid().nullable(),
    roles: z.array(RoleSchema),
    /**
     * True while the active firm requires MFA of this OWNER or ADMIN and they have not enrolled:
     * `firmId` is then null and `roles` empty, until they enrol.
     */
    mfaEnrolmentRequired: z.boolean().optional(),
    /**
     * True when this session was signed in with a second factor (a TOTP or backup code at
     * `verifyMfaChallenge`), as tenancy recorded it on the session; what the hard lock requires.
     */
    mfaVerified: z.boolean().optional(),
  }),
  // A partner integration's API key: one firm, limited to the key's scopes.
  z.object({
    kind: z.literal('API_KEY'),
    apiKeyId: z.uuid(),
    firmId: z.uuid(),
    scopes: z.array(z.enum(PERMISSIONS)),
  }),
  // A platform operator: no tenant data, except read-only under a live break-glass grant.
  z.object({
    kind: z.literal('OPERATOR'),
    operatorId: z.uuid(),
    sessionId: z.uuid(),
    /** The firm of the live break-glass grant the operator acts under; null without one. */
    firmId: z.uuid().nullable(),
    grantId: z.uuid().nullable(),
  }),
  // A client's contact signed in to the portal: one firm, and only the client accounts granted.
  z.object({
    kind: z.literal('PORTAL'),
    portalUserId: z.uuid(),
    sessionId: z.uuid(),
    firmId: z.uuid(),
    /** The client accounts this portal user was granted; never empty for a live session. */
    clientIds: z.array(z.uuid()).max(1000),
  }),
]);

/** Who is calling, as resolved by the gateway from the bearer token or API key. */
export type Actor = z.infer<typeof ActorSchema>;

/**
 * The part of an actor that says who it is: its kind and that kind's id. Every `Actor` is one; so is
 * `{ kind: 'STAFF', userId }` for a user a mutation has just signed in (platform/audit.ts `asSignedInUser`).
 */
export type ActorRef =
  | { kind: 'ANONYMOUS' }
  | { kind: 'STAFF'; userId: string }
  | { kind: 'API_KEY'; apiKeyId: string }
  | { kind: 'OPERATOR'; operatorId: string }
  | { kind: 'PORTAL'; portalUserId: string };

/** Who is behind a non-anonymous actor, whatever its session: a user, an API key, an operator or a portal user. */
export interface Principal {
  /** The bare id (a UUID): the user's, API key's, operator's or portal user's. */
  id: string;
  /**
   * `user:<id>`, `api_key:<id>`, `operator:<id>` or `portal_user:<id>`: the key of the principal's own
   * rate-limit bucket (stored as it is in `tenancy.rate_limit_buckets` and Redis, so never change it)
   * and of its per-gateway WebSocket connection count.
   */
  key: string;
}

/**
 * The principal an actor acts as, the one mapping from actor kinds to ids that the audit log
 * (`actor_id`), the rate limits (the caller's own bucket) and the WebSocket connection limit use.
 * @returns null for an anonymous caller, who has no principal (the rate limits key it by IP address).
 */
export function principalOf(actor: ActorRef): Principal | null {
  switch (actor.kind) {
    case 'ANONYMOUS':
      return null;
    case 'STAFF':
      return { id: actor.userId, key: `user:${actor.userId}` };
    case 'API_KEY':
      return { id: actor.apiKeyId, key: `api_key:${actor.apiKeyId}` };
    case 'OPERATOR':
      return { id: actor.operatorId, key: `operator:${actor.operatorId}` };
    case 'PORTAL':
      return { id: actor.portalUserId, key: `portal_user:${actor.portalUserId}` };
  }
}

/** Where the request came from, for the audit log. Never used for authorization. */
export interface RequestOrigin {
  ip: string | null;
  userAgent: string | null;
}

/** What the gateway resolved for one operation (README "Architecture"). */
export interface RequestIdentity {
  actor: Actor;
  /** Correlates logs across gateway and subgraphs; also given to clients on internal errors. */
  requestId: string;
  origin: RequestOrigin;
}

const ClaimsSchema = z.object({
  act: ActorSchema,
  rid: z.string().min(1).max(100),
  ip: z.string().max(100).nullable(),
  ua: z.string().max(512).nullable(),
});

/**
 * Signs an identity into a compact HS256 JWT (`iss` gateway, `aud` subgraph, 30 s `exp`) for the
 * `x-firmgraph-context` header. Only the gateway calls this. The user agent is cut to 512 characters.
 */
export async function signContext(identity: RequestIdentity, key: Uint8Array): Promise<string> {
  return new SignJWT({
    act: identity.actor,
    rid: identity.requestId,
    ip: identity.origin.ip,
    ua: identity.origin.userAgent?.slice(0, 512) ?? null,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${CONTEXT_TTL_SECONDS}s`)
    .sign(await keyStateOf(key).cryptoKey);
}

/** Verified contexts remembered per key, at most this many (least recently used dropped first). */
const VERIFIED_CONTEXT_CACHE_SIZE = 10_000;

/** A key's WebCrypto form, imported once, and the contexts already verified with it. */
interface KeyState {
  cryptoKey: Promise<CryptoKey>;
  verified: Map<string, { identity: RequestIdentity; expiresAtMs: number }>;
}

const keyStates = new Map<string, KeyState>();

/**
 * The state of one key, by its bytes: the WebCrypto import happens once per key, not per request
 * (it was ~3% of subgraph CPU, docs/benchmarks.md), and the subgraphs served by one process
 * (`npm start`) share the contexts already verified, so an operation's context is verified once.
 */
function keyStateOf(key: Uint8Array): KeyState {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
  let state = keyStates.get(id);
  if (!state) {
    const cryptoKey = crypto.subtle.importKey('raw', new Uint8Array(key), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
    keyStates.set(id, (state = { cryptoKey, verified: new Map() }));
  }
  return state;
}

/**
 * Verifies a signed context: HS256 only, issuer, audience, expiry and claim shape.
 *
 * A context that verified is remembered by its exact token string until its `exp` (an LRU of
 * `VERIFIED_CONTEXT_CACHE_SIZE` per key), so the several subgraph fetches of one operation,
 * which carry the same token, verify it once. Only tokens that passed every check are kept; a
 * different string (forged, re-signed or altered) is always verified in full. The identity
 * returned is frozen because it may be shared by those fetches.
 * @returns the identity, or null when the token is missing, forged, expired or malformed.
 */
export async function verifyContext(token: string | undefined, key: Uint8Array): Promise<RequestIdentity | null> {
  if (!token) return null;
  const state = keyStateOf(key);
  const cached = state.verified.get(token);
  if (cached) {
    state.verified.delete(token);
    if (Date.now() < cached.expiresAtMs) {
      state.verified.set(token, cached);
      return cached.identity;
    }
  }
  try {
    const { payload } = await jwtVerify(token, await state.cryptoKey, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success || payload.exp === undefined) return null;
    const { act, rid, ip, ua } = claims.data;
    const identity = deepFreeze<RequestIdentity>({ actor: act, requestId: rid, origin: { ip, userAgent: ua } });
    state.verified.set(token, { identity, expiresAtMs: payload.exp * 1000 });
    if (state.verified.size > VERIFIED_CONTEXT_CACHE_SIZE) state.verified.delete(state.verified.keys().next().value!);
    return identity;
  } catch {
    return null;
  }
}

/** Freezes a plain JSON-shaped value and everything inside it. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The HS256 key bytes of a configured secret string (UTF-8). */
export function hmacKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/**
 * The firm whose data the actor may reach in this request: a staff user's active firm, an API
 * key's firm, or the firm of an operator's live break-glass grant. Null means no tenant rows at all.
 */
export function actingFirmId(actor: Actor): string | null {
  return actor.kind === 'ANONYMOUS' ? null : actor.firmId;
}

/**
 * True when the actor, acting in a firm, holds `permission`: through its roles (staff), its
 * scopes (API key), or a live break-glass grant, which allows read permissions only (operator).
 * Portal users hold no catalogue permission: what they reach is named field by field by the
 * portal rules, and limited to their granted client accounts.
 */
export function can(actor: Actor, permission: Permission): boolean {
  switch (actor.kind) {
    case 'ANONYMOUS':
      return false;
    case 'STAFF':
      return actor.firmId !== null && actor.roles.some((role) => ROLE_PERMISSIONS[role].has(permission));
    case 'API_KEY':
      return actor.scopes.includes(permission);
    case 'OPERATOR':
      return actor.firmId !== null && actor.grantId !== null && READ_PERMISSIONS.has(permission);
    case 'PORTAL':
      return false;
  }
}
