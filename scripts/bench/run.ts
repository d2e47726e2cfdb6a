/**
 * `npm run bench -- <scenario>`: runs a benchmark scenario, prints a table, writes
 * docs/bench-results/<scenario>-<timestamp>.json and rewrites that scenario's section of
 * docs/benchmarks.md.
 *
 *   start      time until `npm start` is ready: cold (empty data dir) and 3 warm runs
 *   dashboard  the Dashboard query through the gateway under autocannon load
 *   all        both, in that order
 *
 * Everything it starts runs in process groups it kills on failure, on Ctrl-C and when the
 * watchdog fires (the whole run must stay under 3 minutes); temp data dirs are always removed.
 */
import { machineInfo } from './machine.ts';
import { emergencyCleanup, killTrackedSync } from './processes.ts';
import { markdownSection, printTable, updateBenchmarksDoc, writeJsonResult, type ScenarioName, type ScenarioReport } from './report.ts';

// Loaded on demand: the dashboard scenario pulls in application modules (the demo login), which
// the start scenario's timings should not share a machine with.
const SCENARIOS: Record<ScenarioName, () => Promise<ScenarioReport>> = {
  start: async () => (await import('./start-bench.ts')).runStartBench(),
  dashboard: async () => (await import('./dashboard-bench.ts')).runDashboardBench(),
};

/** Hard limit of one invocation, whatever it runs. */
const WATCHDOG_MS = 175_000;

function usage(): never {
  console.error('usage: npm run bench -- <start|dashboard|all>');
  process.exit(2);
}

/** The command as the user typed it, for the report. */
function commandLine(args: string[]): string {
  return process.env.npm_lifecycle_event === 'bench' ? `npm run bench -- ${args.join(' ')}` : `tsx scripts/bench/run.ts ${args.join(' ')}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [which] = args;
  if (args.length !== 1 || which === undefined) usage();
  const names: ScenarioName[] = which === 'all' ? ['start', 'dashboard'] : which in SCENARIOS ? [which as ScenarioName] : usage();

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
  console.log(`Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, Node ${machine.nodeVersion}, ${machine.os}`);
  const started = performance.now();
  for (const name of names) {
    console.log(`\n== ${name} ==`);
    const report = await SCENARIOS[name]();
    printTable(report);
    const jsonPath = writeJsonResult(report, machine, command);
    updateBenchmarksDoc(name, markdownSection(report, machine, command, jsonPath));
    console.log(`wrote ${jsonPath} and docs/benchmarks.md`);
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
