import { and, desc, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { z } from 'zod';
import DataLoader from 'dataloader';
import type { Database, Tx } from '../db/client.ts';
import { badUserInput } from './errors.ts';
import {
  CREATED_AT_CURSOR,
  parsePageArgs,
  toConnection,
  type Connection,
  type PageArgs,
  type PageRequest,
} from './relay.ts';

/** A tenant table whose rows belong to a parent and are listed newest first. */
type ChildTable = PgTable & { firmId: PgColumn; id: PgColumn; createdAt: PgColumn };

/** One parent's page: rows in read order (`limit + 1` at most) and the parent's total child count. */
interface ChildPage<T> {
  rows: T[];
  total: number;
}

/**
 * Loads one page of children (newest first: `created_at desc, id desc`) for many parents in a single
 * statement, with each parent's total count, so nested connections cost the same for 2 parents as
 * for 20. Forward pages only (`first`/`after`); `page.cursor` is `[createdAtIso, id]`.
 *
 * Each parent's page is its own `LATERAL … LIMIT limit + 1`, read backwards along the
 * `(firm_id, <parent>, created_at, id)` index, so a parent with thousands of children costs
 * `limit + 1` rows; its total is a separate `count(*)` (an index-only scan on that index).
 *
 * @returns a map from parent id to its page; parents without children have no rows and total 0.
 */
async function childPagesByParent<T>(
  tx: Tx,
  options: {
    table: ChildTable;
    parentColumn: PgColumn;
    firmId: string;
    parentIds: readonly string[];
    page: PageRequest<z.infer<typeof CREATED_AT_CURSOR>>;
    where?: SQL;
    computed?: Record<string, SQL.Aliased>;
  },
): Promise<Map<string, ChildPage<T>>> {
  const { table, parentColumn, firmId, parentIds, page } = options;
  const parentId = sql<string>`parent.id`;
  const ofParent = and(eq(table.firmId, firmId), eq(parentColumn, parentId), options.where);
  const pageRows = tx
    .select({ ...getTableColumns(table), ...options.computed })
    .from(table)
    .where(
      page.cursor
        ? and(
            ofParent,
            sql`(${table.createdAt}, ${table.id}) < (${page.cursor[0]}::timestamptz, ${page.cursor[1]}::uuid)`,
          )
        : ofParent,
    )
    .orderBy(desc(table.createdAt), desc(table.id))
    .limit(page.limit + 1)
    .as('page_rows');
  const counted = tx
    .select({ total: sql<number>`count(*)::int`.as('__total') })
    .from(table)
    .where(ofParent)
    .as('counted');
  const pageColumns = pageRows as unknown as Record<string, PgColumn>;
  const rows = await tx
    .select({
      parentKey: parentId,
      total: counted.total,
      row: Object.fromEntries(
        [...Object.keys(getTableColumns(table)), ...Object.keys(options.computed ?? {})].map((name) => [
          name,
          pageColumns[name]!,
        ]),
      ),
    })
    .from(
      sql`unnest(array[${sql.join(
        parentIds.map((id) => sql`${id}`),
        sql`, `,
      )}]::uuid[]) as parent(id)`,
    )
    .crossJoinLateral(counted)
    .leftJoinLateral(pageRows, sql`true`)
    .orderBy(parentId, desc(pageColumns.createdAt!), desc(pageColumns.id!));

  const pages = new Map<string, ChildPage<T>>();
  for (const { parentKey, total, row } of rows) {
    let entry = pages.get(parentKey);
    if (!entry) pages.set(parentKey, (entry = { rows: [], total }));
    // A parent without rows on this page comes back once, with `row` null (the left join).
    if (row) entry.rows.push(row as T);
  }
  return pages;
}

/** Number of children per parent, for connections where only `totalCount` is selected. */
async function childCountsByParent(
  tx: Tx,
  options: { table: ChildTable; parentColumn: PgColumn; firmId: string; parentIds: readonly string[]; where?: SQL },
): Promise<Map<string, ChildPage<never>>> {
  const { table, parentColumn, firmId, parentIds } = options;
  const rows = await tx
    .select({ parentKey: sql<string>`${parentColumn}`, total: sql<number>`count(*)::int` })
    .from(table)
    .where(and(eq(table.firmId, firmId), inArray(parentColumn, [...parentIds]), options.where))
    .groupBy(parentColumn);
  return new Map(rows.map(({ parentKey, total }) => [parentKey, { rows: [], total }]));
}

/**
 * A per-request factory of DataLoaders that turn parent ids into connections of their children
 * (one loader per distinct page arguments, so `invoices(first: 5)` on 20 clients is one statement).
 * With `countOnly` (the query selects `totalCount` but neither `edges` nor `pageInfo`) it counts
 * instead of reading rows; the connection's `edges` are then empty and `pageInfo` unknown.
 * Actors without an active firm get empty connections.
 *
 * @throws BAD_USER_INPUT (from `parsePageArgs`) for invalid page arguments or `last`/`before`.
 */
export function childConnectionLoaders<T extends { createdAt: Date; id: string }>(options: {
  database: Database;
  firmId: string | null;
  table: ChildTable;
  parentColumn: PgColumn;
  /** Rows outside it are left out of every page and count (a portal session's drafts). */
  where?: SQL;
  /** Values computed per row beside the table's columns (`sql\`…\`.as('name')`), on the rows of each page. */
  computed?: Record<string, SQL.Aliased>;
}): (args: PageArgs, countOnly: boolean) => DataLoader<string, Connection<T>> {
  const loaders = new Map<string, DataLoader<string, Connection<T>>>();
  return (args, countOnly) => {
    const key = JSON.stringify([args.first ?? null, args.after ?? null, countOnly]);
    let loader = loaders.get(key);
    if (!loader) {
      if (args.last != null || args.before != null)
        throw badUserInput('This connection pages forward only: use `first` and `after`.');
      const page = parsePageArgs(args, CREATED_AT_CURSOR);
      const { firmId } = options;
      loader = new DataLoader(async (parentIds) => {
        const pages: Map<string, ChildPage<T>> = firmId
          ? await options.database.withTenant({ firmId }, (tx) =>
              countOnly
                ? childCountsByParent(tx, { ...options, firmId, parentIds })
                : childPagesByParent<T>(tx, { ...options, firmId, parentIds, page }),
            )
          : new Map<string, ChildPage<T>>();
        return parentIds.map((id) => {
          const found = pages.get(id);
          return toConnection(
            found?.rows ?? [],
            page,
            (row) => [row.createdAt.toISOString(), row.id],
            found?.total ?? 0,
          );
        });
      });
      loaders.set(key, loader);
    }
    return loader;
  };
}
