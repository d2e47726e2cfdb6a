/**
 * The `engine-ceiling` scenario (docs/benchmarks.md): the Dashboard through a bare `@apollo/gateway`
 * over subgraphs that answer fixed data, i.e. the required engine alone, with nothing of ours.
 * See `engineCeilingScenario`.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SUPERGRAPH_PATH } from '../../platform/schema-files.ts';
import { supergraphWithUrls, type BenchEnvironment, type ServiceSet } from './bench-stack.ts';
import type { CeilingFetcher, GatewayReady } from './ceiling/gateway-process.ts';
import { expectedDashboardData } from './ceiling/dashboard-fixture.ts';
import type { SubgraphsReady } from './ceiling/subgraphs-process.ts';
import {
  DURATION_SECONDS,
  load,
  sequential,
  SEQUENTIAL_REQUESTS,
  WARMUP_SECONDS,
  type LoadFigures,
  type SequentialFigures,
  type Target,
} from './measure.ts';
import * as ops from './operations.ts';
import {
  killGroup,
  makeTempDataDir,
  REPO_ROOT,
  removeTempDir,
  rssKiB,
  spawnUntilReady,
  untrackGroup,
} from './processes.ts';
import { fixed, loadRows, ms, type Row, type ScenarioReport } from './report.ts';

/** The Dashboard targets (docs/benchmarks.md): p95 under 50 ms at 16 and at 32 concurrent clients. */
const DASHBOARD_P95_MS = 50;
/** The concurrencies the two issues name. */
const CONCURRENCIES = [16, 32] as const;
/** The two gateway variants, in the order they run. */
const FETCHERS: { fetcher: CeilingFetcher; label: string }[] = [
  { fetcher: 'default', label: 'default fetcher' },
  { fetcher: 'product', label: 'our fetcher' },
];

/** A process of the ceiling stack (its group is tracked for emergency cleanup) and what it said when ready. */
interface CeilingProcess<TReady> {
  /** Labels its CPU and RSS figures. */
  role: string;
  pid: number;
  child: ChildProcess;
  ready: TReady;
}

/**
 * Spawns `node ceiling/<script> ...args` with NODE_ENV=production (`spawnUntilReady`). Node strips
 * the TypeScript itself: tsx's loader (with its source maps, which every `new Error().stack` pays
 * for) cost about a fifth of the gateway's throughput here. With BENCH_CPU_PROF=<dir>, Node writes
 * a CPU profile of the process's whole life to `<dir>/engine-ceiling-<name>.cpuprofile` when it stops.
 * @throws when it exits before it is ready, or is not ready after 60 s.
 */
