import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { postgresClient, throughSocket } from '../../db/client.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../db/embedded.ts';
import { migrateDatabase } from '../../db/migrate.ts';
import { SERVICES, serviceDatabaseUrls, type Service } from '../../db/roles.ts';
import { serviceUrlVariable } from '../../platform/config.ts';
import { introspectionClient } from '../../platform/introspection.ts';
import { SUPERGRAPH_PATH } from '../../platform/schema-files.ts';
import { hmacKey, signContext, type Actor } from '../../platform/signed-context.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../platform/subgraph-names.ts';
import { largeSeedOwnerEmail, LARGE_SEED_PASSWORD } from '../seed-large/plan.ts';
import { seedLargeDataset, type LargeSeedResult } from '../seed-large/seed.ts';
import type { ServiceMessage, ServiceRequest } from './bench-service.ts';
import {
  freePorts,
  makeTempDataDir,
  REPO_ROOT,
  removeTempDir,
  rssKiB,
  spawnUntilReady,
  untrackGroup,
} from './processes.ts';

/** A role bench-service.ts can run (see there). */
export type ServiceRole = 'gateway' | 'hive' | 'stack' | SubgraphName | `bare:${SubgraphName}`;

/** See `ServiceSet.variant`. */
export type ServiceVariant = 'product' | 'bare' | 'all-in-one';

/** One seeded database on the bench's PostgreSQL server. */
export interface BenchDataset {
  scale: number;
  /** Superuser connection (bypasses row-level security). */
  adminUrl: string;
  /** Each service's connection as its own role, as the product uses (through the server's socket). */
  serviceUrls: Record<Service, string>;
  seed: LargeSeedResult;
}

/** A service process and what it serves. */
export interface ServiceProcess {
  role: ServiceRole;
  pid: number;
  /** Its `/graphql` URL. */
  url: string;
  child: ChildProcess;
}

/** The processes of one benchmarked stack. */
export interface ServiceSet {
  dataset: BenchDataset;
  /**
   * What runs: the product's gateway and subgraphs each in its own process (`product`, scale-out),
   * the same with bare subgraphs (`walls`), or `npm start`'s single process (`all-in-one`: the
   * gateway executing the co-located subgraphs in process, role `stack`).
   */
  variant: ServiceVariant;
  processes: ServiceProcess[];
  /** The gateway's (ours) `/graphql`. */
  gatewayUrl: string;
  /** `@graphql-hive/gateway`'s `/graphql`, when started with `hive: true`. */
  hiveUrl: string | null;
  /** Each subgraph's own `/graphql` (for direct calls with a signed context). */
  subgraphUrls: Record<SubgraphName, string>;
}

const SERVICE_SCRIPT = join(REPO_ROOT, 'scripts', 'bench', 'bench-service.ts');

/** `scale` as a database name part: 0.5 → `0_5`. */
function scaleName(scale: number): string {
  return String(scale).replace('.', '_');
}

/**
 * The benchmark environment of one `npm run bench` invocation: a private embedded PostgreSQL in a
 * temp dir, datasets seeded with `seed:large` (one database per scale, made on first use), the
 * service processes of the current stack, and the secrets they share. `close()` stops all of it
 * and removes the temp dir; emergencyCleanup (processes.ts) does the same on a crash or Ctrl-C.
 */
export class BenchEnvironment {
  readonly jwtSecret = randomBytes(32).toString('base64url');
  readonly contextSigningSecret = randomBytes(32).toString('base64url');
  private readonly mfaEncryptionKey = randomBytes(32).toString('base64');
  readonly logLevel = process.env.LOG_LEVEL ?? 'info';
  /** When set (BENCH_CPU_PROF=<dir>), every service writes a V8 CPU profile of each load run there. */
  readonly cpuProfileDir = process.env.BENCH_CPU_PROF ? resolve(REPO_ROOT, process.env.BENCH_CPU_PROF) : null;
  private readonly appPassword = randomBytes(18).toString('base64url');
  private readonly datasets = new Map<number, Promise<BenchDataset>>();
  private current: ServiceSet | null = null;

  private constructor(
    readonly dir: string,
    private readonly postgresServer: EmbeddedServer,
  ) {}

  /** Starts the bench's PostgreSQL (embedded, in a temp dir); datasets and services come later. */
  static async create(): Promise<BenchEnvironment> {
    const dir = await makeTempDataDir('env');
    const [port] = (await freePorts(1)) as [number];
    const server = await startEmbeddedPostgres({
      dataDir: join(dir, 'postgres'),
      port,
      password: randomBytes(18).toString('base64url'),
      database: 'postgres',
      persistent: false,
    });
    mkdirSync(join(dir, 'logs'));
    return new BenchEnvironment(dir, server);
  }

