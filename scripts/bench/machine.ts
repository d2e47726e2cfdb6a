import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { allStats, type ProcStat } from './processes.ts';

/** The machine a benchmark ran on, recorded next to every figure. */
export interface MachineInfo {
  /** Logical CPUs this process may use (what `nproc` prints). */
  nproc: number;
  cpuModel: string;
  /** Total physical memory, bytes. */
  totalMemoryBytes: number;
  nodeVersion: string;
  /** e.g. "Debian GNU/Linux 12 (bookworm), Linux 6.8.0". */
  os: string;
}

/** Describes this machine: CPUs, memory, Node version and OS. */
export function machineInfo(): MachineInfo {
  let distro = '';
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux, or no os-release
  }
  const kernel = `${type()} ${release()}`;
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: totalmem(),
    nodeVersion: process.version,
    os: distro ? `${distro}, ${kernel}` : kernel,
  };
}

/** The 1, 5 and 15 minute load averages, rounded to two decimals: a hint that other work shared the CPUs. */
export function loadAverage(): [number, number, number] {
  const [one = 0, five = 0, fifteen = 0] = loadavg().map((value) => Math.round(value * 100) / 100);
  return [one, five, fifteen];
}

// USER_HZ: the unit of /proc CPU times; 100 on every mainstream Linux build.
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time spent system-wide and by this benchmark's own processes, at one instant (seconds). */
export interface CpuSnapshot {
  at: number;
  /** Non-idle CPU time of the whole machine since boot. */
  systemBusy: number;
  /** This process (with its reaped children) plus every live process in the given groups. */
  ours: number;
}

function allProcCpu(): Map<number, ProcStat> {
  return new Map(allStats().map((stat) => [stat.pid, stat]));
}

/** `roots` and every live descendant of them. */
function withDescendants(procs: Map<number, ProcStat>, roots: Iterable<number>): Set<number> {
  const found = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, cpu] of procs) {
      if (!found.has(pid) && found.has(cpu.ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return found;
}

/**
 * Samples CPU time: the machine's busy time (from /proc/stat) and this benchmark's share, being
 * this process (its reaped children included, such as a finished load generator), every process
 * in the process groups `groups` and all their descendants (PostgreSQL backends start their own
 * process groups, so groups alone would miss them). Comparing two snapshots with `foreignCpu`
 * shows how much CPU other work on the machine took meanwhile.
 */
export function cpuSnapshot(groups: number[]): CpuSnapshot {
  const at = performance.now();
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // user nice system idle iowait irq softirq steal; idle and iowait are not busy.
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const systemBusy = (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
  const procs = allProcCpu();
  const wanted = new Set(groups);
  const roots = [...procs].filter(([pid, cpu]) => wanted.has(cpu.pgrp) && pid !== process.pid).map(([pid]) => pid);
  let ticks = 0;
  for (const pid of withDescendants(procs, roots)) {
    const cpu = procs.get(pid);
    if (cpu && pid !== process.pid) ticks += cpu.own + cpu.reaped;
  }
  const self = procs.get(process.pid);
  if (self) ticks += self.own + self.reaped;
  return { at, systemBusy, ours: ticks / CLOCK_TICKS_PER_SECOND };
}

/**
 * CPU-seconds used so far by one process (`utime + stime`), or, with `tree`, by it and all its
 * live descendants plus the children they have reaped.
 */
export function processCpuSeconds(pid: number, tree = false): number {
  const procs = allProcCpu();
  if (!tree) return (procs.get(pid)?.own ?? 0) / CLOCK_TICKS_PER_SECOND;
  let ticks = 0;
  for (const member of withDescendants(procs, [pid])) {
    const cpu = procs.get(member);
    if (cpu) ticks += cpu.own + cpu.reaped;
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** CPU used by everything else on the machine between two snapshots. */
export interface ForeignCpu {
  wallSeconds: number;
  /** CPU-seconds the benchmark's own processes used. */
  oursCpuSeconds: number;
  /** CPU-seconds all other processes used (never below zero). */
  otherCpuSeconds: number;
  /** `otherCpuSeconds` as a share of all CPU capacity in the window (0..1). */
  otherShare: number;
}

/** Compares two `cpuSnapshot`s: how busy the rest of the machine was while the benchmark ran. */
export function foreignCpu(before: CpuSnapshot, after: CpuSnapshot, nproc = availableParallelism()): ForeignCpu {
  const wallSeconds = (after.at - before.at) / 1000;
  const oursCpuSeconds = Math.max(0, after.ours - before.ours);
  const otherCpuSeconds = Math.max(0, after.systemBusy - before.systemBusy - oursCpuSeconds);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    wallSeconds: round(wallSeconds),
    oursCpuSeconds: round(oursCpuSeconds),
    otherCpuSeconds: round(otherCpuSeconds),
    otherShare: wallSeconds > 0 ? round(otherCpuSeconds / (wallSeconds * nproc)) : 0,
  };
}
