import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchEnvironment, ServiceSet } from './bench-stack.ts';
import { postGraphQL } from './bench-stack.ts';
import type { LoadConfig, LoadPhaseResult, LoadResult } from './load-types.ts';
import { cpuSnapshot, loadAverage, processCpuSeconds } from './machine.ts';
import { nextBody, type BenchOperation } from './operations.ts';
import { REPO_ROOT, trackGroup, untrackGroup } from './processes.ts';

/** Seconds of unmeasured warm-up before each load run (BENCH_WARMUP, default 3). */
export const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 3);
/** Seconds of each measured load run (BENCH_SECONDS, default 10). */
export const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Requests of each sequential (concurrency 1) measurement of latency and SQL statements (BENCH_SEQUENTIAL, default 50). */
export const SEQUENTIAL_REQUESTS = Number(process.env.BENCH_SEQUENTIAL ?? 50);

/** Unmeasured requests before each sequential measurement. */
const SEQUENTIAL_WARMUP_REQUESTS = 10;

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Where requests go, and with which credentials. */
export interface Target {
  /** `gateway`, `hive`, or `direct:<subgraph>`. */
  name: string;
  url: string;
  headers: Record<string, string>;
}

/** One operation sent one request at a time, with the SQL statements it caused. */
export interface SequentialFigures {
  requests: number;
  meanMs: number;
  /** All service processes' SQL statements (drizzle: set_config + queries) ÷ requests. */
  statementsPerRequest: number;
  /** The same per process (only those that sent any). */
  statementsPerRequestByRole: Record<string, number>;
}

/** One load run, with the servers' memory and CPU. */
export interface LoadFigures {
  target: string;
  connections: number;
  measured: LoadPhaseResult;
  warmup: LoadPhaseResult;
  /** Non-2xx + connection errors + timeouts + 2xx answers with `errors`, in the measured phase. */
  failures: number;
  rssKiB: { before: Record<string, number>; after: Record<string, number> };
  /** CPU-seconds during warm-up and measurement: each service, PostgreSQL, the load generator, the rest of the machine. */
  cpuSeconds: Record<string, number>;
  wallSeconds: number;
  loadAverageBefore: [number, number, number];
}

/**
 * Waits until no service has sent a SQL statement for half a second (at most 30 s): when a load
 * run ends, requests still queued in the servers go on running, and must not count against, or
 * compete with, the next measurement. @returns the settled statement counters.
 */
async function quiesce(env: BenchEnvironment, set: ServiceSet): Promise<Record<string, number>> {
  let previous = await env.statements(set);
  for (let i = 0; i < 60; i += 1) {
    await sleep(500);
    const current = await env.statements(set);
    if (Object.entries(current).every(([role, count]) => previous[role] === count)) return current;
    previous = current;
  }
  throw new Error('the services kept sending SQL statements for 30 s after load stopped');
}

/** Load runs so far in this invocation: numbers the CPU profile files. */
let profileRuns = 0;

/** Sends `operation` once to `target` and throws unless its check passes. */
async function checkOnce(target: Target, operation: BenchOperation): Promise<void> {
  const response = await postGraphQL(target.url, nextBody(operation), target.headers);
  const problem = operation.check(response);
  if (problem) throw new Error(`${operation.name} via ${target.name}: ${problem}`);
}

/**
 * Sends `operations` in turn, one request at a time, `requests` times in all (after 10 unmeasured
 * ones), checking every answer; reads each service's statement counter before and after.
 */
export async function sequential(
  env: BenchEnvironment,
  set: ServiceSet,
  target: Target,
  operations: BenchOperation[],
  requests = SEQUENTIAL_REQUESTS,
): Promise<SequentialFigures> {
  const send = async (i: number) => {
    const operation = operations[i % operations.length]!;
    const response = await postGraphQL(target.url, nextBody(operation), target.headers);
    const problem = operation.check(response);
    if (problem) throw new Error(`${operation.name} via ${target.name}, sequential request ${i}: ${problem}`);
  };
  // Unmeasured first requests: freshly started services compile their hot paths on them.
  for (let i = 0; i < SEQUENTIAL_WARMUP_REQUESTS; i += 1) await send(i);
  const before = await quiesce(env, set);
  const started = performance.now();
  for (let i = 0; i < requests; i += 1) await send(i);
  const elapsed = performance.now() - started;
  const after = await env.statements(set);
  const byRole: Record<string, number> = {};
  let total = 0;
  for (const [role, count] of Object.entries(after)) {
    const delta = count - (before[role] ?? 0);
    total += delta;
    if (delta > 0) byRole[role] = round2(delta / requests);
  }
  return {
    requests,
    meanMs: round2(elapsed / requests),
    statementsPerRequest: round2(total / requests),
    statementsPerRequestByRole: byRole,
  };
}

