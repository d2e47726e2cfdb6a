import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { DEMO_OWNER } from '../seed-data.ts';
import type { LoadConfig, LoadResult } from './load-types.ts';
import { cpuSnapshot, foreignCpu, loadAverage, processCpuSeconds } from './machine.ts';
import {
  allocatePorts,
  makeTempDataDir,
  removeTempDir,
  REPO_ROOT,
  rssKiB,
  serverPid,
  startStackProcess,
  stopStackProcess,
  trackGroup,
  untrackGroup,
  type StackProcess,
} from './processes.ts';
import { mebibytes, type Row, type ScenarioReport } from './report.ts';

/** Dashboard target: p95 under 50 ms at 16 concurrent connections. */
export const DASHBOARD_P95_TARGET_MS = 50;
const CONNECTIONS = 16;
const WARMUP_SECONDS = 3;
const DURATION_SECONDS = 20;
const SEQUENTIAL_REQUESTS = 200;
/** PostgreSQL flushes an idle backend's pending statistics within 10 s (PGSTAT_IDLE_INTERVAL). */
const STATS_SETTLE_MS = 11_000;

/** The query this scenario drives: what the dashboard home page asks for. */
export const DASHBOARD_QUERY = /* GraphQL */ `query Dashboard { me { user { name } activeFirm { name clients(first: 20) { totalCount edges { node { name balance { amount currency } invoices(first: 5) { totalCount } documents(first: 5) { totalCount } } } } } } }`;

const LOG_IN = /* GraphQL */ `mutation LogIn($input: LogInInput!) { logIn(input: $input) { session { accessToken } userErrors { code message } } }`;

const round2 = (value: number) => Math.round(value * 100) / 100;
const machineCpus = () => availableParallelism();

interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string }[];
}

interface DashboardData {
  me: { activeFirm: { clients: { totalCount: number; edges: unknown[] } } | null } | null;
}

