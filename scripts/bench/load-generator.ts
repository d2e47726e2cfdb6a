/**
 * The load generator: a separate process (started by bench-stack.ts as
 * `node scripts/bench/load-generator.ts '<LoadConfig JSON>'`) so it never shares an event loop
 * with the servers it measures. It runs autocannon twice, an unmeasured warm-up and the measured
 * run, each bounded by its duration, prints one JSON `LoadResult` line on stdout and exits.
 *
 * Written in erasable TypeScript only, so Node runs it directly (no tsx launcher process).
 */
import { createRequire } from 'node:module';
import type { LatencySummary, LoadConfig, LoadPhaseResult, LoadResult } from './load-types.ts';

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; mean: number };
}
interface AutocannonInstance {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
  ): void;
  stop(): void;
}
type Autocannon = (
  options: Record<string, unknown>,
  callback: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? 0;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function summarize(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const sum = latencies.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    mean: round(sorted.length ? sum / sorted.length : 0),
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.length ? (sorted[sorted.length - 1] ?? 0) : 0),
  };
}

/**
 * Runs autocannon once for `seconds` and records every 2xx latency exactly (fractional ms); `next`
 * holds each varying body's next value index (`LoadConfig.variants`).
 */
function runPhase(config: LoadConfig, seconds: number, next: number[]): Promise<LoadPhaseResult> {
  const latencies: number[] = [];
  return new Promise((resolvePhase, rejectPhase) => {
    const instance = autocannon(
      {
        url: config.url,
        headers: config.headers,
        requests: config.bodies.map((body, index) => {
          const variant = config.variants[index];
          if (!variant) return { method: config.method, body };
          return {
            method: config.method,
            setupRequest: (request: Record<string, unknown>) => {
              const position = next[index] ?? 0;
              next[index] = position + 1;
              return {
                ...request,
                body: body.replaceAll(variant.placeholder, variant.values[position % variant.values.length]!),
              };
            },
          };
        }),
        connections: config.connections,
        pipelining: 1,
        duration: seconds,
        timeout: 10,
        verifyBody: (body: string) => !body.includes(config.errorMarker),
      },
      (error, result) => {
        if (error) {
          rejectPhase(error);
          return;
        }
        const statusCodes = Object.fromEntries(
          Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count]),
        );
        resolvePhase({
          durationSeconds: result.duration,
          responses: result.requests.total,
          requestsPerSecond: round(result.requests.total / result.duration, 1),
          requestsPerSecondMean: round(result.requests.average, 1),
          latencyMs: summarize(latencies),
          autocannonLatencyMs: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            mean: result.latency.mean,
          },
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          graphqlErrors: result.mismatches,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as LoadConfig;
  const host = new URL(config.url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]')
    throw new Error(`refusing to load a non-loopback host: ${host}`);
  // Belt and braces: whatever happens, this process ends on its own.
  setTimeout(
    () => {
      console.error('load generator overran its time budget');
      process.exit(3);
    },
    (config.warmupSeconds + config.durationSeconds + 30) * 1000,
  ).unref();
  // One counter per varying body, carried from the warm-up into the measured run.
  const next = config.bodies.map(() => 0);
  const warmup = await runPhase(config, config.warmupSeconds, next);
  const measured = await runPhase(config, config.durationSeconds, next);
  const usage = process.cpuUsage();
  const result: LoadResult = { warmup, measured, cpuSeconds: round((usage.user + usage.system) / 1e6) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  },
);
