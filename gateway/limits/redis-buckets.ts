import { Redis, type Result } from 'ioredis';
import type { Logger } from '../../platform/logger.ts';
import { spendingOf, type BucketStore } from './buckets.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** `SPEND_SCRIPT`: `numberOfKeys` bucket keys, then the cost and each bucket's size and restore rate. */
    firmgraphSpendPoints(numberOfKeys: number, ...keysAndArgs: string[]): Result<string[], Context>;
  }
}

/**
 * The leaky buckets of `tenancy.spend_rate_limit_points` (db/migrations/0003_security_portal_messaging_walls.sql),
 * in Redis: each bucket is a hash of `level` (points spent and not yet leaked) and `at` (when, in seconds
 * of Redis's clock, `TIME`), leaking `restore_rate` points a second. The cost is spent from every bucket
 * or from none, in one script, so it is atomic like the SQL function's row locks, and every replica
 * shares Redis's clock as they share PostgreSQL's. A bucket expires when it has leaked empty, where an
 * absent bucket and an empty one answer alike, so nothing needs pruning.
 *
 * KEYS: the buckets. ARGV: cost, then size and restore rate per key. Returns `spent` (1 or 0), then each
 * bucket's available points after the call, as strings (a Lua number would come back truncated to an
 * integer).
 */
const SPEND_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local cost = tonumber(ARGV[1])
local levels = {}
local fits = true
for i, key in ipairs(KEYS) do
  local size, rate = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'level', 'at')
  local level = 0
  if state[1] then
    level = math.max(0, tonumber(state[1]) - math.max(0, now - tonumber(state[2])) * rate)
  end
  levels[i] = level
  if level + cost > size then fits = false end
end
local result = { fits and '1' or '0' }
for i, key in ipairs(KEYS) do
  local size, rate = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local level = levels[i]
  if fits then
    level = level + cost
    redis.call('HSET', key, 'level', string.format('%.17g', level), 'at', string.format('%.17g', now))
    redis.call('PEXPIRE', key, math.max(1, math.ceil(level / rate * 1000)))
  end
  result[i + 1] = string.format('%.17g', size - level)
end
return result
`;

/**
 * The rate-limit buckets in Redis at `url` (`REDIS_URL`, one Redis server: a bucket pair may sit in
 * two hash slots, so not Redis Cluster), under `<keyPrefix>rate:<bucket key>`. Same answers as the
 * PostgreSQL buckets (`BucketStore`); the connection opens on the first spend and reconnects by
 * itself, and a spend while Redis is unreachable fails after three retries (the request is then an
 * internal error, never let through).
 */
export function redisBuckets(url: string, keyPrefix: string, log: Logger): BucketStore {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (error: Error) => log.warn({ err: error }, 'redis connection error (rate limits)'));
  redis.defineCommand('firmgraphSpendPoints', { lua: SPEND_SCRIPT });
  return {
    spend: async (buckets, cost) => {
      const args = [String(cost), ...buckets.flatMap(({ limit }) => [String(limit.size), String(limit.restoreRate)])];
      const keys = buckets.map(({ key }) => `${keyPrefix}rate:${key}`);
      const [spent, ...available] = await redis.firmgraphSpendPoints(keys.length, ...keys, ...args);
      return spendingOf(buckets, cost, available.map(Number), spent === '1');
    },
    close: async () => {
      if (redis.status === 'wait') redis.disconnect();
      else await redis.quit();
    },
  };
}