async function spawnCeilingProcess<TReady extends { type: 'ready' }>(
  role: string,
  name: string,
  script: string,
  args: string[],
): Promise<CeilingProcess<TReady>> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${resolve(REPO_ROOT, profileDir)}`,
        `--cpu-prof-name=engine-ceiling-${name}.cpuprofile`,
      ]
    : [];
  const { child, pid, ready } = await spawnUntilReady<TReady>(
    script,
    [...profile, join(REPO_ROOT, 'scripts', 'bench', 'ceiling', script), ...args],
    {
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return { role, pid, child, ready };
}

/**
 * Disconnects the IPC channel, on which the process exits by itself (writing its CPU profile, if
 * any); SIGKILLs its process group if it is still there after 10 s.
 */
async function stopCeilingProcess({ child, pid }: CeilingProcess<unknown>): Promise<void> {
  const exited = new Promise<void>((done) =>
    child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done()),
  );
  if (child.connected) child.disconnect();
  const timer = setTimeout(() => void killGroup(pid), 10_000);
  await exited;
  clearTimeout(timer);
  untrackGroup(pid);
}

// measure.ts's load() and sequential() take a BenchEnvironment (a private PostgreSQL with seeded
// datasets) and its ServiceSet, but use only the methods below and each process's role and pid.
// The ceiling has no database, so it hands them this stand-in, as those types by a downcast: no
// SQL statements to count or wait for, no PostgreSQL CPU (a pid no process has, which load()
// counts as zero), no CPU profiles.
type MeasuredEnvironment = Pick<
  BenchEnvironment,
  'statements' | 'rss' | 'postmasterPid' | 'startProfiles' | 'stopProfiles'
>;
interface MeasuredSet {
  processes: { role: string; pid: number }[];
}
const NO_PROCESS = -1;
const measuredEnvironment: MeasuredEnvironment = {
  statements: async () => ({}),
  rss: (set) => Object.fromEntries(set.processes.map((service) => [service.role, rssKiB(service.pid)])),
  postmasterPid: () => NO_PROCESS,
  startProfiles: async () => {},
  stopProfiles: async () => {},
};

/** The Dashboard, whose every answer must equal the fixture's, value for value (so shape and size too). */
function dashboardOperation(): ops.BenchOperation {
  const dashboard = ops.dashboard();
  const expected = JSON.stringify(expectedDashboardData());
  return {
    ...dashboard,
    check: (response) =>
      dashboard.check(response) ??
      (JSON.stringify(response.data) === expected
        ? null
        : `the answer differs from the fixture: ${JSON.stringify(response.data).slice(0, 300)}`),
  };
}

/** Figures of one gateway variant. */
export interface VariantFigures {
  fetcher: CeilingFetcher;
  label: string;
  sequential: SequentialFigures;
  loads: LoadFigures[];
}

/** CPU milliseconds each process spent per answered request, over warm-up and measurement. */
function cpuPerRequest(figures: LoadFigures): string {
  const responses = figures.warmup.responses + figures.measured.responses;
  return ['gateway', 'subgraphs']
    .map((who) => `${who} ${fixed(((figures.cpuSeconds[who] ?? 0) * 1000) / responses, 2)} ms`)
    .join(', ');
}

function variantRows(figures: VariantFigures): Row[] {
  return [
    { label: `${figures.label}: c=1 mean latency`, value: ms(figures.sequential.meanMs) },
    ...figures.loads.flatMap((run) => {
      const prefix = `${figures.label}, c=${run.connections}`;
      return [
        ...loadRows(prefix, run, { p95: DASHBOARD_P95_MS }),
        { label: `${prefix}: CPU per request`, value: cpuPerRequest(run) },
      ];
    }),
  ];
}

/**
 * `engine-ceiling`: the best Dashboard latency the REQUIRED engine gives on this machine, whatever
 * our code does. It is the ceiling for the Dashboard targets (p95 < 50 ms at 16 and at 32
 * concurrent clients): if the bare engine fails a target here, no work on our side can meet it.
 *
 * Includes:
 * - our exact supergraph (`schema/supergraph.graphql`, subgraph URLs of this run) and Dashboard
 *   operation (`operations.ts`), hence our query plan: tenancy, then crm, then billing and
 *   documents in parallel, 4 subgraph fetches a request;
 * - `@apollo/gateway` with default settings, served by `@apollo/server`'s `startStandaloneServer`
 *   in its own Node process (`ceiling/gateway-process.ts`), run twice on the same subgraphs: with
 *   its default fetcher (`make-fetch-happen`), then with the fetcher our product uses
 *   (`deadlineFetch`: Node's fetch, undici keep-alive);
 * - the four subgraphs as `@apollo/server` (default settings) + `buildSubgraphSchema` over our
 *   real SDL, in ONE Node process (`ceiling/subgraphs-process.ts`), answering fixed data of the
 *   real answer's shape and size (`ceiling/dashboard-fixture.ts`); one process for the four left
 *   more CPU to the gateway than four processes did, so it is the higher ceiling;
 * - HTTP over loopback everywhere, and autocannon in its own process, as in every scenario;
 * - both processes run with NODE_ENV=production and on Node's own TypeScript stripping (no tsx).
 *
 * Excludes everything that is ours: authentication and sessions, context signing, rate and query
 * limits, graphql-shield, permission checks, DataLoaders, PostgreSQL and row-level security,
 * logging, custom scalars.
 *
 * Takes about 4 × (BENCH_WARMUP + BENCH_SECONDS) + 8 s: about a minute at the defaults.
 * @returns for each fetcher: the c=1 mean (sequential requests), then at c=16 and c=32 requests/s,
 *   p50/p95/p99, the p95 target (PASS/FAIL), errors, CPU shares and CPU per request.
 * @throws when a process does not start, or a sequential answer is not the fixture's, value for value.
 *   (Under load, autocannon counts any answer holding `errors` as a failure, which fails the target.)
 */
export async function engineCeilingScenario(): Promise<ScenarioReport> {
  const date = new Date();
  const dir = await makeTempDataDir('ceiling');
  const running = new Set<CeilingProcess<unknown>>();
  const start = async <TReady extends { type: 'ready' }>(
    role: string,
    name: string,
    script: string,
    args: string[],
  ) => {
    const started = await spawnCeilingProcess<TReady>(role, name, script, args);
    running.add(started);
    return started;
  };
  const stop = async (stopped: CeilingProcess<unknown>) => {
    running.delete(stopped);
    await stopCeilingProcess(stopped);
  };
  try {
    const subgraphs = await start<SubgraphsReady>('subgraphs', 'subgraphs', 'subgraphs-process.ts', []);
    const supergraph = join(dir, 'supergraph.graphql');
    writeFileSync(supergraph, supergraphWithUrls(readFileSync(SUPERGRAPH_PATH, 'utf8'), subgraphs.ready.urls));
    const operation = dashboardOperation();
    const env = measuredEnvironment as BenchEnvironment;
    const variants: VariantFigures[] = [];
    for (const { fetcher, label } of FETCHERS) {
      const gateway = await start<GatewayReady>('gateway', `gateway-${fetcher}`, 'gateway-process.ts', [
        supergraph,
        fetcher,
      ]);
      const measured: MeasuredSet = { processes: [gateway, subgraphs] };
      const set = measured as ServiceSet;
      const target: Target = { name: `apollo-gateway-${fetcher}`, url: gateway.ready.url, headers: {} };
      const seq = await sequential(env, set, target, [operation]);
      const loads: LoadFigures[] = [];
      for (const connections of CONCURRENCIES) loads.push(await load(env, set, target, [operation], connections));
      variants.push({ fetcher, label, sequential: seq, loads });
      await stop(gateway);
    }
    return {
      scenario: 'engine-ceiling',
      title: '`engine-ceiling`: the Dashboard through a bare `@apollo/gateway` over subgraphs that do no work',
      date,
      rows: variants.flatMap(variantRows),
      notes: [
        'The ceiling: what the required engine alone does on this machine with our supergraph and our Dashboard operation (4 subgraph fetches a request). Nothing of ours runs: no authentication, context signing, limits, graphql-shield, DataLoaders, PostgreSQL or logging. If a target fails here, no change to our code can meet it on this machine with this engine.',
        'Gateway: `new ApolloGateway({ supergraphSdl })` with every other setting at its default, served by `@apollo/server` `startStandaloneServer`, one Node process. "Our fetcher" gives it `buildService: ({ url }) => new RemoteGraphQLDataSource({ url, fetcher: deadlineFetch })`, the fetch our product uses; the default is `make-fetch-happen`. Gateway and subgraphs run with NODE_ENV=production on Node\'s own TypeScript stripping, without tsx.',
        `Subgraphs: four \`@apollo/server\` (default settings) + \`buildSubgraphSchema\` over \`schema/<name>.graphql\`, in one Node process, answering fixed data computed at start-up: the 20 clients, balances, currencies and counts the product returned for the owner of the largest \`seed:large\` firm (\`scripts/bench/ceiling/dashboard-fixture.ts\`). Each sequential answer is compared with it value for value (its \`data\` is ${Buffer.byteLength(JSON.stringify(expectedDashboardData()))} bytes, as the product's); under load, an answer with \`errors\` counts as a failure.`,
        "A Node gateway runs on one core: its requests/s cannot pass 1000 ÷ its CPU milliseconds per request, and with c clients always waiting on it the mean latency is about c ÷ requests/s (Little's law), so at least about c × that figure.",
        `Load: autocannon in its own process over loopback, no pipelining, ${WARMUP_SECONDS} s warm-up (not counted) then ${DURATION_SECONDS} s measured; latency percentiles are exact over every 2xx response. c=1 is the mean of ${SEQUENTIAL_REQUESTS} sequential requests from the bench process. CPU shares are CPU-seconds over wall time (100% = one core); "other" is every process not started by the benchmark.`,
      ],
      json: { warmupSeconds: WARMUP_SECONDS, durationSeconds: DURATION_SECONDS, query: ops.DASHBOARD_QUERY, variants },
    };
  } finally {
    await Promise.all([...running].map(stop));
    await removeTempDir(dir);
  }
}

/**
 * The ceiling's requests/s at c=32 with the product's fetcher, from an `engine-ceiling` report of
 * the same run; null when the run did not measure it. Scenarios judge their throughput against it.
 */
export function ceilingRequestsPerSecondAt32(report: ScenarioReport | undefined): number | null {
  const variants = report?.json.variants as VariantFigures[] | undefined;
  const product = variants?.find((variant) => variant.fetcher === 'product');
  const at32 = product?.loads[CONCURRENCIES.indexOf(32)];
  return at32 ? at32.measured.requestsPerSecond : null;
}
