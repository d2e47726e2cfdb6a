import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MachineInfo } from './machine.ts';
import type { LoadFigures } from './measure.ts';
import { REPO_ROOT } from './processes.ts';

/** A scenario's name, as typed after `npm run bench --`. */
export type ScenarioName =
  | 'start'
  | 'engine-ceiling'
  | 'dashboard'
  | 'client-detail'
  | 'client-list'
  | 'portal-home'
  | 'gateway-overhead'
  | 'engine'
  | 'walls'
  | 'scaling'
  | 'login'
  | 'write-mix'
  | 'subscriptions'
  | 'fan-out'
  | 'revocation'
  | 'time-entry'
  | 'approval-queue'
  | 'wip-report'
  | 'utilization-report'
  | 'invoice-issue'
  | 'ar-aging'
  | 'trial-balance';

/** One line of the human summary: what, the figure, and the target it is judged against (if any). */
export interface Row {
  label: string;
  value: string;
  target?: string;
  /** Whether the target was met; undefined when there is no target. */
  met?: boolean;
}

/** What every scenario hands back for reporting. */
export interface ScenarioReport {
  scenario: ScenarioName;
  /** Heading of the scenario's section in docs/benchmarks.md. */
  title: string;
  /** When the scenario started. */
  date: Date;
  rows: Row[];
  /** Extra markdown under the table (method, caveats). */
  notes: string[];
  /** Everything measured, written as JSON. */
  json: Record<string, unknown>;
}

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Milliseconds as seconds with two decimals, e.g. "2.34 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Bytes (or KiB) as MiB with one decimal. */
export function mebibytes(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

/** A number with `digits` decimals (one by default). */
export function fixed(value: number, digits = 1): string {
  return value.toFixed(digits);
}

/** Milliseconds with one decimal, e.g. "12.3 ms". */
export function ms(value: number): string {
  return `${fixed(value)} ms`;
}

/** Rows for one load run: throughput, latency, failures, memory and CPU; `prefix` labels them. */
export function loadRows(prefix: string, figures: LoadFigures, targets: { p95?: number; p99?: number } = {}): Row[] {
  const m = figures.measured;
  const rows: Row[] = [
    { label: `${prefix}: requests/s`, value: fixed(m.requestsPerSecond) },
    {
      label: `${prefix}: latency p50 / p95 / p99`,
      value: `${ms(m.latencyMs.p50)} / ${ms(m.latencyMs.p95)} / ${ms(m.latencyMs.p99)}`,
    },
  ];
  // A run with failed or no answers fails its latency target, however fast the rest was.
  const clean = m.latencyMs.count > 0 && figures.failures === 0;
  if (targets.p95 !== undefined)
    rows.push({
      label: `${prefix}: latency p95`,
      value: ms(m.latencyMs.p95),
      target: `< ${targets.p95} ms, no errors`,
      met: clean && m.latencyMs.p95 < targets.p95,
    });
  if (targets.p99 !== undefined)
    rows.push({
      label: `${prefix}: latency p99`,
      value: ms(m.latencyMs.p99),
      target: `< ${targets.p99} ms, no errors`,
      met: clean && m.latencyMs.p99 < targets.p99,
    });
  rows.push(
    {
      label: `${prefix}: errors (non-2xx / connection / timeouts / GraphQL)`,
      value: `${m.non2xx} / ${m.errors} / ${m.timeouts} / ${m.graphqlErrors}`,
    },
    {
      label: `${prefix}: RSS after load`,
      value: Object.entries(figures.rssKiB.after)
        .map(([role, kib]) => `${role} ${mebibytes(kib)}`)
        .join(', '),
    },
    { label: `${prefix}: CPU (share of one core)`, value: cpuShares(figures) },
  );
  return rows;
}

/** Each process's CPU over the run's wall time (100% = one core); processes that took none are left out. */
function cpuShares(figures: LoadFigures): string {
  return Object.entries(figures.cpuSeconds)
    .filter(([, seconds]) => seconds > 0)
    .map(([who, seconds]) => `${who} ${Math.round((seconds / figures.wallSeconds) * 100)}%`)
    .join(', ');
}

function verdict(row: Row): string {
  if (row.target === undefined) return '';
  return `${row.target} ${row.met ? 'PASS' : 'FAIL'}`;
}

/** Prints a scenario's figures as an aligned plain-text table on stdout. */
export function printTable(report: ScenarioReport): void {
  const labelWidth = Math.max(...report.rows.map((r) => r.label.length), 6);
  const valueWidth = Math.max(...report.rows.map((r) => r.value.length), 5);
  const line = '-'.repeat(labelWidth + valueWidth + 30);
  console.log(`\n${report.title}\n${line}`);
  for (const row of report.rows) {
    console.log(`${row.label.padEnd(labelWidth)}  ${row.value.padStart(valueWidth)}  ${verdict(row)}`.trimEnd());
  }
  console.log(line);
}

/** Basic-format ISO 8601 UTC timestamp, safe in file names: 20261121T145400Z. */
function fileTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * Writes `docs/bench-results/<scenario>-<timestamp>.json` with the machine, the command and every
 * figure. @returns the path relative to the repository.
 */
export function writeJsonResult(report: ScenarioReport, machine: MachineInfo, command: string): string {
  const dir = join(REPO_ROOT, 'docs', 'bench-results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${report.scenario}-${fileTimestamp(report.date)}.json`);
  const body = { scenario: report.scenario, date: report.date.toISOString(), command, machine, ...report.json };
  writeFileSync(path, `${JSON.stringify(body, null, 2)}\n`);
  return relative(REPO_ROOT, path);
}

const DOC_HEADER = `# Benchmarks

Figures from \`npm run bench -- <scenario>\` (\`scripts/bench/\`); the README's "Benchmarks"
section lists the scenarios. Each scenario rewrites its own section below; the raw results of
every run are kept as JSON in \`docs/bench-results/\`, so two runs can be compared.

Except \`start\`, the scenarios run on the \`seed:large\` dataset (50 firms; the largest, whose
owner the benchmarks sign in as, holds 5,000 clients, 20,000 invoices, 50,000 documents and
100,000 messages at scale 1, and its heaviest clients' contacts are portal users) in a private
embedded PostgreSQL, with the gateway and each subgraph as their own Node processes. The load
generator (autocannon) is another process on the same machine, over loopback, so it competes
with the servers for CPU: on a small machine the figures are a floor, not a ceiling. Each
section records how much CPU other processes took while it ran.

Not measured yet: the hot paths of time entries and invoice lines (those features do not exist).
Each joins the harness (\`scripts/bench/scenarios.ts\`) and the large seed
(\`scripts/seed-large/\`) with its feature.
`;

function markdownTable(rows: Row[]): string {
  const lines = ['| Measure | Result | Target |', '| --- | ---: | --- |'];
  for (const row of rows) lines.push(`| ${row.label} | ${row.value} | ${verdict(row) || '—'} |`);
  return lines.join('\n');
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** The markdown section of one scenario, between markers so a later run can replace it. */
export function markdownSection(
  report: ScenarioReport,
  machine: MachineInfo,
  command: string,
  jsonPath: string,
): string {
  return [
    `<!-- bench:${report.scenario}:begin -->`,
    `## ${report.title}`,
    '',
    `- Date: ${report.date.toISOString()}`,
    `- Command: \`${command}\``,
    `- Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${gib(machine.totalMemoryBytes)} RAM, Node ${machine.nodeVersion}, ${machine.os}`,
    `- Raw results: [\`${jsonPath}\`](${relative('docs', jsonPath)})`,
    '',
    markdownTable(report.rows),
    '',
    ...report.notes.map((note) => `- ${note}`),
    `<!-- bench:${report.scenario}:end -->`,
  ].join('\n');
}

/**
 * Replaces the scenario's section of docs/benchmarks.md (creating the file if needed), leaving
 * every other section as it was. A new section goes after the last existing one.
 */
export function updateBenchmarksDoc(scenario: ScenarioName, section: string): void {
  const path = join(REPO_ROOT, 'docs', 'benchmarks.md');
  let text = existsSync(path) ? readFileSync(path, 'utf8') : DOC_HEADER;
  const begin = `<!-- bench:${scenario}:begin -->`;
  const end = `<!-- bench:${scenario}:end -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) {
    text = text.slice(0, from) + section + text.slice(to + end.length);
  } else {
    // After the last scenario section, so prose that follows the sections stays last.
    const lastEnd = /<!-- bench:[a-z-]+:end -->/g;
    let insertAt = -1;
    for (const match of text.matchAll(lastEnd)) insertAt = match.index + match[0].length;
    text =
      insertAt < 0
        ? `${text.trimEnd()}\n\n${section}\n`
        : `${text.slice(0, insertAt)}\n\n${section}${text.slice(insertAt)}`;
  }
  writeFileSync(path, text.endsWith('\n') ? text : `${text}\n`);
}
