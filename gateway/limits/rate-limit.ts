import type { ApolloServerPlugin, BaseContext, GraphQLRequestContext } from '@apollo/server';
import { sql } from 'drizzle-orm';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Database } from '../../db/client.ts';
import type { Config } from '../../platform/config.ts';
import { rateLimited } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import { actingFirmId, principalOf, type Actor } from '../../platform/signed-context.ts';
import { spendingOf, type Bucket, type BucketStore, type Spending, type ThrottleStatus } from './buckets.ts';
import { operationCost } from './query-cost.ts';
import { redisBuckets } from './redis-buckets.ts';

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

/**
 * Spends `cost` points from every bucket, or from none when any lacks room, in one call of
 * `tenancy.spend_rate_limit_points` (one statement, atomic, shared by every gateway replica).
 * Buckets live in PostgreSQL and leak on its clock, so replicas never disagree.
 * @param cost points, at most the smallest bucket's size (else it could never be spent).
 */
async function spendPoints(database: Database, buckets: readonly Bucket[], cost: number): Promise<Spending> {
  // The buckets are platform infrastructure, not tenant data: no withTenant transaction.
  const rows = await database.db.execute<{ key: string; available: number; spent: boolean }>(
    sql`select key, available, spent from tenancy.spend_rate_limit_points(
      ${sql.param(buckets.map((b) => b.key))}::text[],
      ${sql.param(buckets.map((b) => b.limit.size))}::float8[],
      ${sql.param(buckets.map((b) => b.limit.restoreRate))}::float8[],
      ${cost}::float8)`,
  );
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const available = buckets.map(({ key }) => Number(byKey.get(key)!.available));
  return spendingOf(
    buckets,
    cost,
    available,
    rows.every((row) => row.spent),
  );
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
function schedulePruning(
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

/** The PostgreSQL buckets on `database`, without pruning (`connectBuckets` adds it for the gateway). */
export function postgresBuckets(database: Database): BucketStore {
  return { spend: (buckets, cost) => spendPoints(database, buckets, cost), close: async () => {} };
}

/**
 * The gateway's bucket store: Redis on `config.redisUrl` when set (keys under `config.redisKeyPrefix`,
 * expiring once empty), else PostgreSQL on `database` with idle buckets pruned every ten minutes
 * (`pruneBuckets`). Connections open lazily, on the first spend.
 */
export function connectBuckets(options: { database: Database; config: Config; log: Logger }): BucketStore {
  const { database, config, log } = options;
  if (config.redisUrl) return redisBuckets(config.redisUrl, config.redisKeyPrefix, log);
  const stopPruning = schedulePruning(database, config.rateLimits, log);
  return { ...postgresBuckets(database), close: async () => stopPruning() };
}

/** What `chargeOperation` decided: the cost to report, and the error to refuse with, if any. */
interface Charge {
  /** `extensions.cost`: only `requestedQueryCost` when refused before spending (too costly). */
  cost: CostExtension | { requestedQueryCost: number };
  /**
   * GRAPHQL_VALIDATION_FAILED (HTTP 400) or RATE_LIMITED (HTTP 429, `Retry-After`); the store's own error
   * when spending failed (the cost is still reported); null when spent.
   */
  refusal: Error | null;
}

/**
 * Computes an operation's cost (`operationCost`: Shopify-style calculated query cost, README "API
 * limits") and spends it from the caller's buckets (`bucketsFor`), the one check HTTP operations
 * (`rateLimitPlugin`) and WebSocket subscriptions (charged once, at subscribe) both pass. Refuses:
 * - an operation costing more than the caller's whole bucket: GRAPHQL_VALIDATION_FAILED, HTTP 400, a
 *   message that never states the limit, and nothing spent;
 * - when the buckets lack room now: RATE_LIMITED (`rateLimited`, platform/errors.ts: HTTP 429,
 *   `Retry-After` and `extensions.retryAfterSeconds`), nothing spent from any bucket;
 * - when the store fails (its database or Redis unreachable): the store's error as the refusal, so the
 *   caller answers with its masked internal error and still reports `requestedQueryCost`.
 * @param options.variables the request's variables as sent (page sizes may come from them).
 * @throws BAD_USER_INPUT (HTTP 400, from `operationCost`) when a connection asks for more than 100
 *   items, before anything is spent.
 */
export async function chargeOperation(options: {
  store: BucketStore;
  limits: Config['rateLimits'];
  actor: Actor;
  ip: string | null;
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown> | undefined;
}): Promise<Charge> {
  const { schema, document, operation, variables } = options;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const requestedQueryCost = operationCost({ schema, operation, fragments, variables });
  const buckets = bucketsFor(options.actor, options.ip, options.limits);
  if (requestedQueryCost > buckets[0]!.limit.size) {
    const refusal = new GraphQLError(
      'The query costs more than a single request may spend. Ask for fewer items or fields.',
      { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } },
    );
    return { cost: { requestedQueryCost }, refusal };
  }
  let spending: Awaited<ReturnType<BucketStore['spend']>>;
  try {
    spending = await options.store.spend(buckets, requestedQueryCost);
  } catch (error) {
    return { cost: { requestedQueryCost }, refusal: error instanceof Error ? error : new Error(String(error)) };
  }
  const cost: CostExtension = {
    requestedQueryCost,
    throttleStatus: spending.statuses[0]!,
    ...(buckets[1] ? { firmThrottleStatus: spending.statuses[1]! } : {}),
  };
  return { cost, refusal: spending.spent ? null : rateLimited(spending.retryAfterSeconds) };
}

/**
 * Apollo plugin: once the operation is parsed and validated, and before it executes, charges it
 * (`chargeOperation`) and refuses it, executing nothing, with that function's errors. Every response
 * after that point carries `extensions.cost` (`CostExtension`).
 */
export function rateLimitPlugin<T extends BaseContext>(options: {
  store: BucketStore;
  limits: Config['rateLimits'];
  callerOf: (context: T) => { actor: Actor; ip: string | null };
}): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      let cost: Charge['cost'] | undefined;
      return {
        async didResolveOperation(requestContext: GraphQLRequestContext<T>) {
          const { document, operation, schema, request, contextValue } = requestContext;
          if (!document || !operation) return;
          const charge = await chargeOperation({
            store: options.store,
            limits: options.limits,
            ...options.callerOf(contextValue),
            schema,
            document,
            operation,
            variables: request.variables,
          });
          cost = charge.cost;
          if (charge.refusal) throw charge.refusal;
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