  /** PID of the PostgreSQL postmaster (its backends are its children). */
  postmasterPid(): number {
    return Number(readFileSync(join(this.dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  }

  /** The dataset at `scale`, created, migrated and seeded on first use (`bench_scale_<scale>`). */
  dataset(scale: number): Promise<BenchDataset> {
    let made = this.datasets.get(scale);
    if (!made) {
      made = this.makeDataset(scale);
      this.datasets.set(scale, made);
    }
    return made;
  }

  private async makeDataset(scale: number): Promise<BenchDataset> {
    const name = `bench_scale_${scaleName(scale)}`;
    const admin = postgresClient(this.postgresServer.adminUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create database ${name}`);
    } finally {
      await admin.end();
    }
    const adminUrl = new URL(this.postgresServer.adminUrl);
    adminUrl.pathname = `/${name}`;
    await migrateDatabase(adminUrl.toString(), this.appPassword);
    console.log(`  seeding the large dataset at scale ${scale} into ${name}`);
    const seed = await seedLargeDataset(adminUrl.toString(), { scale });
    const rows = Object.values(seed.rows).reduce((sum, n) => sum + n, 0);
    console.log(`  seeded ${rows.toLocaleString('en')} rows in ${(seed.totalMs / 1000).toFixed(1)} s`);
    return {
      scale,
      adminUrl: adminUrl.toString(),
      serviceUrls: Object.fromEntries(
        Object.entries(serviceDatabaseUrls(adminUrl.toString(), this.appPassword)).map(([service, url]) => [
          service,
          throughSocket(url, this.postgresServer.socketDir),
        ]),
      ) as Record<Service, string>,
      seed,
    };
  }

  /**
   * The running stack on `dataset`: reuses the current one when it matches, otherwise stops it
   * and starts the gateway and four subgraphs (product or bare), each in its own process, plus
   * Hive Gateway when asked; or, for `all-in-one`, `npm start`'s stack in one process. Bare
   * subgraphs connect as the superuser, which bypasses RLS.
   */
  async services(options: { scale: number; variant?: ServiceVariant; hive?: boolean }): Promise<ServiceSet> {
    const dataset = await this.dataset(options.scale);
    const variant = options.variant ?? 'product';
    const hive = options.hive ?? false;
    const current = this.current;
    if (current && current.dataset === dataset && current.variant === variant && (current.hiveUrl !== null || !hive))
      return current;
    if (current) await this.stopServices();
    const ports = await freePorts(6);
    const [gatewayPort, hivePort, ...subgraphPorts] = ports as [number, number, number, number, number, number];
    const subgraphPort = Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [name, subgraphPorts[i]!])) as Record<
      SubgraphName,
      number
    >;
    const subgraphUrls = Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [name, `http://127.0.0.1:${subgraphPort[name]}/graphql`]),
    ) as Record<SubgraphName, string>;
    const env = this.serviceEnv(dataset, subgraphUrls);
    if (variant === 'all-in-one') {
      const stackEnv = {
        ...env,
        PORT: String(gatewayPort),
        ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_PORT`, String(subgraphPort[name])])),
      };
      const stack = await this.spawnService('stack', gatewayPort, stackEnv);
      this.current = { dataset, variant, processes: [stack], gatewayUrl: stack.url, hiveUrl: null, subgraphUrls };
      return this.current;
    }
    const processes = await Promise.all(
      SUBGRAPH_NAMES.map((name) =>
        this.spawnService(variant === 'bare' ? `bare:${name}` : name, subgraphPort[name], {
          ...env,
          ...(variant === 'bare'
            ? { [serviceUrlVariable(name)]: throughSocket(dataset.adminUrl, this.postgresServer.socketDir) }
            : {}),
        }),
      ),
    );
    processes.push(await this.spawnService('gateway', gatewayPort, env));
    let hiveUrl: string | null = null;
    if (hive) {
      const supergraph = join(this.dir, 'supergraph.graphql');
      writeFileSync(supergraph, supergraphWithUrls(readFileSync(SUPERGRAPH_PATH, 'utf8'), subgraphUrls));
      const hiveProcess = await this.spawnService('hive', hivePort, { ...env, BENCH_SUPERGRAPH: supergraph });
      processes.push(hiveProcess);
      hiveUrl = hiveProcess.url;
    }
    this.current = {
      dataset,
      variant,
      processes,
      gatewayUrl: processes.find((p) => p.role === 'gateway')!.url,
      hiveUrl,
      subgraphUrls,
    };
    return this.current;
  }

  private serviceEnv(dataset: BenchDataset, subgraphUrls: Record<SubgraphName, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['DATABASE_URL', 'NODE_ENV', 'HOST', 'BENCH_CPU_PROF', ...SERVICES.map(serviceUrlVariable)])
      delete env[key];
    return {
      ...env,
      // Measured as deployed: production mode (graphql-js and Express skip their development
      // checks; introspection, suggestions and stack traces are off), with its required secrets.
      NODE_ENV: 'production',
      MFA_ENCRYPTION_KEY: this.mfaEncryptionKey,
      DATA_DIR: this.dir,
      ...Object.fromEntries(SERVICES.map((service) => [serviceUrlVariable(service), dataset.serviceUrls[service]])),
      JWT_SECRET: this.jwtSecret,
      CONTEXT_SIGNING_SECRET: this.contextSigningSecret,
      LOG_LEVEL: this.logLevel,
      // The query-cost rate limits (gateway/limits) stay on, with buckets no benchmark can empty:
      // one signed-in user sends thousands of requests a second here, by design.
      ...Object.fromEntries(
        [
          'RATE_LIMIT_BUCKET_SIZE',
          'RATE_LIMIT_RESTORE_RATE',
          'RATE_LIMIT_FIRM_BUCKET_SIZE',
          'RATE_LIMIT_FIRM_RESTORE_RATE',
          'RATE_LIMIT_ANONYMOUS_BUCKET_SIZE',
          'RATE_LIMIT_ANONYMOUS_RESTORE_RATE',
        ].map((key) => [key, '1000000000']),
      ),
      // The subscriptions scenario holds thousands of sockets of one signed-in user, by design.
      WS_MAX_CONNECTIONS_PER_USER: '100000',
      TENANCY_URL: subgraphUrls.tenancy,
      CRM_URL: subgraphUrls.crm,
      BILLING_URL: subgraphUrls.billing,
      DOCUMENTS_URL: subgraphUrls.documents,
    };
  }

  /** Spawns bench-service.ts for `role` in its own process group and waits for its ready message. */
  private async spawnService(role: ServiceRole, port: number, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
    const logFd = openSync(this.logPath(role), 'a');
    try {
      const { child, pid, ready } = await spawnUntilReady<Extract<ServiceMessage, { type: 'ready' }>>(
        role,
        ['--import', 'tsx', SERVICE_SCRIPT, role],
        {
          env: { ...env, BENCH_PORT: String(port) },
          stdio: ['ignore', logFd, logFd],
          output: () => tail(this.logPath(role)),
        },
      );
      return { role, pid, url: ready.url, child };
    } finally {
      closeSync(logFd);
    }
  }

  /** Where a service's stdout and stderr go. */
  logPath(role: ServiceRole): string {
    return join(this.dir, 'logs', `${role.replace(':', '-')}.log`);
  }

  /** Sends `request` to every service and collects each one's reply of type `replyType`. */
  private async ask<T extends ServiceMessage['type']>(
    set: ServiceSet,
    request: ServiceRequest,
    replyType: T,
  ): Promise<[ServiceProcess, Extract<ServiceMessage, { type: T }>][]> {
    return Promise.all(
      set.processes.map(
        (service) =>
          new Promise<[ServiceProcess, Extract<ServiceMessage, { type: T }>]>((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`${service.role} did not answer ${request.type}`)), 30_000);
            const listener = (message: ServiceMessage) => {
              if (message.type !== replyType) return;
              clearTimeout(timer);
              service.child.off('message', listener);
              done([service, message as Extract<ServiceMessage, { type: T }>]);
            };
            service.child.on('message', listener);
            service.child.send(request);
          }),
      ),
    );
  }

  /** SQL statements each service process has sent so far (drizzle's count: set_config and queries). */
  async statements(set: ServiceSet): Promise<Record<string, number>> {
    const replies = await this.ask(set, { type: 'stats' }, 'stats');
    return Object.fromEntries(replies.map(([service, reply]) => [service.role, reply.statements]));
  }

  /** With BENCH_CPU_PROF: starts the CPU profiler in every service. */
  async startProfiles(set: ServiceSet): Promise<void> {
    if (this.cpuProfileDir) await this.ask(set, { type: 'profile-start' }, 'profile-started');
  }

  /** With BENCH_CPU_PROF: stops the profilers and writes `<dir>/<label>-<role>.cpuprofile`. */
  async stopProfiles(set: ServiceSet, label: string): Promise<void> {
    const dir = this.cpuProfileDir;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    await Promise.all(
      set.processes.map((service) =>
        this.ask(
          { ...set, processes: [service] },
          { type: 'profile-stop', path: join(dir, `${label}-${service.role.replace(':', '-')}.cpuprofile`) },
          'profile-written',
        ),
      ),
    );
  }

  /** Resident set size of every service process now, in KiB. */
  rss(set: ServiceSet): Record<string, number> {
    return Object.fromEntries(set.processes.map((service) => [service.role, rssKiB(service.pid)]));
  }

  /** Stops the current services: SIGTERM, then SIGKILL to the group after 15 s. */
  async stopServices(): Promise<void> {
    const set = this.current;
    this.current = null;
    if (!set) return;
    await Promise.all(
      set.processes.map(async (service) => {
        const exited = new Promise<void>((done) => {
          if (service.child.exitCode !== null || service.child.signalCode !== null) done();
          else service.child.once('exit', () => done());
        });
        service.child.kill('SIGTERM');
        const timer = setTimeout(() => {
          try {
            process.kill(-service.pid, 'SIGKILL');
          } catch {
            // gone
          }
        }, 15_000);
        await exited;
        clearTimeout(timer);
        untrackGroup(service.pid);
      }),
    );
  }

  /** Stops services and PostgreSQL, and removes the temp dir. */
  async close(): Promise<void> {
    await this.stopServices();
    await this.postgresServer.stop();
    await removeTempDir(this.dir);
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no output)';
  }
}

/** The supergraph SDL with each `@join__graph` URL replaced by this run's subgraph URL. */
export function supergraphWithUrls(sdl: string, urls: Record<SubgraphName, string>): string {
  return sdl.replace(/@join__graph\(name: "([a-z]+)", url: "[^"]*"\)/g, (whole, name: string) =>
    name in urls ? `@join__graph(name: "${name}", url: "${urls[name as SubgraphName]}")` : whole,
  );
}

/** A signed-in staff member of a seeded firm, as the benchmarks call the API. */
export interface BenchUser {
  email: string;
  accessToken: string;
  /** The actor the gateway resolves for this token (from the session, as in production). */
  actor: Actor;
}

/**
 * Logs in as the owner of the seeded firm of `rank` (1 = largest) through the gateway, and
 * resolves the actor the gateway will sign for that token by asking tenancy's introspection, as the gateway does.
 */
export async function logInOwner(env: BenchEnvironment, set: ServiceSet, rank = 1): Promise<BenchUser> {
  const email = largeSeedOwnerEmail(rank);
  const result = await postGraphQL<{ logIn: { session: { accessToken: string } | null } }>(set.gatewayUrl, {
    query:
      'mutation LogIn($input: LogInInput!) { logIn(input: $input) { session { accessToken } userErrors { code message } } }',
    variables: { input: { email, password: LARGE_SEED_PASSWORD } },
  });
  const accessToken = result.data?.logIn.session?.accessToken;
  if (!accessToken) throw new Error(`log-in as ${email} failed: ${JSON.stringify(result.errors ?? result.data)}`);
  const introspect = introspectionClient(
    new URL('/introspect', set.subgraphUrls.tenancy),
    hmacKey(env.contextSigningSecret),
  );
  const answer = await introspect({
    token: accessToken,
    requestId: 'bench-log-in',
    origin: { ip: null, userAgent: null },
    operation: '',
  });
  if (!answer.active) throw new Error(`tenancy does not know the session of ${email}`);
  return { email, accessToken, actor: answer.actor };
}

/**
 * A gateway-signed context for `actor`, as our gateway sends to subgraphs; it expires after
 * 30 s (CONTEXT_TTL_SECONDS), so sign one right before each load run.
 */
export function signedContextFor(env: BenchEnvironment, actor: Actor): Promise<string> {
  return signContext(
    {
      actor,
      requestId: `bench-${randomBytes(6).toString('hex')}`,
      origin: { ip: '127.0.0.1', userAgent: 'firmgraph-bench' },
    },
    hmacKey(env.contextSigningSecret),
  );
}

/** A GraphQL response. */
export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs one GraphQL request (15 s timeout). @throws on a non-2xx status. */
export async function postGraphQL<T>(
  url: string,
  body: object,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}: ${(await response.text()).slice(0, 500)}`);
  return (await response.json()) as GraphQLResponse<T>;
}
