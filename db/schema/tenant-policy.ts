import { sql, type SQL } from 'drizzle-orm';
import { pgPolicy } from 'drizzle-orm/pg-core';

// Every timestamp column is timestamptz(3): millisecond precision, like a JavaScript Date, so a
// keyset cursor built from a row's createdAt compares exactly equal to the stored value.

/**
 * The firm the current transaction acts for: `app.firm_id`, set by `withTenant` as the
 * transaction's first statement. NULL when unset, so a query with no tenant sees no rows.
 */
export const currentFirmId: SQL = sql`nullif(current_setting('app.firm_id', true), '')::uuid`;

/** The user the current transaction acts for (`app.user_id`), or NULL. */
export const currentUserId: SQL = sql`nullif(current_setting('app.user_id', true), '')::uuid`;

/**
 * The tenant-isolation policy every table with `firm_id` carries (wall 3, README "Architecture"):
 * rows are visible and writable only while `app.firm_id` names their firm.
 */
export function tenantIsolationPolicy(table: string) {
  return pgPolicy(`${table}_tenant_isolation`, {
    as: 'permissive',
    for: 'all',
    using: sql`firm_id = ${currentFirmId}`,
    withCheck: sql`firm_id = ${currentFirmId}`,
  });
}
