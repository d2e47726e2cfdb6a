/**
 * One benchmarked server per process, started by bench-stack.ts as
 * `node --import tsx scripts/bench/bench-service.ts <role>` with an IPC channel:
 *
 *   gateway             our gateway (gateway/server.ts), as `npm run start:gateway` runs it
 *   stack               the gateway and four subgraphs in this one process, the gateway executing
 *                       them in process: what `npm start` runs (scripts/stack.ts)
 *   tenancy|crm|...     one subgraph (platform/subgraph-server.ts), as `npm run start:subgraph`
 *   bare:<subgraph>     the same subgraph built WITHOUT graphql-shield, for the `walls` scenario;
 *                       bench-stack.ts connects it as a superuser, which bypasses row-level security
 *   hive                `@graphql-hive/gateway` (JIT on, in-flight deduplication off) over the
 *                       same supergraph, forwarding the client's `x-firmgraph-context` header
 *
 * Configuration is the product's (`loadConfig`: ports, secrets, DATABASE_<SERVICE>_URL, LOG_LEVEL) plus
 * BENCH_PORT (where this role listens) and, for `hive`, BENCH_SUPERGRAPH (a supergraph file).
 * The bare variant is served only here: no production code path or configuration serves a subgraph without its
 * walls. The process sends `{ type: 'ready', url }` once listening, answers `{ type: 'stats' }`
 * with the SQL statements it has sent so far, and stops gracefully on SIGTERM.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { connectDatabase, type Database } from '../../db/client.ts';
import { SERVICES, type Service } from '../../db/roles.ts';
import { loadConfig, serviceUrlVariable } from '../../platform/config.ts';
import type { RunningServer } from '../../platform/http.ts';
import { createLogger } from '../../platform/logger.ts';
import { CONTEXT_HEADER } from '../../platform/signed-context.ts';
import { buildUnshieldedSchema, serveSubgraph, startSubgraph } from '../../platform/subgraph-server.ts';
import { isSubgraphName } from '../../platform/subgraph-names.ts';

/** Messages a service sends to bench-stack.ts over IPC. */
export type ServiceMessage =
  | { type: 'ready'; url: string }
  | { type: 'stats'; statements: number }
  | { type: 'profile-started' }
  | { type: 'profile-written'; path: string };

/** Requests bench-stack.ts sends: statement count, and starting or stopping a V8 CPU profile. */
export type ServiceRequest = { type: 'stats' } | { type: 'profile-start' } | { type: 'profile-stop'; path: string };

const role = process.argv[2] ?? '';
const config = loadConfig();
const port = Number(process.env.BENCH_PORT);
const log = createLogger(config.logLevel, `bench-${role}`);

/** `service`'s pool, as its own role (`DATABASE_<SERVICE>_URL`; a bare subgraph's is the superuser). */
function serviceDatabase(service: Service): Database {
  const url = config.databaseUrls[service];
  if (!url) throw new Error(`${serviceUrlVariable(service)} is required`);
  return connectDatabase(url, { max: config.databasePoolMax, applicationName: `bench-${role}-${service}` });
}

/** `@graphql-hive/gateway`'s runtime on a plain Node HTTP server, as its CLI serves it (one worker). */
async function startHive(): Promise<RunningServer> {
  const supergraphPath = process.env.BENCH_SUPERGRAPH;
  if (!supergraphPath) throw new Error('BENCH_SUPERGRAPH is required for the hive role');
  const { createGatewayRuntime } = await import('@graphql-hive/gateway-runtime');
  const { useJIT } = await import('@graphql-mesh/plugin-jit');
  const runtime = createGatewayRuntime({
    supergraph: readFileSync(supergraphPath, 'utf8'),
    logging: false,
    graphiql: false,
    landingPage: false,
    plugins: () => [useJIT()],
    // Its HTTP executor merges identical in-flight subgraph queries by default. Every load request
    // here is identical (one user, one signed context), so that would answer 32 clients with one
    // subgraph fetch; real clients differ. Our gateway never merges, so neither does this one.
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ [CONTEXT_HEADER]: request.headers.get(CONTEXT_HEADER) }),
    },
  });
  const server = createServer(runtime);
  server.listen(port, config.host);
  await once(server, 'listening');
  return {
    url: `http://${config.host}:${port}`,
    port,
    stop: async () => {
      await new Promise<void>((done) => server.close(() => done()));
      await runtime.dispose();
    },
  };
}

// Each role imports only what its process needs (as `npm run start:gateway` / `start:subgraph`
// do), so the reported RSS is the service's own, not the benchmark's.
async function start(): Promise<{ server: RunningServer; databases: Database[] }> {
  if (role === 'hive') return { server: await startHive(), databases: [] };
  const bare = role.startsWith('bare:');
  const name = bare ? role.slice('bare:'.length) : role;
  if (role !== 'gateway' && role !== 'stack' && !isSubgraphName(name)) throw new Error(`unknown role ${role}`);
  if (role === 'stack') {
    const { startStack } = await import('../stack.ts');
    const databases = Object.fromEntries(SERVICES.map((service) => [service, serviceDatabase(service)])) as Record<
      Service,
      Database
    >;
    const stack = await startStack({ config, databases, log });
    return { server: { ...stack.gateway, stop: stack.stop }, databases: Object.values(databases) };
  }
  if (role === 'gateway') {
    const { startGateway } = await import('../../gateway/server.ts');
    const database = serviceDatabase('gateway');
    return { server: await startGateway({ config, database, log, port }), databases: [database] };
  }
  const database = serviceDatabase(name as Service);
  const { SUBGRAPHS } = await import('../stack.ts');
  const definition = SUBGRAPHS[name as keyof typeof SUBGRAPHS];
  // The "without" side: the same serving, over the schema without graphql-shield.
  const deps = { config, database, log, port };
  const server = bare
    ? await serveSubgraph(definition, await buildUnshieldedSchema(definition), deps)
    : await startSubgraph(definition, deps);
  return { server, databases: [database] };
}

const { server, databases } = await start();
const send = (message: ServiceMessage) => process.send?.(message);
// The V8 sampling profiler (what `node --cpu-prof` uses), started and stopped around a load run
// only, so start-up and module loading stay out of the profile.
let profiler: Session | null = null;
process.on('message', (message: ServiceRequest) => {
  if (message.type === 'stats')
    send({ type: 'stats', statements: databases.reduce((sum, database) => sum + database.statementCount(), 0) });
  if (message.type === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    void profiler
      .post('Profiler.enable')
      .then(() => profiler!.post('Profiler.start'))
      .then(() => send({ type: 'profile-started' }));
  }
  if (message.type === 'profile-stop' && profiler) {
    const session = profiler;
    profiler = null;
    void session.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(message.path, JSON.stringify(profile));
      session.disconnect();
      send({ type: 'profile-written', path: message.path });
    });
  }
});
process.once('SIGTERM', () => {
  const timer = setTimeout(() => process.exit(1), 10_000).unref();
  void server
    .stop()
    .then(() => Promise.all(databases.map((database) => database.close())))
    .finally(() => {
      clearTimeout(timer);
      process.exit(0);
    });
});
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
send({ type: 'ready', url: `${server.url}/graphql` });
