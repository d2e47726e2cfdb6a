import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICES } from '../../db/roles.ts';
import { serviceUrlVariable } from '../../platform/config.ts';

/** Repository root (the benchmark always runs the checked-out code). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

const READY_LINE = 'FirmGraph is ready';

// Everything this run started or created, so a failure, a watchdog or Ctrl-C can clean it up.
const liveGroups = new Set<number>();
const liveDirs = new Set<string>();

/** The ports one FirmGraph instance listens on (all on 127.0.0.1). */
export interface StackPorts {
  gateway: number;
  tenancy: number;
  crm: number;
  billing: number;
  documents: number;
  embeddedPostgres: number;
}

/**
 * Picks `count` distinct free loopback ports by binding them all at once to port 0, then
 * releasing them. Another process could grab one in between; that shows up as a start failure,
 * not a hang.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((ok, fail) => {
        server.once('error', fail);
        server.listen(0, '127.0.0.1', () => ok());
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('could not read a bound port');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
  }
}

/** Six free loopback ports for one `npm start` stack (see `freePorts`). */
export async function allocatePorts(): Promise<StackPorts> {
  const [gateway, tenancy, crm, billing, documents, embeddedPostgres] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { gateway, tenancy, crm, billing, documents, embeddedPostgres };
}

/**
 * Creates an empty temp data directory (registered for cleanup). It is made traversable
 * (0711) because, when the benchmark runs as root, embedded PostgreSQL runs as the `postgres`
 * OS user and must reach `<dir>/postgres`; nothing in it becomes readable to other users.
 */
export async function makeTempDataDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `firmgraph-bench-${label}-`));
  await chmod(dir, 0o711);
  liveDirs.add(dir);
  return dir;
}

/** Removes a temp directory made by `makeTempDataDir`. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  liveDirs.delete(dir);
}

/** Environment for `scripts/start.ts`: this process's, minus anything that would bypass the embedded database or fixed config. */
function stackEnv(dataDir: string, ports: StackPorts): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of [
    'DATABASE_URL',
    ...SERVICES.map(serviceUrlVariable),
    'TENANCY_URL',
    'CRM_URL',
    'BILLING_URL',
    'DOCUMENTS_URL',
    'JWT_SECRET',
    'CONTEXT_SIGNING_SECRET',
    'NODE_ENV',
    'HOST',
  ]) {
    delete env[key];
  }
  return {
    ...env,
    DATA_DIR: dataDir,
    PORT: String(ports.gateway),
    TENANCY_PORT: String(ports.tenancy),
    CRM_PORT: String(ports.crm),
    BILLING_PORT: String(ports.billing),
    DOCUMENTS_PORT: String(ports.documents),
    EMBEDDED_PG_PORT: String(ports.embeddedPostgres),
  };
}

/** A `scripts/start.ts` process (tsx, its node child, embedded PostgreSQL) in its own process group. */
export interface StackProcess {
  /** PID of the spawned `tsx` launcher; also the process group id. */
  pid: number;
  dataDir: string;
  ports: StackPorts;
  /** `http://127.0.0.1:<gateway>/graphql`. */
  graphqlUrl: string;
  /** Milliseconds from just before `spawn` until the ready line was seen on stdout. */
  readyMs: number;
  /** The in-process figure the start script prints ("ready in N s"), in milliseconds, if parsed. */
  selfReportedReadyMs: number | null;
  /** Whether the start script reported seeding the demo firm (true on an empty database). */
  seeded: boolean;
  /** The last lines of output, for failure messages. */
  outputTail(): string;
}

/** What stopping a stack observed. */
export interface StopResult {
  /** SIGTERM to the launcher until every process of the group was gone. */
  shutdownMs: number;
  /** Exit code of the launcher (0 after a clean shutdown); null when it had to be killed. */
  exitCode: number | null;
  /** True when SIGKILL was needed (the launcher or a leftover process did not exit in time). */
  forced: boolean;
  /** PIDs of PostgreSQL processes for this data dir found after the launcher exited (should be empty). */
  leftoverPostgres: number[];
}