async function postGraphQL<T>(url: string, body: object, token?: string): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}: ${(await response.text()).slice(0, 500)}`);
  return (await response.json()) as GraphQLResponse<T>;
}

/** Logs in as the demo owner through the gateway. @returns the access token. */
async function logInAsDemoOwner(url: string): Promise<string> {
  const result = await postGraphQL<{ logIn: { session: { accessToken: string } | null; userErrors: { code: string }[] } }>(url, {
    query: LOG_IN,
    variables: { input: { email: DEMO_OWNER.email, password: DEMO_OWNER.password } },
  });
  const token = result.data?.logIn.session?.accessToken;
  if (!token) throw new Error(`demo owner login failed: ${JSON.stringify(result.errors ?? result.data)}`);
  return token;
}

/** Sends the dashboard query once and insists on a clean answer with 20 client edges. */
async function checkDashboard(url: string, token: string): Promise<{ edges: number; totalCount: number }> {
  const result = await postGraphQL<DashboardData>(url, { query: DASHBOARD_QUERY, operationName: 'Dashboard' }, token);
  if (result.errors) throw new Error(`Dashboard answered with errors: ${JSON.stringify(result.errors).slice(0, 1000)}`);
  const clients = result.data?.me?.activeFirm?.clients;
  if (!clients || clients.edges.length !== 20) throw new Error(`Dashboard expected 20 client edges, got ${JSON.stringify(clients).slice(0, 300)}`);
  return { edges: clients.edges.length, totalCount: clients.totalCount };
}

/**
 * Runs the load generator as its own process group and waits for its JSON result. It stops by
 * itself after warm-up plus duration; if it overruns by 30 s it is killed.
 */
async function runLoadGenerator(config: LoadConfig): Promise<{ result: LoadResult; pgid: number }> {
  const script = join(REPO_ROOT, 'scripts', 'bench', 'load-generator.ts');
  const child = spawn(process.execPath, [script, JSON.stringify(config)], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('could not spawn the load generator');
  trackGroup(pgid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const budgetMs = (config.warmupSeconds + config.durationSeconds + 30) * 1000;
  const killer = setTimeout(() => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }, budgetMs);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('close', (exitCode, exitSignal) => done([exitCode, exitSignal]));
    });
    if (code !== 0) throw new Error(`load generator exited with ${signal ?? `code ${code}`}: ${stderr.slice(-2000)}`);
    return { result: JSON.parse(stdout) as LoadResult, pgid };
  } finally {
    clearTimeout(killer);
    untrackGroup(pgid);
  }
}

interface XactCounters {
  commit: number;
  rollback: number;
}

/**
 * Reads `firmgraph`'s committed and rolled-back transaction counters once every backend has
 * flushed its statistics. It waits `STATS_SETTLE_MS` after the app went quiet, then until two
 * reads half a second apart agree. The privileged connection is to the `postgres` database so
 * that its own queries never count against `firmgraph`.
 */
async function settledXactCounters(admin: postgres.Sql): Promise<XactCounters> {
  await sleep(STATS_SETTLE_MS);
  const read = async (): Promise<XactCounters> => {
    const [row] = await admin<{ commit: string; rollback: string }[]>`
      select xact_commit::text as commit, xact_rollback::text as rollback from pg_stat_database where datname = 'firmgraph'`;
    if (!row) throw new Error('no pg_stat_database row for firmgraph');
    return { commit: Number(row.commit), rollback: Number(row.rollback) };
  };
  let previous = await read();
  for (let i = 0; i < 10; i += 1) {
    await sleep(500);
    const current = await read();
    if (current.commit === previous.commit && current.rollback === previous.rollback) return current;
    previous = current;
  }
  throw new Error('pg_stat_database counters for firmgraph did not settle');
}

/** Autovacuum/autoanalyze runs so far in firmgraph: their transactions would inflate the count. */
async function autovacuumRuns(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ runs: string }[]>`select coalesce(sum(autovacuum_count + autoanalyze_count), 0)::text as runs from pg_stat_all_tables`;
    return Number(row?.runs ?? 0);
  } finally {
    await sql.end();
  }
}

/**
 * Transactions per request: `SEQUENTIAL_REQUESTS` dashboard queries one after another, with
 * pg_stat_database's commit counter read (settled) before and after.
 */
async function measureTransactions(stack: StackProcess, token: string): Promise<Record<string, number | boolean>> {
  const secrets = JSON.parse(readFileSync(join(stack.dataDir, 'dev-secrets.json'), 'utf8')) as { postgresPassword: string };
  const base = `postgres://postgres:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${stack.ports.embeddedPostgres}`;
  const admin = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const vacuumBefore = await autovacuumRuns(`${base}/firmgraph`);
    const before = await settledXactCounters(admin);
    const started = performance.now();
    for (let i = 0; i < SEQUENTIAL_REQUESTS; i += 1) {
      const result = await postGraphQL<DashboardData>(stack.graphqlUrl, { query: DASHBOARD_QUERY, operationName: 'Dashboard' }, token);
      if (result.errors) throw new Error(`sequential request ${i} answered with errors: ${JSON.stringify(result.errors).slice(0, 500)}`);
    }
    const sequentialMs = performance.now() - started;
    const after = await settledXactCounters(admin);
    const vacuumAfter = await autovacuumRuns(`${base}/firmgraph`);
    const committed = after.commit - before.commit;
    return {
      requests: SEQUENTIAL_REQUESTS,
      committed,
      rolledBack: after.rollback - before.rollback,
      perRequest: Math.round((committed / SEQUENTIAL_REQUESTS) * 100) / 100,
      sequentialMeanMs: Math.round((sequentialMs / SEQUENTIAL_REQUESTS) * 100) / 100,
      autovacuumDuringCount: vacuumAfter - vacuumBefore,
      disturbedByAutovacuum: vacuumAfter !== vacuumBefore,
    };
  } finally {
    await admin.end();
  }
}

