/**
 * `npm run bench -- <scenario...>`: runs benchmark scenarios, prints a table for each, writes
 * docs/bench-results/<scenario>-<timestamp>.json and rewrites that scenario's section of
 * docs/benchmarks.md.
 *
 *   start             time until `npm start` is ready: cold (empty data dir) and 3 warm runs
 *   engine-ceiling    the Dashboard through a bare @apollo/gateway over subgraphs answering from memory:
 *                     what the required engine alone can do here (no database needed)
 *   dashboard         the staff Dashboard at 16, 32 and 100 concurrent; npm start's process at 16 and 32
 *   client-detail     one client across all four subgraphs, at 100 concurrent
 *   client-list       a 100-row client list with search; SQL statements at 10 vs 100 rows
 *   portal-home       a portal user's home page (accounts, invoices, documents, threads), at 100 concurrent
 *   gateway-overhead  one crm query straight to the subgraph, through our gateway and Hive Gateway (c=1)
 *   engine            the Dashboard through our gateway and through @graphql-hive/gateway (c=32)
 *   walls             graphql-shield and RLS on against off (Dashboard, 100-row list)
 *   scaling           Dashboard and client list at dataset scale 0.1, 0.5 and 1
 *   login             staff log-in at 1, 16 and 100 concurrent, against argon2id verifications per second
 *   write-mix         createClient and updateClient at 100 concurrent (the last on the scale-1 dataset: it adds rows)
 *   subscriptions     graphql-ws: 10,000 sockets and the gateway's RSS, delivery latency (1 and 1,000
 *                     subscribers), messages per second (needs `ulimit -n 65536`; scale-0.1 dataset)
 *   revocation        revocation to refusal across two gateway replicas, p50 and p99 over 100, with each bus
 *   fan-out           one event to 1, 100 and 1,000 subscribers through the subscription server: hand-written
 *                     `next` frames against graphql-ws's own `next` (no database needed)
 *   time-entry        createTimeEntry and submitTimeEntries at 16 concurrent, against createClient in the same run
 *   approval-queue    the approval queue page (names from three subgraphs): SQL statements at 10 vs 50 rows
 *   wip-report        the largest firm's WIP report (20 rows and totals) at scale 0.1 and 1: statements and mean latency
 *   utilization-report the largest firm's utilization over 30 days at scale 0.1 and 1: statements and mean latency
 *   invoice-issue     drafting and issuing invoices of 20 time lines at 8 concurrent; SQL statements per issue at 5 vs 50 lines
 *   ar-aging          the largest firm's AR aging (20 rows and totals) at scale 0.1 and 1: statements and mean latency
 *   trial-balance     the largest firm's trial balance at scale 0.1 and 1 (`trialBalance(asOf)` of the ledger module)
 *   all               every scenario, in the order above
 *
 * `--no-record` prints the tables without writing JSON or docs/benchmarks.md (trial runs).
 * Every scenario but `start` shares one environment (bench-stack.ts): a private embedded
 * PostgreSQL with the `seed:large` dataset and the services as separate processes. BENCH_SECONDS,
 * BENCH_WARMUP and BENCH_SEQUENTIAL shorten or lengthen the runs; BENCH_CPU_PROF=<dir> makes every
 * service write a CPU profile there (summarise with scripts/bench/profile-summary.ts).
 *
 * Everything it starts runs in process groups it kills on failure, on Ctrl-C and when the
 * watchdog fires; temp data dirs are always removed.
 */
import { BenchEnvironment } from './bench-stack.ts';
import { machineInfo } from './machine.ts';
import { emergencyCleanup, killTrackedSync } from './processes.ts';
import {
  markdownSection,
  printTable,
  updateBenchmarksDoc,
  writeJsonResult,
  type ScenarioName,
  type ScenarioReport,
} from './report.ts';
import * as scenarios from './scenarios.ts';