interface OutputSink {
  /** Appends output, keeping only the recent part. */
  push(chunk: string): void;
  tail(): string;
}

function outputSink(): OutputSink {
  let text = '';
  return {
    push(chunk) {
      text += chunk;
      if (text.length > 64_000) text = text.slice(-32_000);
    },
    tail: () => text.split('\n').slice(-30).join('\n'),
  };
}

const children = new Map<number, ChildProcess>();

/**
 * Spawns `node_modules/.bin/tsx scripts/start.ts` (what `npm start` runs) on `dataDir` and the
 * given ports, in a new process group, and waits for the "FirmGraph is ready" line on its stdout.
 *
 * @throws when the process exits or `timeoutMs` passes before it is ready; the group is killed first.
 */
export async function startStackProcess(options: {
  dataDir: string;
  ports: StackPorts;
  timeoutMs: number;
}): Promise<StackProcess> {
  const { dataDir, ports, timeoutMs } = options;
  const sink = outputSink();
  const started = performance.now();
  const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
    cwd: REPO_ROOT,
    env: stackEnv(dataDir, ports),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('error', () => {}); // a spawn failure surfaces as a missing pid or through `ready` below
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn tsx scripts/start.ts');
  liveGroups.add(pid);
  children.set(pid, child);

  let readyAt: number | null = null;
  let readyText = '';
  /** Records the moment the ready line first appears in `text`; true once it has. */
  const scan = (text: string): boolean => {
    if (readyAt !== null) return true;
    const index = text.indexOf(READY_LINE);
    if (index < 0) return false;
    readyAt = performance.now();
    readyText = text.slice(index);
    return true;
  };
  const ready = new Promise<void>((resolveReady, rejectReady) => {
    child.once('error', rejectReady);
    child.once('exit', (code, signal) =>
      rejectReady(new Error(`start script exited with ${signal ?? `code ${code}`} before it was ready`)),
    );
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      sink.push(text);
      if (readyAt !== null) return;
      pending = (pending + text).slice(-4096);
      if (scan(pending)) resolveReady();
    });
    child.stderr.on('data', (chunk: Buffer) => sink.push(chunk.toString('utf8')));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rejectTimeout) => {
    timer = setTimeout(() => rejectTimeout(new Error(`start script not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (error) {
    await killGroup(pid);
    throw new Error(`${(error as Error).message}\n--- output ---\n${sink.tail()}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  // `readyAt` is set inside the callbacks above; TypeScript cannot follow that.
  const readyMs = ((readyAt as number | null) ?? performance.now()) - started;
  await sleep(20); // the "Demo firm seeded" line is written with the ready line; let it arrive
  const after = readyText + sink.tail();
  const self = /FirmGraph is ready in ([\d.]+)s/.exec(after);
  return {
    pid,
    dataDir,
    ports,
    graphqlUrl: `http://127.0.0.1:${ports.gateway}/graphql`,
    readyMs,
    selfReportedReadyMs: self ? Number(self[1]) * 1000 : null,
    seeded: /Demo firm seeded/.test(after),
    outputTail: () => sink.tail(),
  };
}

/**
 * Stops a stack the way an operator would: SIGTERM to the node process running the servers
 * (whose shutdown stops the servers and then embedded PostgreSQL), then waits for the group.
 * If the group is still alive after `graceMs`, it is SIGKILLed. Finally it looks for PostgreSQL
 * processes still serving this data dir and kills them by PID, reporting what it found.
 */
export async function stopStackProcess(
  stack: Pick<StackProcess, 'pid' | 'dataDir'>,
  graceMs = 25_000,
): Promise<StopResult> {
  const started = performance.now();
  const child = children.get(stack.pid);
  let exitCode: number | null = child?.exitCode ?? null;
  const exitedPromise =
    child && child.exitCode === null && child.signalCode === null
      ? new Promise<void>((done) =>
          child.once('exit', (code) => {
            exitCode = code;
            done();
          }),
        )
      : Promise.resolve();
  // SIGTERM goes to the node process running the servers, not to the tsx launcher: tsx relays a
  // signal by re-sending it and SIGKILLs its child if the child does not acknowledge within
  // 30 ms, which a busy machine can miss. The launcher exits with the child's status.
  let target = stack.pid;
  try {
    target = serverPid(stack.pid);
  } catch {
    // no node child (yet): signal the launcher
  }
  try {
    process.kill(target, 'SIGTERM');
  } catch {
    // already gone
  }
  let forced = false;
  const timedOut = await Promise.race([exitedPromise.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    forced = true;
    exitCode = null;
    await killGroup(stack.pid);
  }
  // The launcher exits after its node child; give the rest of the group a moment, then force it.
  for (let i = 0; i < 50 && groupMembers(stack.pid).length > 0; i += 1) await sleep(100);
  if (groupMembers(stack.pid).length > 0) {
    forced = true;
    await killGroup(stack.pid);
  }
  liveGroups.delete(stack.pid);
  children.delete(stack.pid);
  const leftoverPostgres = postgresPidsFor(join(stack.dataDir, 'postgres'));
  if (leftoverPostgres.length > 0) {
    forced = true;
    await killPids(leftoverPostgres);
  }
  return { shutdownMs: performance.now() - started, exitCode, forced, leftoverPostgres };
}

/** SIGKILLs a process group, then waits (up to 5 s) until it is empty. */
export async function killGroup(pgid: number): Promise<void> {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
  for (let i = 0; i < 50 && groupMembers(pgid).length > 0; i += 1) await sleep(100);
}

/** SIGTERM, then SIGKILL after 3 s, to specific PIDs. */
async function killPids(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone
    }
  }
  for (let i = 0; i < 30 && pids.some(isAlive); i += 1) await sleep(100);
  for (const pid of pids.filter(isAlive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== 'Z';
}

/** One process as `/proc/<pid>/stat` describes it (proc(5)); CPU times are in clock ticks. */
export interface ProcStat {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
  /** utime + stime. */
  own: number;
  /** cutime + cstime: children that exited and were reaped. */
  reaped: number;
}

/** Reads `/proc/<pid>/stat`, or null when the process is gone. */
function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces; fields follow the last ')',
    // starting with field 3 (state).
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const num = (index: number) => Number(fields[index] ?? 0);
    return {
      pid,
      state: fields[0] ?? '?',
      ppid: num(1),
      pgrp: num(2),
      own: num(11) + num(12),
      reaped: num(13) + num(14),
    };
  } catch {
    return null;
  }
}

/** Every process on the machine, read from `/proc`. */
export function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** Live (non-zombie) PIDs whose process group is `pgid`. */
function groupMembers(pgid: number): number[] {
  return allStats()
    .filter((s) => s.pgrp === pgid && s.state !== 'Z')
    .map((s) => s.pid);
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * PIDs of PostgreSQL processes serving `pgDataDir`: the postmaster (`postgres -D <dir>`) and
 * every backend or auxiliary process, recognised by their working directory, which PostgreSQL
 * sets to the data directory. That also finds backends orphaned by a killed postmaster, which
 * run in process groups of their own.
 */
function postgresPidsFor(pgDataDir: string): number[] {
  const pids: number[] = [];
  for (const s of allStats()) {
    if (s.state === 'Z') continue;
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${s.pid}/cwd`);
    } catch {
      continue;
    }
    if (cwd !== pgDataDir) continue;
    const first = cmdline(s.pid)[0] ?? '';
    if (first.endsWith('/postgres') || first === 'postgres' || first.startsWith('postgres:')) pids.push(s.pid);
  }
  return pids;
}

/**
 * The node process that actually runs the servers: the descendant of the `tsx` launcher whose
 * command line runs `scripts/start.ts` (tsx itself re-executes node with its loader).
 * @throws when there is none.
 */
function serverPid(launcherPid: number): number {
  const stats = allStats();
  const descendants = new Set([launcherPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (descendants.has(s.ppid) && !descendants.has(s.pid)) {
        descendants.add(s.pid);
        grew = true;
      }
    }
  }
  descendants.delete(launcherPid);
  const match = [...descendants].find((pid) => {
    const args = cmdline(pid);
    return (args[0] ?? '').endsWith('node') && args.includes('scripts/start.ts');
  });
  if (match === undefined) throw new Error(`no node process running scripts/start.ts under PID ${launcherPid}`);
  return match;
}

/** Resident set size (VmRSS) of a process, in kibibytes. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for PID ${pid}`);
  return Number(match[1]);
}

/**
 * Spawns `node ...args` from the repository root in its own process group (tracked for
 * emergency cleanup) with an IPC channel, and waits up to 60 s for its first `{ type: 'ready' }`
 * message. The benchmark's services all start this way.
 * @param options.stdio its stdin, stdout and stderr (the IPC channel is added). A piped stderr is
 *   read for as long as the process lives; its last 4,000 characters go into a failure's error.
 * @param options.output what it printed, for the error when it fails, when stderr is not piped
 *   (e.g. its log file's last lines).
 * @throws when it exits before it is ready, or is not ready after 60 s; its group is killed then.
 */
export async function spawnUntilReady<TReady extends { type: 'ready' }>(
  label: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdio: ['ignore', StdioTarget, StdioTarget]; output?: () => string },
): Promise<{ child: ChildProcess; pid: number; ready: TReady }> {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: options.env,
    detached: true,
    stdio: [...options.stdio, 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${label}`);
  trackGroup(pid);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  const output = options.output ?? (() => stderr);
  try {
    const ready = await new Promise<TReady>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`${label} not ready after 60 s:\n${output()}`)), 60_000);
      const onMessage = (message: { type?: unknown }) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        done(message as TReady);
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`${label} exited with ${signal ?? `code ${code}`} before it was ready:\n${output()}`));
      });
    });
    return { child, pid, ready };
  } catch (error) {
    await killGroup(pid);
    untrackGroup(pid);
    throw error;
  }
}

/** Where a spawned service's stdout or stderr goes: discarded, a pipe, or an open file. */
type StdioTarget = 'ignore' | 'pipe' | number;

/** Registers a spawned helper's process group (e.g. the load generator) for emergency cleanup. */
export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
}

/** Forgets a process group that has exited. */
export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/**
 * Last-resort cleanup (signal handler, watchdog, fatal error): SIGKILLs every process group this
 * run started and every PostgreSQL process serving one of its data dirs, waits for them to go
 * (up to 3 s), then removes its temp dirs. Never throws. It waits asynchronously on purpose:
 * the tsx launcher above this process SIGKILLs it if its event loop cannot acknowledge a
 * relayed signal within 30 ms. Concurrent calls share one cleanup.
 */
export function emergencyCleanup(): Promise<void> {
  cleanupRun ??= cleanUpEverything();
  return cleanupRun;
}

let cleanupRun: Promise<void> | null = null;

async function cleanUpEverything(): Promise<void> {
  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  const postgresPids = () => [...liveDirs].flatMap((dir) => postgresPidsFor(join(dir, 'postgres')));
  const targets = postgresPids();
  for (const pgid of liveGroups) kill(-pgid);
  targets.forEach(kill);
  for (let i = 0; i < 30; i += 1) {
    const alive = [...[...liveGroups].flatMap(groupMembers), ...postgresPids()];
    if (alive.length === 0) break;
    alive.forEach(kill);
    await sleep(100);
  }
  liveGroups.clear();
  for (const dir of liveDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch (error) {
      console.error(`could not remove ${dir}: ${(error as Error).message}`);
    }
  }
  liveDirs.clear();
}

/** Synchronous, no-wait variant for `process.on('exit')`: SIGKILLs whatever is still tracked. */
export function killTrackedSync(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
