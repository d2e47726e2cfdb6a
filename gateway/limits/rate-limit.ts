import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import { sql } from 'drizzle-orm';
import { GraphQLError, type FragmentDefinitionNode } from 'graphql';
import type { Database } from '../../db/client.ts';
import type { BucketLimit, Config } from '../../platform/config.ts';
import { rateLimited } from '../../platform/errors.ts';
import { actingFirmId, principalOf, type Actor } from '../../platform/signed-context.ts';
import { operationCost } from './query-cost.ts';

/** One leaky bucket a request spends from. */
export interface Bucket {
  /** `firm:<id>`, `ip:<address>`, or a principal's key (`user:<id>`, `api_key:<id>`, `operator:<id>`, `portal_user:<id>`). */
  key: string;
  limit: BucketLimit;
}

/**
 * The buckets one request spends from: the caller's own (its principal's, `principalOf`: user, API key,
 * operator or portal user; the client IP address when anonymous, which covers log-in attempts) and,
 * when it acts in a firm, the firm's, which every caller of that firm shares.
 * @param ip the client address as Express resolved it (`TRUST_PROXY`); null keys the anonymous bucket `ip:unknown`.
 */
export function bucketsFor(actor: Actor, ip: string | null, limits: Config['rateLimits']): Bucket[] {
  const principal = principalOf(actor);
  if (!principal) return [{ key: `ip:${ip ?? 'unknown'}`, limit: limits.anonymous }];
  const firmId = actingFirmId(actor);
  const own: Bucket = { key: principal.key, limit: limits.caller };
  return firmId ? [own, { key: `firm:${firmId}`, limit: limits.firm }] : [own];
}

/** A bucket's state as clients see it in `extensions.cost` (Shopify's `throttleStatus`). Points, points per second. */
interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** The outcome of `spendPoints`, bucket by bucket in the order given. */
export interface Spending {
  spent: boolean;
  statuses: ThrottleStatus[];
  /** Whole seconds until every bucket could hold the cost again; 0 when spent. */
  retryAfterSeconds: number;
}

/**
 * Spends `cost` points from every bucket, or from none when any lacks room, in one call of
 * `tenancy.spend_rate_limit_points` (one statement, atomic, shared by every gateway replica).
 * Buckets live in PostgreSQL and leak on its clock, so replicas never disagree.
 * @param cost points, at most the smallest bucket's size (else it could never be spent).
 */
export async function spendPoints(database: Database, buckets: readonly Bucket[], cost: number): Promise<Spending> {
  // The buckets are platform infrastructure, not tenant data: no withTenant transaction.
  const rows = await database.db.execute<{ key: string; available: number; spent: boolean }>(
    sql`select key, available, spent from tenancy.spend_rate_limit_points(
      ${sql.param(buckets.map((b) => b.key))}::text[],
      ${sql.param(buckets.map((b) => b.limit.size))}::float8[],
      ${sql.param(buckets.map((b) => b.limit.restoreRate))}::float8[],
      ${cost}::float8)`,
  );
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const spent = rows.every((row) => row.spent);
  const statuses = buckets.map(({ key, limit }) => ({
    maximumAvailable: limit.size,
    currentlyAvailable: Math.floor(Math.min(limit.size, Math.max(0, Number(byKey.get(key)!.available)))),
    restoreRate: limit.restoreRate,
  }));
  const waits = buckets.map(
    ({ key, limit }) => Math.max(0, cost - Number(byKey.get(key)!.available)) / limit.restoreRate,
  );
  return { spent, statuses, retryAfterSeconds: spent ? 0 : Math.max(1, Math.ceil(Math.max(...waits))) };
}

/**
 * Deletes the buckets untouched for `idleSeconds` (`tenancy.prune_rate_limit_buckets`), skipping any a
 * request holds. Pass at least the time the slowest bucket takes to leak from full to empty, so only
 * empty buckets go and no answer changes. Returns how many were deleted.
 */
