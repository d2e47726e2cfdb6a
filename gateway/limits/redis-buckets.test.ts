import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Database } from '../../db/client.ts';
import { createLogger } from '../../platform/logger.ts';
import type { Bucket, BucketStore } from './buckets.ts';
import { postgresBuckets } from './rate-limit.ts';
import { redisBuckets } from './redis-buckets.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** One prefix per run, so parallel runs against the same Redis never share a bucket. */
const PREFIX = `firmgraph-test:${randomUUID()}:`;

let database: Database;
let redis: BucketStore;
let raw: Redis;
beforeAll(() => {
  database = connectDatabase(inject('serviceUrls').gateway, { max: 2 });
  redis = redisBuckets(REDIS_URL, PREFIX, createLogger('silent', 'redis-buckets-test'));
  raw = new Redis(REDIS_URL);
});
afterAll(async () => {
  const keys = await raw.keys(`${PREFIX}*`);
  if (keys.length > 0) await raw.del(...keys);
  await raw.quit();
  await redis.close();
  await database.close();
});

/** A caller bucket and a firm bucket of fresh keys, leaking `restoreRate` points a second. */
function pair(callerSize: number, firmSize: number, restoreRate: number): Bucket[] {
  return [
    { key: `user:${randomUUID()}`, limit: { size: callerSize, restoreRate } },
    { key: `firm:${randomUUID()}`, limit: { size: firmSize, restoreRate } },
  ];
}

describe('Redis buckets', () => {
  it('answer every spend as the PostgreSQL buckets do', async () => {
    // Leaking a thousandth of a point a second, both stores must agree to the point.
    const buckets = pair(100, 150, 0.001);
    const postgres = postgresBuckets(database);
    const inPostgres = buckets.map((b) => ({ ...b, key: `test:${PREFIX}${b.key}` }));
    for (const cost of [43, 43, 43, 20, 1, 60, 7]) {
      expect(await redis.spend(buckets, cost), `cost ${cost}`).toEqual(await postgres.spend(inPostgres, cost));
    }
  });

  it('spend from every bucket or from none: a full firm bucket leaves the caller bucket untouched', async () => {
    const [caller, firm] = pair(100, 150, 0.001);
    const colleague: Bucket = { key: `user:${randomUUID()}`, limit: caller!.limit };
    expect((await redis.spend([colleague, firm!], 100)).spent).toBe(true);
    const refused = await redis.spend([caller!, firm!], 60);
    expect(refused.spent).toBe(false);
    expect(refused.statuses.map((s) => s.currentlyAvailable)).toEqual([100, 50]);
    // 60 - 50 missing at 0.001 a second.
    expect(refused.retryAfterSeconds).toBe(10_000);
    expect(await raw.exists(`${PREFIX}rate:${caller!.key}`)).toBe(0);
    const fits = await redis.spend([caller!, firm!], 50);
    expect(fits.spent).toBe(true);
    expect(fits.statuses.map((s) => s.currentlyAvailable)).toEqual([50, 0]);
  });

  it('leak continuously at fractional rates, on Redis’s clock, and expire once empty', async () => {
    const [bucket] = pair(40, 40, 20);
    expect((await redis.spend([bucket!], 39)).statuses[0]!.currentlyAvailable).toBe(1);
    const refused = await redis.spend([bucket!], 10);
    expect(refused.spent).toBe(false);
    // 9 points missing at 20 a second: one whole second.
    expect(refused.retryAfterSeconds).toBe(1);
    const key = `${PREFIX}rate:${bucket!.key}`;
    const ttl = await raw.pttl(key);
    // 39 points leak in 1950 ms.
    expect(ttl).toBeGreaterThan(1500);
    expect(ttl).toBeLessThanOrEqual(1950);
    await sleep(500);
    // About 10 points leaked: 1 + 10 available, then 10 spent.
    const later = await redis.spend([bucket!], 10);
    expect(later.spent).toBe(true);
    expect(later.statuses[0]!.currentlyAvailable).toBeGreaterThanOrEqual(1);
    expect(later.statuses[0]!.currentlyAvailable).toBeLessThanOrEqual(3);
    await expect.poll(() => raw.exists(key), { timeout: 3000, interval: 100 }).toBe(0);
  });
});
