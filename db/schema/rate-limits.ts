import { sql } from 'drizzle-orm';
import { check, doublePrecision, text, timestamp } from 'drizzle-orm/pg-core';
import { tenancy } from './tenancy.ts';

/**
 * The gateway's query-cost leaky buckets (README "API limits"), shared by every gateway replica.
 *
 * Platform infrastructure, not tenant data: a row is a counter keyed by an opaque bucket key
 * (`firm:<uuid>`, `user:<uuid>`, `api_key:<uuid>`, `operator:<uuid>`, `ip:<address>`), with
 * nothing a firm owns in it, and anonymous callers have no firm at all. So it has no firm_id and
 * no RLS; instead the app role has no privileges on it and reaches it only through the
 * SECURITY DEFINER functions `tenancy.spend_rate_limit_points` and `tenancy.prune_rate_limit_buckets`
 * (migration `rate_limit_buckets`). Under Citus it stays a local table on the coordinator.
 *
 * `level` is the points spent and not yet leaked, as of `updated_at` (PostgreSQL's clock).
 */
export const rateLimitBuckets = tenancy.table(
  'rate_limit_buckets',
  {
    bucketKey: text('bucket_key').primaryKey(),
    level: doublePrecision('level').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
  },
  (t) => [check('rate_limit_buckets_level_check', sql`${t.level} >= 0`)],
);
