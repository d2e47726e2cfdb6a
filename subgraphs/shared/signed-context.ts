import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Permission } from './permissions.ts';
import { ROLE_PERMISSIONS } from './permissions.ts';

/** The header that carries the gateway-signed context to subgraphs. */
export const CONTEXT_HEADER = 'x-firmgraph-context';

const ISSUER = 'firmgraph-gateway';
const AUDIENCE = 'firmgraph-subgraph';
/** Seconds a signed context stays valid: long enough for one operation's subgraph fetches. */
export const CONTEXT_TTL_SECONDS = 30;

const RoleSchema = z.enum(['OWNER', 'ADMIN', 'MANAGER', 'STAFF']);

const ActorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ANONYMOUS') }),
  z.object({
    kind: z.literal('STAFF'),
    userId: z.uuid(),
    sessionId: z.uuid(),
    /** Null when the user currently belongs to no firm. */
    firmId: z.uuid().nullable(),
    roles: z.array(RoleSchema),
  }),
]);

/** Who is calling, as resolved by the gateway from the bearer token. */
export type Actor = z.infer<typeof ActorSchema>;

/** What the gateway resolved for one operation (design brief §3). */
export interface RequestIdentity {
  actor: Actor;
  /** Correlates logs across gateway and subgraphs; also given to clients on internal errors. */
  requestId: string;
}

const ClaimsSchema = z.object({ act: ActorSchema, rid: z.string().min(1).max(100) });

/**
 * Signs an identity into a compact HS256 JWT (`iss` gateway, `aud` subgraph, 30 s `exp`) for the
 * `x-firmgraph-context` header. Only the gateway calls this.
 */
export async function signContext(identity: RequestIdentity, key: Uint8Array): Promise<string> {
  return new SignJWT({ act: identity.actor, rid: identity.requestId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${CONTEXT_TTL_SECONDS}s`)
    .sign(key);
}

/**
 * Verifies a signed context: HS256 only, issuer, audience, expiry and claim shape.
 * @returns the identity, or null when the token is missing, forged, expired or malformed.
 */
export async function verifyContext(token: string | undefined, key: Uint8Array): Promise<RequestIdentity | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
    const claims = ClaimsSchema.safeParse(payload);
    return claims.success ? { actor: claims.data.act, requestId: claims.data.rid } : null;
  } catch {
    return null;
  }
}

/** The HS256 key bytes of a configured secret string (UTF-8). */
export function hmacKey(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** True when the actor is staff with an active firm whose roles grant `permission`. */
export function can(actor: Actor, permission: Permission): boolean {
  return actor.kind === 'STAFF' && actor.firmId !== null && actor.roles.some((role) => ROLE_PERMISSIONS[role].has(permission));
}