// The start and engine-ceiling scenarios are loaded on demand and run before the environment
// exists, so their timings never share the machine with the bench's PostgreSQL and services.
// `earlier` holds the reports of this invocation so far: the Dashboard is judged against the engine
// ceiling measured in the same run.
type Scenario = (
  env: () => Promise<BenchEnvironment>,
  earlier: Map<ScenarioName, ScenarioReport>,
) => Promise<ScenarioReport>;
const SCENARIOS: Record<ScenarioName, Scenario> = {
  start: async () => (await import('./start-bench.ts')).runStartBench(),
  'engine-ceiling': async () => (await import('./engine-ceiling.ts')).engineCeilingScenario(),
  revocation: async () => (await import('./revocation-bench.ts')).runRevocationBench(),
  dashboard: async (env, earlier) => {
    const { ceilingRequestsPerSecondAt32 } = await import('./engine-ceiling.ts');
    return scenarios.dashboardScenario(await env(), ceilingRequestsPerSecondAt32(earlier.get('engine-ceiling')));
  },
  'client-detail': async (env) => scenarios.clientDetailScenario(await env()),
  'client-list': async (env) => scenarios.clientListScenario(await env()),
  'portal-home': async (env) => scenarios.portalHomeScenario(await env()),
  'gateway-overhead': async (env) => scenarios.gatewayOverheadScenario(await env()),
  engine: async (env) => scenarios.engineScenario(await env()),
  walls: async (env) => scenarios.wallsScenario(await env()),
  scaling: async (env) => scenarios.scalingScenario(await env()),
  login: async (env) => scenarios.logInScenario(await env()),
  'write-mix': async (env) => scenarios.writeMixScenario(await env()),
  subscriptions: async (env) => scenarios.subscriptionsScenario(await env()),
  'fan-out': async () => (await import('./fan-out-bench.ts')).runFanOutBench(),
  'time-entry': async (env) => (await import('./time-bench.ts')).timeEntryScenario(await env()),
  'approval-queue': async (env) => (await import('./time-bench.ts')).approvalQueueScenario(await env()),
  'wip-report': async (env) => scenarios.wipReportScenario(await env()),
  'utilization-report': async (env) => scenarios.utilizationReportScenario(await env()),
  'invoice-issue': async (env) => (await import('./invoice-bench.ts')).invoiceIssueScenario(await env()),
  'ar-aging': async (env) => scenarios.arAgingScenario(await env()),
  'trial-balance': async (env) => scenarios.trialBalanceScenario(await env()),
};
const ORDER = Object.keys(SCENARIOS) as ScenarioName[];

/** Hard limit of one invocation (`all` is meant to take under 10 minutes). */
const WATCHDOG_MS = 15 * 60_000;

function usage(): never {
  console.error(`usage: npm run bench -- <${[...ORDER, 'all'].join('|')}> [...] [--no-record]`);
  process.exit(2);
}

/** The command as the user typed it, for the report. */
function commandLine(args: string[]): string {
  return process.env.npm_lifecycle_event === 'bench'
    ? `npm run bench -- ${args.join(' ')}`
    : `node --import tsx scripts/bench/run.ts ${args.join(' ')}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const record = !args.includes('--no-record');
  const scenarioArgs = args.filter((arg) => arg !== '--no-record');
  if (scenarioArgs.length === 0) usage();
  const wanted = new Set(
    scenarioArgs.flatMap((arg) => (arg === 'all' ? ORDER : arg in SCENARIOS ? [arg as ScenarioName] : usage())),
  );
  const names = ORDER.filter((name) => wanted.has(name));

  let stopping = false;
  const abort = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${reason}: stopping everything the benchmark started`);
    void emergencyCleanup().finally(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => abort(signal, 130));
  process.on('exit', killTrackedSync);
  setTimeout(() => abort(`benchmark exceeded ${WATCHDOG_MS / 1000} s`, 124), WATCHDOG_MS).unref();

  const machine = machineInfo();
  const command = commandLine(args);
  console.log(
    `Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, Node ${machine.nodeVersion}, ${machine.os}`,
  );
  const started = performance.now();
  // Created by the first scenario that needs it, shared by the rest, closed at the end.
  const shared: { environment: Promise<BenchEnvironment> | null } = { environment: null };
  const env = () => {
    if (!shared.environment) {
      console.log('  starting the bench PostgreSQL');
      shared.environment = BenchEnvironment.create();
    }
    return shared.environment;
  };
  const earlier = new Map<ScenarioName, ScenarioReport>();
  try {
    for (const name of names) {
      console.log(`\n== ${name} ==`);
      const report = await SCENARIOS[name](env, earlier);
      earlier.set(name, report);
      printTable(report);
      if (!record) continue;
      const jsonPath = writeJsonResult(report, machine, command);
      updateBenchmarksDoc(name, markdownSection(report, machine, command, jsonPath));
      console.log(`wrote ${jsonPath} and docs/benchmarks.md`);
    }
  } finally {
    if (shared.environment) await (await shared.environment).close();
  }
  console.log(`\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await emergencyCleanup();
  process.exit(1);
}
