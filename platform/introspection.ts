import type { Express } from 'express';
import express from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { ActorSchema, type Actor, type RequestOrigin } from './signed-context.ts';

/**
 * Credential introspection between the gateway and tenancy (README "Authentication"), modelled on
 * OAuth 2.0 Token Introspection (RFC 7662) with a JWT response (RFC 9701):
 * - the gateway POSTs `application/x-www-form-urlencoded` `token=…` to tenancy's `/introspect`
 *   (RFC 7662 §2.1), with `request_id`, `ip`, `user_agent` and `operation` for the audit log, and
 *   authenticates itself with `Authorization: Bearer <client assertion>`, a 30-second HS256 JWT
 *   (`iss` firmgraph-gateway, `aud` firmgraph-introspection; RFC 7523 §2.2);
 * - tenancy answers `application/token-introspection+jwt`: an HS256 JWT (`typ`
 *   token-introspection+jwt, `iss` firmgraph-tenancy, `aud` firmgraph-gateway) whose
 *   `token_introspection` claim holds RFC 7662's `active`, `exp` and `sub`, plus FirmGraph's
 *   `actor` (who the credential acts as, with its firm, roles, scopes or client reach) and
 *   `revocation_subjects` (what a `credential.revoked` bus event names to end it).
 * Both directions are signed with the context-signing key, which only the gateway and the
 * subgraphs hold. An inactive answer says nothing else (RFC 7662 §2.2).
 */

/** What the gateway asks about one bearer credential. */
export interface IntrospectionRequest {
  token: string;
  /** The HTTP request's id and origin, and its operation's label: a break-glass access is audited per request. */
  requestId: string;
  origin: RequestOrigin;
  operation: string;
}

/** Tenancy's answer. `exp` is seconds since the epoch, absent for credentials without an expiry. */
export type Introspection =
  | { active: false }
  | {
      active: true;
      sub: string;
      exp?: number;
      actor: Exclude<Actor, { kind: 'ANONYMOUS' }>;
      revocationSubjects: string[];
    };

/** One introspection as the gateway makes it: over HTTP, or to tenancy in the same process (`npm start`). */
export type Introspector = (request: IntrospectionRequest) => Promise<Introspection>;

/**
 * Tenancy's side, without its HTTP hop: verifies the client assertion, introspects, signs the answer.
 * @returns the signed answer, or null when the client assertion is invalid (HTTP 401 `invalid_client`).
 */
export type IntrospectionEndpoint = (request: IntrospectionRequest, clientAssertion: string) => Promise<string | null>;

const GATEWAY = 'firmgraph-gateway';
const ENDPOINT = 'firmgraph-introspection';
const TENANCY = 'firmgraph-tenancy';
const RESPONSE_TYPE = 'token-introspection+jwt';
const ASSERTION_TTL_SECONDS = 30;

const IntrospectionSchema = z.discriminatedUnion('active', [
  z.object({ active: z.literal(false) }),
  z.object({
    active: z.literal(true),
    sub: z.string().min(1),
    exp: z.number().int().positive().optional(),
    actor: ActorSchema.refine((actor) => actor.kind !== 'ANONYMOUS'),
    revocation_subjects: z.array(z.string()).max(10),
  }),
]);

const FormSchema = z.object({
  token: z.string().min(1).max(4096),
  request_id: z.string().min(1).max(100),
  ip: z.string().max(100).optional(),
  user_agent: z.string().max(512).optional(),
  operation: z.string().max(200),
});

/**
 * Wraps tenancy's `introspect` as the endpoint: the client assertion must verify under `key`
 * (HS256, `iss` firmgraph-gateway, `aud` firmgraph-introspection, unexpired), and the answer is
 * signed as RFC 9701's `application/token-introspection+jwt`, valid for 30 seconds.
 */
export function introspectionEndpoint(introspect: Introspector, key: Uint8Array): IntrospectionEndpoint {
  return async (request, clientAssertion) => {
    try {
      await jwtVerify(clientAssertion, key, { algorithms: ['HS256'], issuer: GATEWAY, audience: ENDPOINT });
    } catch {
      return null;
    }
    const answer = await introspect(request);
    const claim = answer.active
      ? {
          active: true,
          sub: answer.sub,
          ...(answer.exp === undefined ? {} : { exp: answer.exp }),
          actor: answer.actor,
          revocation_subjects: answer.revocationSubjects,
        }
      : { active: false };
    return new SignJWT({ token_introspection: claim })
      .setProtectedHeader({ alg: 'HS256', typ: RESPONSE_TYPE })
      .setIssuer(TENANCY)
      .setAudience(GATEWAY)
      .setIssuedAt()
      .setExpirationTime(`${ASSERTION_TTL_SECONDS}s`)
      .sign(key);
  };
}