/**
 * Runs the load generator (autocannon, its own process) against `target` at `connections` for
 * WARMUP_SECONDS + DURATION_SECONDS, sending `operations` in turn on each connection, and records
 * RSS before and after and CPU per process. The operations are checked once first.
 */
export async function load(
  env: BenchEnvironment,
  set: ServiceSet,
  target: Target,
  operations: BenchOperation[],
  connections: number,
): Promise<LoadFigures> {
  await quiesce(env, set);
  for (const operation of operations) await checkOnce(target, operation);
  const rssBefore = env.rss(set);
  const loadAverageBefore = loadAverage();
  const postmaster = env.postmasterPid();
  const serviceCpu = () =>
    Object.fromEntries(set.processes.map((service) => [service.role, processCpuSeconds(service.pid)]));
  const cpuBefore = { services: serviceCpu(), postgres: processCpuSeconds(postmaster, true), system: cpuSnapshot([]) };
  console.log(
    `  ${operations.map((o) => o.name).join(' + ')} → ${target.name}, ${connections} connections, ${WARMUP_SECONDS} s + ${DURATION_SECONDS} s`,
  );
  await env.startProfiles(set);
  const result = await runLoadGenerator({
    url: target.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    bodies: operations.map((operation) => JSON.stringify(operation.body)),
    variants: operations.map((operation) =>
      operation.variant
        ? { placeholder: operation.variant.placeholder, values: operation.variant.values.slice(operation.variant.used) }
        : null,
    ),
    connections,
    warmupSeconds: WARMUP_SECONDS,
    durationSeconds: DURATION_SECONDS,
    errorMarker: '"errors"',
  });
  const system = cpuSnapshot([]);
  const services = serviceCpu();
  profileRuns += 1;
  await env.stopProfiles(
    set,
    `${String(profileRuns).padStart(2, '0')}-${operations.map((o) => o.body.operationName).join('+')}-${target.name.replace(':', '-')}-c${connections}`,
  );
  const cpuSeconds: Record<string, number> = {};
  // This process's own CPU, including the load generator once reaped.
  let ours = system.ours - cpuBefore.system.ours;
  for (const [role, seconds] of Object.entries(services)) {
    cpuSeconds[role] = round2(seconds - (cpuBefore.services[role] ?? 0));
    ours += cpuSeconds[role];
  }
  cpuSeconds.postgres = round2(processCpuSeconds(postmaster, true) - cpuBefore.postgres);
  cpuSeconds.loadGenerator = result.cpuSeconds;
  ours += cpuSeconds.postgres;
  cpuSeconds.other = round2(Math.max(0, system.systemBusy - cpuBefore.system.systemBusy - ours));
  const m = result.measured;
  return {
    target: target.name,
    connections,
    measured: m,
    warmup: result.warmup,
    failures: m.non2xx + m.errors + m.timeouts + m.graphqlErrors,
    rssKiB: { before: rssBefore, after: env.rss(set) },
    cpuSeconds,
    wallSeconds: round2((system.at - cpuBefore.system.at) / 1000),
    loadAverageBefore,
  };
}

/**
 * Runs the load generator as its own process group and waits for its JSON result. It stops by
 * itself after warm-up plus duration; if it overruns by 30 s it is killed.
 */
async function runLoadGenerator(config: LoadConfig): Promise<LoadResult> {
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
  const killer = setTimeout(
    () => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    },
    (config.warmupSeconds + config.durationSeconds + 30) * 1000,
  );
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('close', (exitCode, exitSignal) => done([exitCode, exitSignal]));
    });
    if (code !== 0) throw new Error(`load generator exited with ${signal ?? `code ${code}`}: ${stderr.slice(-2000)}`);
    return JSON.parse(stdout) as LoadResult;
  } finally {
    clearTimeout(killer);
    untrackGroup(pgid);
  }
}
