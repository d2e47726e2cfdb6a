/**
 * Summarises V8 CPU profiles written by `BENCH_CPU_PROF=<dir> npm run bench -- <scenario>`
 * (one per service per load run): for each `.cpuprofile` in the directory, the busy time (idle
 * and the profiler's own inspector session excluded), the packages and the functions with the
 * most self time.
 *
 *   node --import tsx scripts/bench/profile-summary.ts <dir> [top=15]
 *
 * Self time is what a function spent in its own code, not in its callees; "package" is the npm
 * package of the file (`node_modules/<name>`), `node:` for Node's internals, the repository
 * folder for our code, and V8's pseudo-frames such as `(garbage collector)` as they are.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './processes.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code comes from, for grouping. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node:';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  const path = url.startsWith('file://') ? relative(REPO_ROOT, new URL(url).pathname) : url;
  return path.split('/').slice(0, 2).join('/');
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url) return functionName || '(anonymous)';
  const file = url.includes('node_modules/')
    ? url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length)
    : url.startsWith('file://')
      ? relative(REPO_ROOT, new URL(url).pathname)
      : url;
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

function top(map: Map<string, number>, count: number, busy: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(
      ([name, micros]) =>
        `  ${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
}

/** Prints one profile's summary. */
function summarise(path: string, count: number): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id);
    // Idle time, and the in-process inspector session that runs the profiler (bench-service.ts).
    if (!node || node.callFrame.functionName === '(idle)' || node.callFrame.url === 'node:inspector') continue;
    busy += micros;
    const name = frameName(node);
    functions.set(name, (functions.get(name) ?? 0) + micros);
    const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros);
  }
  const wall = (profile.endTime - profile.startTime) / 1e6;
  console.log(`\n${relative(REPO_ROOT, path)}: ${(busy / 1e6).toFixed(1)} s busy of ${wall.toFixed(1)} s`);
  console.log(' self time by package:');
  console.log(top(packages, count, busy).join('\n'));
  console.log(' self time by function:');
  console.log(top(functions, count, busy).join('\n'));
}

const [dir, countText] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node --import tsx scripts/bench/profile-summary.ts <dir> [top]');
  process.exit(2);
}
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .sort();
if (files.length === 0) {
  console.error(`no .cpuprofile files in ${dir}`);
  process.exit(1);
}
for (const file of files) summarise(join(dir, file), Number(countText ?? 15));
