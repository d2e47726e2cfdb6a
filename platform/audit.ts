import type { ApolloServerPlugin } from '@apollo/server';
import { sql } from 'drizzle-orm';
import { asFirm, type Database, type Tx } from '../db/client.ts';
import { newId } from './ids.ts';
import type { Logger } from './logger.ts';
import { actingFirmId, principalOf, type Actor, type ActorRef, type RequestOrigin } from './signed-context.ts';

/** Who did it, and from where: the parts of a request context an audit record keeps. */
export interface AuditContext {
  /** Every `Actor` is one; a mutation that signs a user in records `{ kind: 'STAFF', userId }` for the user it just authenticated. */
  actor: ActorRef;
  requestId: string;
  origin: RequestOrigin;
}

/** Flat metadata of an audit record. Never secrets, message text or document content. */
type AuditMetadata = Record<string, string | number | boolean | null>;

/** One thing that happened in a firm. */
export interface AuditEvent {
  firmId: string;
  /** Dotted lowercase, at least two segments: `client.create`, `auth.login.failed`, `mfa.enable`. */
  action: string;
  /** The kind of thing acted on (`client`, `user`, `membership`…), or null. */
  targetType: string | null;
  targetId: string | null;
  metadata?: AuditMetadata;
}

const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const MAX_METADATA_KEYS = 20;
const MAX_METADATA_STRING = 500;

/**
 * The id an audit record names as the actor (`actor_id`): the user (staff), API key, operator or portal user,
 * as `principalOf` maps them; null for anonymous callers.
 */
export function auditActorId(actor: ActorRef): string | null {
  return principalOf(actor)?.id ?? null;
}

/**
 * Appends one record to the firm's audit log inside the caller's transaction (README "Audit log"), so
 * the record commits or rolls back with the change it describes. It goes through
 * `tenancy.append_audit_record` (migration 0008), the one way any subgraph's role writes the log.
 *
 * The database assigns `seq`, `occurred_at` (UTC, milliseconds) and the hash chain in the
 * `tenancy.audit_log_chain` trigger, serialized per firm. Concurrent writers of one firm wait for
 * each other's commit at this call, so call it once the change itself is written.
 *
 * @param tx a `withTenant` transaction whose `app.firm_id` is `event.firmId` (RLS refuses others).
 * @param event metadata: at most 20 keys; values string (≤ 500 characters), finite number,
 *   boolean or null.
 * @throws Error when the action is not dotted lowercase or the metadata breaks those limits
 *   (a programming error), and the database error when the firm is not the transaction's.
 */
export async function recordAudit(tx: Tx, ctx: AuditContext, event: AuditEvent): Promise<void> {
  await recordAudits(tx, ctx, [event]);
}

/**
 * Appends several records, in order, in one statement: what `recordAudit` does for each event, for
 * a bulk change that audits every row it changes (approving 50 time entries is one round trip, not 50).
 * @throws like `recordAudit`, before writing anything, when any event is malformed.
 */
export async function recordAudits(tx: Tx, ctx: AuditContext, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  for (const event of events) assertAuditEvent(event);
  const rows = events.map(
    (event, index) => sql`(${index}, ${event.firmId}::uuid, ${newId()}::uuid, ${event.action}, ${event.targetType},
      ${event.targetId}::text, ${JSON.stringify(event.metadata ?? {})}::jsonb)`,
  );
  await tx.execute(sql`
    select tenancy.append_audit_record(
      e.firm_id, e.id, ${ctx.actor.kind}, ${auditActorId(ctx.actor)}::uuid, e.action, e.target_type, e.target_id,
      ${ctx.requestId}, ${ctx.origin.ip}, ${ctx.origin.userAgent}, e.metadata)
    from (values ${sql.join(rows, sql`, `)}) as e(ordinal, firm_id, id, action, target_type, target_id, metadata)
    order by e.ordinal
  `);
}

