import type { BucketLimit } from '../../platform/config.ts';

/** One leaky bucket a request spends from. */
export interface Bucket {
  /** `firm:<id>`, `ip:<address>`, or a principal's key (`user:<id>`, `api_key:<id>`, `operator:<id>`, `portal_user:<id>`). */
  key: string;
  limit: BucketLimit;
}

/** A bucket's state as clients see it in `extensions.cost` (Shopify's `throttleStatus`). Points, points per second. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** The outcome of `BucketStore.spend`, bucket by bucket in the order given. */
export interface Spending {
  spent: boolean;
  statuses: ThrottleStatus[];
  /** Whole seconds until every bucket could hold the cost again; 0 when spent. */
  retryAfterSeconds: number;
}

/**
 * Where the buckets live, shared by every gateway replica: PostgreSQL (`tenancy.rate_limit_buckets`,
 * the default, gateway/limits/rate-limit.ts) or Redis (`REDIS_URL`, gateway/limits/redis-buckets.ts).
 * Both keep the same leaky buckets on the store's own clock, so the choice changes no answer.
 */
export interface BucketStore {
  /**
   * Spends `cost` points from every bucket, or from none when any lacks room, atomically.
   * @param buckets distinct keys.
   * @param cost points, at most the smallest bucket's size.
   * @throws the store's connection error (the request then fails as an internal error; nothing is let through).
   */
  spend(buckets: readonly Bucket[], cost: number): Promise<Spending>;
  /** Stops the store's timers and closes its own connections (never the database pool it was given). */
  close(): Promise<void>;
}

/**
 * What the client is told after a spend, from each bucket's available points as the store computed
 * them (after the spend when `spent`): `currentlyAvailable` is those points floored and clamped to
 * `[0, size]`, and a refusal's wait is the longest any bucket needs to leak room for `cost`, in whole
 * seconds, at least 1 (RFC 9110 §10.2.3 `Retry-After` takes whole seconds).
 * @param available points per bucket, in the order of `buckets`.
 */
export function spendingOf(
  buckets: readonly Bucket[],
  cost: number,
  available: readonly number[],
  spent: boolean,
): Spending {
  const statuses = buckets.map(({ limit }, i) => ({
    maximumAvailable: limit.size,
    currentlyAvailable: Math.floor(Math.min(limit.size, Math.max(0, available[i]!))),
    restoreRate: limit.restoreRate,
  }));
  const waits = buckets.map(({ limit }, i) => Math.max(0, cost - available[i]!) / limit.restoreRate);
  return { spent, statuses, retryAfterSeconds: spent ? 0 : Math.max(1, Math.ceil(Math.max(...waits))) };
}
