import type { Database } from '../../../db/client.ts';
import { verifyCredential } from '../../../platform/credentials.ts';
import type { Config } from '../../../platform/config.ts';
import {
  introspectionEndpoint,
  type Introspection,
  type IntrospectionEndpoint,
  type IntrospectionRequest,
} from '../../../platform/introspection.ts';
import { hmacKey } from '../../../platform/signed-context.ts';
import { resolveApiKeyActor } from '../api-keys/api-key-service.ts';
import { resolveOperatorActor } from '../break-glass/break-glass-service.ts';
import { resolveSessionActor } from '../identity/identity-service.ts';
import { resolvePortalSession } from '../portal/portal-service.ts';

const INACTIVE: Introspection = { active: false };

/**
 * Tenancy's answer to "who is this bearer credential?" (platform/introspection.ts, RFC 7662 §2.2),
 * for every actor kind. The credential is checked again here, whatever the gateway checked
 * (`verifyCredential`: format, signature, expiry), then looked up:
 * - an API key: unrevoked and unexpired, in the firm it names (`resolveApiKeyActor`);
 * - a staff access token: a live session of an enabled user, acting in its active firm with its
 *   membership's role (`resolveSessionActor`);
 * - a portal token: a live session of an unrevoked portal user, reaching its grants as crm narrows
 *   them (`resolvePortalSession`);
 * - an operator token: a live operator session, in a break-glass grant's firm while the grant is
 *   live; such an access is audited per request, which is why the gateway never caches operators.
 *
 * `revocationSubjects` are what a `credential.revoked` event names to end this resolution
 * (platform/event-bus.ts): `user:`/`session:`/`firm:`, `api_key:`, `portal_user:`/`portal_session:`/`contact:`/`firm:`,
 * `operator_session:`/`grant:`.
 * @returns `{ active: false }` for anything malformed, forged, expired, revoked or ended.
 */
async function introspectCredential(
  database: Database,
  jwtKey: Uint8Array,
  request: IntrospectionRequest,
): Promise<Introspection> {
  const credential = await verifyCredential(request.token, jwtKey);
  if ('refused' in credential) return INACTIVE;
  switch (credential.kind) {
    case 'API_KEY': {
      const key = await resolveApiKeyActor(database, credential);
      if (!key) return INACTIVE;
      return {
        active: true,
        sub: key.apiKeyId,
        actor: { kind: 'API_KEY', ...key },
        revocationSubjects: [`api_key:${key.apiKeyId}`],
      };
    }
    case 'STAFF': {
      const { claims } = credential;
      const session = await resolveSessionActor(database, claims);
      if (!session) return INACTIVE;
      return {
        active: true,
        sub: claims.sub,
        exp: claims.exp,
        actor: { kind: 'STAFF', ...session },
        revocationSubjects: [
          `user:${claims.sub}`,
          `session:${claims.sid}`,
          ...(session.firmId ? [`firm:${session.firmId}`] : []),
        ],
      };
    }
    case 'PORTAL': {
      const { claims } = credential;
      const portal = await resolvePortalSession(database, claims);
      if (!portal) return INACTIVE;
      return {
        active: true,
        sub: claims.sub,
        exp: claims.exp,
        actor: portal.actor,
        revocationSubjects: [
          `portal_user:${claims.sub}`,
          `portal_session:${claims.sid}`,
          `contact:${portal.contactId}`,
          `firm:${claims.fid}`,
        ],
      };
    }
    case 'OPERATOR': {
      const { claims } = credential;
      const operator = await resolveOperatorActor(database, claims, request);
      if (!operator) return INACTIVE;
      return {
        active: true,
        sub: claims.sub,
        exp: claims.exp,
        actor: operator,
        revocationSubjects: [
          `operator_session:${claims.sid}`,
          ...(operator.grantId ? [`grant:${operator.grantId}`] : []),
        ],
      };
    }
  }
}

/**
 * Tenancy's introspection endpoint (platform/introspection.ts `introspectionEndpoint`), keyed with
 * the context-signing secret and verifying credentials with the JWT secret: what tenancy serves
 * as `POST /introspect`, and what a gateway in the same process (`npm start`) calls directly.
 */
export function tenancyIntrospection(database: Database, config: Config): IntrospectionEndpoint {
  const jwtKey = hmacKey(config.jwtSecret);
  return introspectionEndpoint(
    (request) => introspectCredential(database, jwtKey, request),
    hmacKey(config.contextSigningSecret),
  );
}