/**
 * The audit context of a request whose caller was anonymous when it started but has just proved
 * to be `userId` (log-in, sign-up, accepting an invitation, refreshing a session): same request
 * id and origin, actor the user.
 */
export function asSignedInUser(ctx: AuditContext, userId: string): AuditContext {
  return { actor: { kind: 'STAFF', userId }, requestId: ctx.requestId, origin: ctx.origin };
}

/**
 * Records one event in each of several firms, in the caller's transaction: for authentication
 * events of a user who belongs to several firms (each firm sees its members' sign-ins), each
 * `asFirm` (db/client.ts), in firm id order.
 * @throws like `recordAudit`.
 */
export async function recordAuditInFirms(
  tx: Tx,
  ctx: AuditContext,
  firmIds: readonly string[],
  event: Omit<AuditEvent, 'firmId'>,
): Promise<void> {
  // One lock order for every writer (each firm's chain head is locked until commit), so two
  // transactions recording in the same firms cannot deadlock.
  for (const firmId of [...new Set(firmIds)].sort()) {
    await asFirm(tx, firmId, () => recordAudit(tx, ctx, { ...event, firmId }));
  }
}

/**
 * Checks what `recordAudit` checks before writing: a dotted lowercase action of at least two
 * segments, and flat metadata (at most 20 keys; string of at most 500 characters, finite number,
 * boolean or null).
 * @throws Error naming the problem (a programming error, never a user's).
 */
export function assertAuditEvent(event: Pick<AuditEvent, 'action' | 'metadata'>): void {
  if (!ACTION_PATTERN.test(event.action)) throw new Error(`Audit action must be dotted lowercase: ${event.action}`);
  const entries = Object.entries(event.metadata ?? {});
  if (entries.length > MAX_METADATA_KEYS) throw new Error(`Audit metadata has more than ${MAX_METADATA_KEYS} keys`);
  for (const [key, value] of entries) {
    const ok =
      value === null ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= MAX_METADATA_STRING);
    if (!ok) throw new Error(`Audit metadata "${key}" must be a short string, a finite number, a boolean or null`);
  }
}

/** The request-scoped fields the permission-denial plugin reads from a subgraph context. */
interface DenialContext extends AuditContext {
  actor: Actor;
  database: Database;
  log: Logger;
}

/**
 * Apollo Server plugin: when an operation ends with FORBIDDEN or UNAUTHENTICATED errors for an
 * actor acting in a firm, appends one `permission.denied` record to that firm's log, in its own
 * transaction (the refused work rolled back). Metadata: `code` and `path` of the first denial,
 * `count` of denials in the operation, and the client's `operationName`. One record per operation, so a query
 * fanning out over many forbidden fields cannot flood the log. Callers with no firm (anonymous,
 * or a user with no active firm) have no firm-scoped log to write to.
 * A failure to write is logged and does not change the response.
 */
export function permissionDenialPlugin<T extends DenialContext>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors, operationName }) {
          const firmId = actingFirmId(contextValue.actor);
          if (!firmId) return;
          const denials = errors.filter(
            (error) => error.extensions?.code === 'FORBIDDEN' || error.extensions?.code === 'UNAUTHENTICATED',
          );
          const [first] = denials;
          if (!first) return;
          try {
            await contextValue.database.withTenant({ firmId }, (tx) =>
              recordAudit(tx, contextValue, {
                firmId,
                action: 'permission.denied',
                targetType: null,
                targetId: null,
                metadata: {
                  code: String(first.extensions.code),
                  path: first.path?.join('.').slice(0, MAX_METADATA_STRING) ?? null,
                  count: denials.length,
                  // The gateway names subgraph fetches `<client operation>__<subgraph>__<n>`.
                  operationName: operationName?.replace(/__[a-z]+__\d+$/, '').slice(0, MAX_METADATA_STRING) ?? null,
                },
              }),
            );
          } catch (error) {
            contextValue.log.error(
              { requestId: contextValue.requestId, err: error },
              'could not record a permission denial',
            );
          }
        },
      };
    },
  };
}