/**
 * Serves `endpoint` as `POST /introspect` on a subgraph's Express app (tenancy's): the form of
 * RFC 7662 §2.1, 401 `{ "error": "invalid_client" }` for a bad client assertion (RFC 6749 §5.2),
 * 400 `{ "error": "invalid_request" }` for a malformed form.
 */
export function mountIntrospection(app: Express, endpoint: IntrospectionEndpoint): void {
  app.post('/introspect', express.urlencoded({ extended: false, limit: '16kb' }), async (req, res, next) => {
    try {
      const form = FormSchema.safeParse(req.body);
      const assertion = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!assertion) {
        res.status(401).json({ error: 'invalid_client' });
        return;
      }
      if (!form.success) {
        res.status(400).json({ error: 'invalid_request' });
        return;
      }
      const { token, request_id, ip, user_agent, operation } = form.data;
      const signed = await endpoint(
        { token, requestId: request_id, origin: { ip: ip ?? null, userAgent: user_agent ?? null }, operation },
        assertion,
      );
      if (signed === null) {
        res.status(401).json({ error: 'invalid_client' });
        return;
      }
      res.status(200).type(`application/${RESPONSE_TYPE}`).send(signed);
    } catch (error) {
      next(error);
    }
  });
}

/**
 * The gateway's side: signs a client assertion (one per 20 seconds, each valid for 30), sends the
 * request to `target` (tenancy's `/introspect` URL, or its endpoint in this process), and verifies
 * the signed answer (HS256, `typ`, `iss` firmgraph-tenancy, `aud` firmgraph-gateway, unexpired,
 * claim shape).
 * @throws Error when tenancy cannot be reached, refuses the assertion, or answers with anything
 *   but a valid signed introspection: the caller fails the request rather than guess.
 */
export function introspectionClient(target: URL | IntrospectionEndpoint, key: Uint8Array): Introspector {
  let assertion: { token: Promise<string>; renewAtMs: number } | null = null;
  const clientAssertion = (): Promise<string> => {
    if (!assertion || Date.now() >= assertion.renewAtMs) {
      const token = new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(GATEWAY)
        .setSubject(GATEWAY)
        .setAudience(ENDPOINT)
        .setIssuedAt()
        .setExpirationTime(`${ASSERTION_TTL_SECONDS}s`)
        .sign(key);
      assertion = { token, renewAtMs: Date.now() + 20_000 };
    }
    return assertion.token;
  };
  const send = async (request: IntrospectionRequest): Promise<string> => {
    if (typeof target === 'function') {
      const signed = await target(request, await clientAssertion());
      if (signed === null) throw new Error('Tenancy refused the gateway’s client assertion');
      return signed;
    }
    const form = new URLSearchParams({
      token: request.token,
      request_id: request.requestId,
      operation: request.operation,
      ...(request.origin.ip === null ? {} : { ip: request.origin.ip }),
      ...(request.origin.userAgent === null ? {} : { user_agent: request.origin.userAgent.slice(0, 512) }),
    });
    const response = await fetch(target, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await clientAssertion()}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: `application/${RESPONSE_TYPE}`,
      },
      body: form,
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`Tenancy introspection answered HTTP ${response.status}`);
    return response.text();
  };
  return async (request) => {
    const { payload } = await jwtVerify(await send(request), key, {
      algorithms: ['HS256'],
      typ: RESPONSE_TYPE,
      issuer: TENANCY,
      audience: GATEWAY,
    });
    const answer = IntrospectionSchema.parse(payload.token_introspection);
    if (!answer.active) return { active: false };
    return {
      active: true,
      sub: answer.sub,
      ...(answer.exp === undefined ? {} : { exp: answer.exp }),
      actor: answer.actor as Exclude<Actor, { kind: 'ANONYMOUS' }>,
      revocationSubjects: answer.revocation_subjects,
    };
  };
}
