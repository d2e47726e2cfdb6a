import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

/** Every drizzle table of the four subgraph schemas. */
type Schema = typeof schema;
/** drizzle over postgres.js with FirmGraph's schema. */
type Db = PostgresJsDatabase<Schema>;
/** A drizzle transaction with `app.firm_id` (and `app.user_id`) already set. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Who a unit of work acts for. `firmId: null` sees no tenant rows at all (RLS). */
export interface TenantScope {
  firmId: string | null;
  /** The signed-in user, for the policies that let a user see their own memberships across firms. */
  userId?: string | null;
}

/**
 * Runs `work` inside `tx` acting for `firmId` (`app.firm_id`), then restores the setting the
 * transaction had: for writes that belong to another firm than the transaction's own (an
 * authentication event recorded in each of a user's firms, a revocation in the firm a session
 * acted in). Row-level security then admits only `firmId`'s rows.
 * @throws whatever `work` throws; the setting is then left to the transaction's rollback.
 */
export async function asFirm<T>(tx: Tx, firmId: string, work: () => Promise<T>): Promise<T> {
  const [{ previous }] = (await tx.execute(
    drizzleSql`select current_setting('app.firm_id', true) as previous, set_config('app.firm_id', ${firmId}, true)`,
  )) as unknown as [{ previous: string | null }];
  const result = await work();
  await tx.execute(drizzleSql`select set_config('app.firm_id', ${previous ?? ''}, true)`);
  return result;
}

/**
 * A `uuid[]` parameter for SQL, e.g. the argument of a SECURITY DEFINER crossing
 * (`tenancy.firm_members(${uuidArray(ids)})`): one bound array parameter (postgres.js serializes
 * it) cast to `uuid[]`, never a list spliced into the text; an empty list is an empty array. The
 * ids must be UUIDs (check with `platform/ids.ts` `isUuid` first); a malformed one fails the cast.
 */
export function uuidArray(ids: readonly string[]) {
  return drizzleSql`${drizzleSql.param([...ids])}::uuid[]`;
}

const afterCommit = new WeakMap<Tx, (() => void)[]>();

/**
 * Calls `callback` once `tx` (a `withTenant` transaction) has committed, and never if it rolls
 * back: for what must follow only a durable change (waiting for an outbox event's delivery).
 */
export function onCommit(tx: Tx, callback: () => void): void {
  const callbacks = afterCommit.get(tx);
  if (callbacks) callbacks.push(callback);
  else afterCommit.set(tx, [callback]);
}

/** A connection pool of the app role, and the one way to run work against it. */
export interface Database {
  /** drizzle over postgres.js; use it only through `withTenant`. */
  readonly db: Db;
  /** The raw postgres.js pool, for health checks. */
  readonly sql: postgres.Sql;
  /**
   * Runs `work` in one transaction whose first statement sets `app.firm_id` and `app.user_id`
   * with `set_config(..., true)`: local to the transaction, so pooled connections never leak a
   * tenant (wall 3, README "Architecture"). Commits when `work` resolves, rolls back when it throws.
   */
  withTenant<T>(scope: TenantScope, work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * SQL statements sent through drizzle since the pool was created: each unit of work's
   * `set_config` and its queries, not the BEGIN/COMMIT around them (for tests and benchmarks).
   */
  statementCount(): number;
  /** Waits for running queries, then closes every connection. */
  close(): Promise<void>;
}

/**
 * postgres.js with every drizzle query sent as a named prepared statement. drizzle passes
 * `prepare: false` for any query not built with `.prepare(name)`, so PostgreSQL would parse and
 * plan each statement again on every call: on the Dashboard that was about half of the
 * database's CPU. postgres.js keeps one prepared statement per distinct query text and parameter
 * types on each connection (and re-prepares after `DROP`/`ALTER`), so the same SQL is parsed
 * once per connection. Row-level security is unaffected: the policies read
 * `current_setting('app.firm_id')` at execution time, not at planning time.
 *
 * Wraps `unsafe` (what drizzle calls), and `begin`/`savepoint` so the transaction's own client
 * is wrapped too (drizzle runs a transaction's queries on it).
 */
function preparedStatements<T extends postgres.Sql | postgres.TransactionSql>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, parameters?: postgres.ParameterOrJSON<never>[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(query, parameters, { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const work = args.pop() as (tx: postgres.TransactionSql) => unknown;
          const open = Reflect.get(target, property, receiver) as (...a: unknown[]) => unknown;
          return open.apply(target, [...args, (tx: postgres.TransactionSql) => work(preparedStatements(tx))]);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * `url` with libpq's `host` query parameter set to `socketDir`, a Unix-socket directory
 * (`postgres://user:pw@localhost:5432/db?host=/tmp`; PostgreSQL docs, "Connection URIs"): the
 * server is then reached through `<socketDir>/.s.PGSQL.<port>` instead of TCP.
 */
export function throughSocket(url: string, socketDir: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('host', socketDir);
  return parsed.toString();
}

/**
 * postgres.js on `url`, honouring a Unix-socket directory in its `host` query parameter
 * (`throughSocket`), which postgres.js alone would send to the server as a setting. For a local
 * server the socket is the cheaper path: here a query's round trip took about a third less time
 * and client CPU than over loopback TCP (docs/benchmarks.md).
 */
export function postgresClient(
  url: string,
  options: postgres.Options<Record<string, postgres.PostgresType>> = {},
): postgres.Sql {
  const parsed = new URL(url);
  const socketDir = parsed.searchParams.get('host');
  if (!socketDir?.startsWith('/')) return postgres(url, options);
  parsed.searchParams.delete('host');
  return postgres(parsed.toString(), { ...options, path: `${socketDir}/.s.PGSQL.${parsed.port || '5432'}` });
}

/**
 * Opens a pool on `url` (the app role's connection string; a Unix socket when it says so, see
 * `postgresClient`). Connections open lazily.
 * @param options.max pool size; `applicationName` shows in `pg_stat_activity`.
 */
export function connectDatabase(url: string, options: { max?: number; applicationName?: string } = {}): Database {
  let statements = 0;
  // No postgres.js `debug` hook: it captures a stack trace per query and exposes parameters on errors.
  const sql = postgresClient(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'firmgraph' },
  });
  const db = drizzle(preparedStatements(sql), {
    schema,
    logger: {
      logQuery: () => {
        statements += 1;
      },
    },
  });
  return {
    db,
    sql,
    withTenant: async (scope, work) => {
      let committed: (() => void)[] = [];
      const result = await db.transaction(async (tx) => {
        await tx.execute(
          drizzleSql`select set_config('app.firm_id', ${scope.firmId ?? ''}, true), set_config('app.user_id', ${scope.userId ?? ''}, true)`,
        );
        const value = await work(tx);
        committed = afterCommit.get(tx) ?? [];
        return value;
      });
      for (const callback of committed) callback();
      return result;
    },
    statementCount: () => statements,
    close: () => sql.end({ timeout: 5 }),
  };
}