export async function pruneBuckets(database: Database, idleSeconds: number): Promise<number> {
  const [row] = await database.db.execute<{ pruned: number }>(
    sql`select tenancy.prune_rate_limit_buckets(${idleSeconds}::float8) as pruned`,
  );
  return Number(row!.pruned);
}

/** How often each gateway prunes idle buckets. */
const PRUNE_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Prunes idle buckets every `PRUNE_INTERVAL_MS` (see `pruneBuckets`): a bucket idle for an hour, or
 * for twice the time the slowest configured bucket takes to empty if that is longer, is gone, so
 * callers who went quiet (one-off IP addresses above all) do not pile up. Every replica may run it.
 * Failures are logged and retried at the next tick. Returns the function that stops it.
 */
export function schedulePruning(
  database: Database,
  limits: Config['rateLimits'],
  log: { warn(obj: object, msg: string): void },
): () => void {
  const slowest = Math.max(...Object.values(limits).map((limit) => limit.size / limit.restoreRate));
  const idleSeconds = Math.max(3600, 2 * slowest);
  const timer = setInterval(() => {
    pruneBuckets(database, idleSeconds).catch((error: unknown) =>
      log.warn({ err: error }, 'rate-limit bucket pruning failed'),
    );
  }, PRUNE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** `extensions.cost` of every response to a resolved operation. */
export interface CostExtension {
  /** What the operation may cost at most, in points (see `operationCost`). */
  requestedQueryCost: number;
  /** The caller's own bucket: its user, API key or operator, or its IP address when anonymous. */
  throttleStatus: ThrottleStatus;
  /** The firm's bucket, shared by everyone acting in the firm; absent outside a firm. */
  firmThrottleStatus?: ThrottleStatus;
}

/**
 * Apollo plugin: once the operation is parsed and validated, and before it executes, computes its
 * cost and spends it from the caller's buckets (see `bucketsFor`). Refuses the operation, executing
 * nothing, when:
 * - a connection asks for more than 100 items (BAD_USER_INPUT, from `operationCost`);
 * - it costs more than the caller's whole bucket (GRAPHQL_VALIDATION_FAILED, HTTP 400; the message
 *   never states the limit);
 * - the buckets lack room now (RATE_LIMITED, HTTP 429 with `Retry-After` and `extensions.retryAfterSeconds`).
 * Every response after that point carries `extensions.cost` (`CostExtension`).
 */
export function rateLimitPlugin<T extends BaseContext>(options: {
  database: Database;
  limits: Config['rateLimits'];
  callerOf: (context: T) => { actor: Actor; ip: string | null };
}): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      let cost: CostExtension | { requestedQueryCost: number } | undefined;
      return {
        async didResolveOperation(requestContext: GraphQLRequestContext<T>) {
          const { document, operation, schema, request, contextValue } = requestContext;
          if (!document || !operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) {
            if (definition.kind === 'FragmentDefinition') fragments[definition.name.value] = definition;
          }
          const requestedQueryCost = operationCost({ schema, operation, fragments, variables: request.variables });
          const { actor, ip } = options.callerOf(contextValue);
          const buckets = bucketsFor(actor, ip, options.limits);
          cost = { requestedQueryCost };
          if (requestedQueryCost > buckets[0]!.limit.size) {
            throw new GraphQLError(
              'The query costs more than a single request may spend. Ask for fewer items or fields.',
              {
                extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
              },
            );
          }
          const spending = await spendPoints(options.database, buckets, requestedQueryCost);
          cost = {
            requestedQueryCost,
            throttleStatus: spending.statuses[0]!,
            ...(buckets[1] ? { firmThrottleStatus: spending.statuses[1]! } : {}),
          };
          if (!spending.spent) throw rateLimited(spending.retryAfterSeconds);
        },
        async willSendResponse({ response }) {
          if (cost && response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, cost };
          }
        },
      };
    },
  };
}
