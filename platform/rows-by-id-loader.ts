import DataLoader from 'dataloader';
import type { Database, TenantScope, Tx } from '../db/client.ts';

/**
 * A per-request DataLoader of rows by id. Each batch is one `withTenant` transaction running
 * `fetch` once for all ids; ids the fetch does not return (unknown, or another firm's under RLS)
 * load as null. With no scope (an anonymous caller) every id loads as null without a query.
 */
export function rowsByIdLoader<T extends { id: string }>(options: {
  database: Database;
  scope: TenantScope | null;
  fetch: (tx: Tx, ids: readonly string[]) => Promise<T[]>;
}): DataLoader<string, T | null> {
  const { database, scope, fetch } = options;
  return new DataLoader(async (ids) => {
    if (!scope) return ids.map(() => null);
    const rows = await database.withTenant(scope, (tx) => fetch(tx, ids));
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}
