import { and, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { clients, type ClientRow, type ClientStatusValue } from '../../../db/schema/crm.ts';
import { z } from 'zod';
import type { PageRequest } from '../../../platform/relay.ts';

/** Filters of a client list. `search` is a case-insensitive substring of name or email. */
export interface ClientFilter {
  firmId: string;
  status: ClientStatusValue;
  search?: string | null;
}

function filterWhere({ firmId, status, search }: ClientFilter): SQL {
  const conditions = [eq(clients.firmId, firmId), eq(clients.status, status)];
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(clients.name, pattern), ilike(clients.email, pattern))!);
  }
  return and(...conditions)!;
}

/**
 * Cursor values of a client: its name as stored, then id. The list sorts by `name_key`
 * (PostgreSQL's `lower(name)`, stored, matching `clients_firm_name_key_idx`), and the comparison
 * lowers the cursor's name in SQL too, because JavaScript's toLowerCase and PostgreSQL's lower()
 * differ outside ASCII.
 */
export function clientSortKey(row: ClientRow): [string, string] {
  return [row.name, row.id];
}

/** Shape of a client-list cursor: the name and id of its row. */
export const CLIENT_CURSOR = z.tuple([z.string(), z.uuid()]);

/**
 * One page of clients in name order, fetching `page.limit + 1` rows in the page's direction
 * (descending for backward pages) so the caller can tell whether another page exists.
 */
export async function listClients(
  tx: Tx,
  filter: ClientFilter & { page: PageRequest<z.infer<typeof CLIENT_CURSOR>> },
): Promise<ClientRow[]> {
  const { page } = filter;
  const key = sql`(${clients.nameKey}, ${clients.id})`;
  const conditions = [filterWhere(filter)];
  if (page.cursor) {
    const [name, id] = page.cursor;
    conditions.push(
      page.direction === 'forward'
        ? sql`${key} > (lower(${name}), ${id}::uuid)`
        : sql`${key} < (lower(${name}), ${id}::uuid)`,
    );
  }
  const order =
    page.direction === 'forward'
      ? sql`${clients.nameKey} asc, ${clients.id} asc`
      : sql`${clients.nameKey} desc, ${clients.id} desc`;
  return tx
    .select()
    .from(clients)
    .where(and(...conditions))
    .orderBy(order)
    .limit(page.limit + 1);
}

/** Number of clients matching the filter, ignoring pagination. */
export async function countClients(tx: Tx, filter: ClientFilter): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(clients)
    .where(filterWhere(filter));
  return row?.count ?? 0;
}

/** The firm's clients with these ids, in no particular order; unknown ids are simply absent. */
export async function getClientsByIds(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
): Promise<ClientRow[]> {
  return tx
    .select()
    .from(clients)
    .where(and(eq(clients.firmId, firmId), inArray(clients.id, [...clientIds])));
}

/** Locks and returns one client for a change, or undefined when the firm has no such client. */
export async function getClientForUpdate(
  tx: Tx,
  { firmId, clientId }: { firmId: string; clientId: string },
): Promise<ClientRow | undefined> {
  const [row] = await tx
    .select()
    .from(clients)
    .where(and(eq(clients.firmId, firmId), eq(clients.id, clientId)))
    .for('update');
  return row;
}

/** Inserts a client and returns the stored row. */
export async function insertClient(tx: Tx, values: typeof clients.$inferInsert): Promise<ClientRow> {
  const [row] = await tx.insert(clients).values(values).returning();
  return row!;
}

/** Applies `patch` to one client, bumping `updated_at`, and returns the stored row. */
export async function updateClientRow(
  tx: Tx,
  { firmId, clientId, patch }: { firmId: string; clientId: string; patch: Partial<typeof clients.$inferInsert> },
): Promise<ClientRow> {
  const [row] = await tx
    .update(clients)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(clients.firmId, firmId), eq(clients.id, clientId)))
    .returning();
  return row!;
}