/**
 * The `dashboard` scenario: starts the stack (`tsx scripts/start.ts`, fresh temp DATA_DIR, free
 * ports), logs in as the demo owner, checks one Dashboard answer, then has autocannon (a separate
 * process) drive the query through the gateway at 16 connections: 3 s warm-up, 20 s measured.
 * Records throughput, exact latency percentiles, failures, the server process's RSS before and
 * after, and transactions per request from pg_stat_database. Stops everything and removes the
 * temp dir, also on failure.
 */
export async function runDashboardBench(): Promise<ScenarioReport> {
  const date = new Date();
  const dataDir = await makeTempDataDir('dashboard');
  let stack: StackProcess | null = null;
  try {
    const ports = await allocatePorts();
    stack = await startStackProcess({ dataDir, ports, timeoutMs: 90_000, logFile: join(dataDir, 'server.log') });
    console.log(`  stack ready in ${(stack.readyMs / 1000).toFixed(2)} s on ${stack.graphqlUrl}`);
    const token = await logInAsDemoOwner(stack.graphqlUrl);
    const check = await checkDashboard(stack.graphqlUrl, token);
    const pid = serverPid(stack.pid);
    const rssBefore = rssKiB(pid);
    const loadAverageBefore = loadAverage();
    console.log(`  running autocannon: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${DURATION_SECONDS} s`);
    const cpuBefore = cpuSnapshot([stack.pid]);
    const nodeCpuBefore = processCpuSeconds(pid);
    const treeCpuBefore = processCpuSeconds(pid, true);
    const { result: load } = await runLoadGenerator({
      url: stack.graphqlUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: DASHBOARD_QUERY, operationName: 'Dashboard' }),
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      durationSeconds: DURATION_SECONDS,
      errorMarker: '"errors"',
    });
    const cpu = foreignCpu(cpuBefore, cpuSnapshot([stack.pid]));
    const nodeCpu = processCpuSeconds(pid) - nodeCpuBefore;
    const serverCpu = {
      /** The one node process running the gateway and all four subgraphs (one event loop). */
      nodeCpuSeconds: round2(nodeCpu),
      nodeShareOfOneCore: round2(nodeCpu / cpu.wallSeconds),
      /** Embedded PostgreSQL: the postmaster and its backends. */
      postgresCpuSeconds: round2(processCpuSeconds(pid, true) - treeCpuBefore - nodeCpu),
      loadGeneratorCpuSeconds: load.cpuSeconds,
    };
    const rssAfter = rssKiB(pid);
    console.log(`  measuring transactions per request over ${SEQUENTIAL_REQUESTS} sequential requests (waits for PostgreSQL statistics to settle)`);
    const transactions = await measureTransactions(stack, token);
    const logLevel = process.env.LOG_LEVEL ?? 'info';

    const m = load.measured;
    const met = m.latencyMs.p95 < DASHBOARD_P95_TARGET_MS;
    const failures = m.non2xx + m.errors + m.graphqlErrors;
    const rows: Row[] = [
      { label: 'Requests/s (responses ÷ duration)', value: m.requestsPerSecond.toFixed(1) },
      { label: 'Responses in 20 s', value: String(m.responses) },
      { label: 'Latency p50', value: `${m.latencyMs.p50.toFixed(1)} ms` },
      { label: 'Latency p95', value: `${m.latencyMs.p95.toFixed(1)} ms`, target: '< 50 ms', met },
      { label: 'Latency p99', value: `${m.latencyMs.p99.toFixed(1)} ms` },
      { label: 'Non-2xx responses', value: String(m.non2xx) },
      { label: 'Errors (connection) / timeouts', value: `${m.errors} / ${m.timeouts}` },
      { label: '2xx answers with GraphQL `errors`', value: String(m.graphqlErrors) },
      { label: 'Server RSS before → after load', value: `${mebibytes(rssBefore)} → ${mebibytes(rssAfter)}` },
      { label: 'PostgreSQL transactions per request', value: String(transactions.perRequest) },
      { label: 'Sequential request, mean (no concurrency)', value: `${Number(transactions.sequentialMeanMs).toFixed(1)} ms` },
      { label: 'Server node process CPU during load (of one core)', value: `${Math.round(serverCpu.nodeShareOfOneCore * 100)} %` },
      { label: 'CPU taken by other processes during load', value: `${Math.round(cpu.otherShare * 100)} %` },
    ];
    const notes = [
      `Stack: \`tsx scripts/start.ts\` on a fresh temp \`DATA_DIR\` (embedded PostgreSQL, demo seed), \`LOG_LEVEL=${logLevel}\`; everything in one Node process (server RSS is that process: PID of the node child of the tsx launcher).`,
      `Load: autocannon in its own process, ${CONNECTIONS} connections, no pipelining, POST of the query below with the demo owner's access token; ${WARMUP_SECONDS} s warm-up (not counted), then ${DURATION_SECONDS} s measured. Latency percentiles are exact (nearest rank over every 2xx response, fractional ms); autocannon's own integer-ms figures are in the JSON.`,
      `Before loading, one response was checked: no \`errors\`, ${check.edges} client edges (of ${check.totalCount}). ${failures === 0 ? 'Every response under load was a 2xx without `errors`.' : `**${failures} failed responses under load** (see the table).`}`,
      `Transactions per request: ${SEQUENTIAL_REQUESTS} sequential Dashboard requests; \`xact_commit\` of \`pg_stat_database\` for \`firmgraph\` read before and after (${transactions.committed} commits, ${transactions.rolledBack} rollbacks), each read after waiting for PostgreSQL to flush backend statistics (up to 10 s idle), through a superuser connection to the \`postgres\` database so the reads do not count. These are transactions, not statements: each is BEGIN, \`set_config\` of the tenant, the query or queries of one unit of work, COMMIT. ${transactions.disturbedByAutovacuum ? `**Autovacuum ran ${transactions.autovacuumDuringCount} time(s) in the window, so the count may be slightly high.**` : 'No autovacuum ran in the window.'}`,
      `CPU during the load run (${cpu.wallSeconds} s incl. warm-up, ${round2(cpu.wallSeconds * machineCpus())} CPU-s available): server node process ${serverCpu.nodeCpuSeconds} CPU-s (${Math.round(serverCpu.nodeShareOfOneCore * 100)} % of one core: the gateway and the four subgraphs share one event loop, so near 100 % means throughput is bound by it), PostgreSQL ${serverCpu.postgresCpuSeconds}, autocannon ${serverCpu.loadGeneratorCpuSeconds}, other processes on the machine ${cpu.otherCpuSeconds} (load average before: ${loadAverageBefore.join(' / ')}). Above ~10 % for other processes, the figures were disturbed.`,
      `Query: \`${DASHBOARD_QUERY}\``,
    ];
    return {
      scenario: 'dashboard',
      title: '`dashboard`: the Dashboard query under load',
      date,
      rows,
      notes,
      json: {
        targets: { p95Ms: DASHBOARD_P95_TARGET_MS, connections: CONNECTIONS },
        p95TargetMet: met,
        query: DASHBOARD_QUERY,
        logLevel,
        stackReadyMs: Math.round(stack.readyMs),
        check,
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_SECONDS,
        durationSeconds: DURATION_SECONDS,
        load,
        serverPid: pid,
        rssKiB: { before: rssBefore, after: rssAfter },
        transactions,
        cpu,
        serverCpu,
        loadAverageBefore,
      },
    };
  } finally {
    if (stack) {
      const stopped = await stopStackProcess(stack);
      if (stopped.forced || stopped.leftoverPostgres.length > 0) {
        console.error(`  warning: the dashboard stack needed a forced kill (leftover PostgreSQL PIDs: ${stopped.leftoverPostgres.join(', ') || 'none'})`);
      }
    }
    await removeTempDir(dataDir);
  }
}
