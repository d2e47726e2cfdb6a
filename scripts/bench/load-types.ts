/** What the load generator process is asked to do (passed as JSON in argv[2]). */
export interface LoadConfig {
  /** Loopback URL only. */
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  /** Request bodies; each connection sends them in turn (one body: every request the same). */
  bodies: string[];
  /**
   * Per body, null or the values its requests take in turn: each request of body i replaces
   * `placeholder` with the next of `values`, one counter per body across all connections, so no
   * value is sent twice until they run out (then they wrap, and the run's answers show it).
   */
  variants: ({ placeholder: string; values: string[] } | null)[];
  connections: number;
  /** Unmeasured load first, so JIT, pools and caches are warm. */
  warmupSeconds: number;
  durationSeconds: number;
  /** A 2xx response whose body contains this text counts as a GraphQL error (e.g. `"errors"`). */
  errorMarker: string;
}

/** Latency percentiles in milliseconds, computed exactly from every 2xx response. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One autocannon run as the load generator reports it (JSON on stdout). */
export interface LoadPhaseResult {
  durationSeconds: number;
  /** Every response received (any status). */
  responses: number;
  /** Responses per second over the whole run. */
  requestsPerSecond: number;
  /** autocannon's mean of per-second samples. */
  requestsPerSecondMean: number;
  latencyMs: LatencySummary;
  /** autocannon's own (integer millisecond) percentiles, for cross-checking. */
  autocannonLatencyMs: { p50: number; p90: number; p99: number; mean: number };
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** 2xx responses whose body held `errorMarker`. */
  graphqlErrors: number;
  statusCodes: Record<string, number>;
}

/** Both phases. */
export interface LoadResult {
  warmup: LoadPhaseResult;
  measured: LoadPhaseResult;
  /** CPU-seconds the load generator process itself used (both phases and start-up). */
  cpuSeconds: number;
}
