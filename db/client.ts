import { sql as drizzleSql } from 'drizzle-orm';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

/** Every drizzle table of the four subgraph schemas. */
export type Schema = typeof schema;
/** drizzle over postgres.js with FirmGraph's schema. */
export type Db = PostgresJsDatabase<Schema>;
/** A drizzle transaction with `app.firm_id` (and `app.user_id`) already set. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Who a unit of work acts for. `firmId: null` sees no tenant rows at all (RLS). */
export interface TenantScope {
  firmId: string | null;
  /** The signed-in user, for the policies that let a user see their own memberships across firms. */
  userId?: string | null;
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
   * tenant (design brief §3, wall 3). Commits when `work` resolves, rolls back when it throws.
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
 * Opens a pool on `url` (the app role's connection string). Connections open lazily.
 * @param options.max pool size; `applicationName` shows in `pg_stat_activity`.
 */
export function connectDatabase(url: string, options: { max?: number; applicationName?: string } = {}): Database {
  let statements = 0;
  // No postgres.js `debug` hook: it captures a stack trace per query and exposes parameters on errors.
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'firmgraph' },
  });
  const db = drizzle(sql, {
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
    withTenant: (scope, work) =>
      db.transaction(async (tx) => {
        await tx.execute(
          drizzleSql`select set_config('app.firm_id', ${scope.firmId ?? ''}, true), set_config('app.user_id', ${scope.userId ?? ''}, true)`,
        );
        return work(tx);
      }),
    statementCount: () => statements,
    close: () => sql.end({ timeout: 5 }),
  };
}
