import { and, asc, eq, getTableColumns, gt, ilike, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { uuidArray, type Tx } from '../../../db/client.ts';
import {
  engagements,
  engagementTeamMembers,
  type EngagementRow,
  type EngagementStatusValue,
} from '../../../db/schema/engagements.ts';
import type { PageRequest } from '../../../platform/relay.ts';

/** Name of the unique key on an engagement's code within its firm (`db/schema/engagements.ts`). */
export const ENGAGEMENT_CODE_KEY = 'engagements_firm_code_key';

/**
 * Filters of an engagement list. `clientId` and `managerUserId` narrow it to one client or manager;
 * `search` is a case-insensitive substring of the name or code.
 */
export interface EngagementFilter {
  firmId: string;
  clientId?: string | null;
  managerUserId?: string | null;
  status?: EngagementStatusValue | null;
  search?: string | null;
}

// Under row-level security only leakproof conditions become index conditions (README "Indexes under
// row-level security"): firm_id, client_id, manager_user_id and the code cursor are plain uuid/text
// comparisons served by `engagements_firm_code_key`, `engagements_firm_client_code_idx` and
// `engagements_firm_manager_code_idx`; the status (an enum) and the search (ILIKE) only filter
// the rows those indexes return in code order.
function filterWhere({ firmId, clientId, managerUserId, status, search }: EngagementFilter): SQL {
  const conditions = [eq(engagements.firmId, firmId)];
  if (clientId) conditions.push(eq(engagements.clientId, clientId));
  if (managerUserId) conditions.push(eq(engagements.managerUserId, managerUserId));
  if (status) conditions.push(eq(engagements.status, status));
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(engagements.name, pattern), ilike(engagements.code, pattern))!);
  }
  return and(...conditions)!;
}

/** Shape of an engagement-list cursor: the code of its row (unique in the firm). */
export const ENGAGEMENT_CURSOR = z.tuple([z.string()]);

/** Cursor values of an engagement: its code, the list order and unique within the firm. */
export function engagementSortKey(row: EngagementRow): [string] {
  return [row.code];
}

/** One page of engagements in code order, fetching `page.limit + 1` rows (forward pages only). */
export async function listEngagements(
  tx: Tx,
  filter: EngagementFilter & { page: PageRequest<z.infer<typeof ENGAGEMENT_CURSOR>> },
): Promise<EngagementRow[]> {
  const conditions = [filterWhere(filter)];
  if (filter.page.cursor) conditions.push(gt(engagements.code, filter.page.cursor[0]));
  return tx
    .select()
    .from(engagements)
    .where(and(...conditions))
    .orderBy(asc(engagements.code))
    .limit(filter.page.limit + 1);
}

/**
 * One page of each client's engagements in code order, for many clients in one statement (a list
 * of clients each showing its engagements): every client's rows ranked by code, the first
 * `page.limit + 1` of each kept. Clients hold few engagements, so ranking them all stays small.
 * @returns each client's rows in code order; clients without engagements are absent.
 */
export async function listEngagementsByClients(
  tx: Tx,
  filter: Omit<EngagementFilter, 'clientId'> & {
    clientIds: readonly string[];
    page: PageRequest<z.infer<typeof ENGAGEMENT_CURSOR>>;
  },
): Promise<Map<string, EngagementRow[]>> {
  const conditions = [filterWhere(filter), inArray(engagements.clientId, [...filter.clientIds])];
  if (filter.page.cursor) conditions.push(gt(engagements.code, filter.page.cursor[0]));
  const ranked = tx
    .select({
      ...getTableColumns(engagements),
      rank: sql<number>`row_number() over (partition by ${engagements.clientId} order by ${engagements.code})`.as(
        'rank',
      ),
    })
    .from(engagements)
    .where(and(...conditions))
    .as('ranked');
  const rows = await tx
    .select()
    .from(ranked)
    .where(lte(ranked.rank, filter.page.limit + 1))
    .orderBy(ranked.clientId, ranked.code);
  const byClient = new Map<string, EngagementRow[]>();
  for (const { rank: _rank, ...row } of rows) {
    const list = byClient.get(row.clientId);
    if (list) list.push(row);
    else byClient.set(row.clientId, [row]);
  }
  return byClient;
}

/** Number of engagements matching the filter per client, for many clients in one statement. */
export async function countEngagementsByClients(
  tx: Tx,
  filter: Omit<EngagementFilter, 'clientId'> & { clientIds: readonly string[] },
): Promise<Map<string, number>> {
  const rows = await tx
    .select({ clientId: engagements.clientId, count: sql<number>`count(*)::int` })
    .from(engagements)
    .where(and(filterWhere(filter), inArray(engagements.clientId, [...filter.clientIds])))
    .groupBy(engagements.clientId);
  return new Map(rows.map((row) => [row.clientId, row.count]));
}

/** Number of engagements matching the filter, ignoring pagination. */
export async function countEngagements(tx: Tx, filter: EngagementFilter): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(engagements)
    .where(filterWhere(filter));
  return row?.count ?? 0;
}

/** The firm's engagements with these ids, in no particular order; unknown ids are absent. */
export async function getEngagementsByIds(
  tx: Tx,
  { firmId, engagementIds }: { firmId: string; engagementIds: readonly string[] },
): Promise<EngagementRow[]> {
  if (engagementIds.length === 0) return [];
  return tx
    .select()
    .from(engagements)
    .where(and(eq(engagements.firmId, firmId), inArray(engagements.id, [...engagementIds])));
}

/** Locks and returns one engagement for a change, or undefined when the firm has no such engagement. */
export async function getEngagementForUpdate(
  tx: Tx,
  { firmId, engagementId }: { firmId: string; engagementId: string },
): Promise<EngagementRow | undefined> {
  const [row] = await tx
    .select()
    .from(engagements)
    .where(and(eq(engagements.firmId, firmId), eq(engagements.id, engagementId)))
    .for('update');
  return row;
}

/**
 * Inserts an engagement and returns the stored row.
 * @throws the database's unique violation on `ENGAGEMENT_CODE_KEY` when the code is taken.
 */
export async function insertEngagement(tx: Tx, values: typeof engagements.$inferInsert): Promise<EngagementRow> {
  const [row] = await tx.insert(engagements).values(values).returning();
  return row!;
}

/**
 * Applies `patch` to one engagement, bumping `updated_at`, and returns the stored row.
 * @throws the database's unique violation on `ENGAGEMENT_CODE_KEY` when a new code is taken.
 */
export async function updateEngagementRow(
  tx: Tx,
  {
    firmId,
    engagementId,
    patch,
  }: { firmId: string; engagementId: string; patch: Partial<typeof engagements.$inferInsert> },
): Promise<EngagementRow> {
  const [row] = await tx
    .update(engagements)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(engagements.firmId, firmId), eq(engagements.id, engagementId)))
    .returning();
  return row!;
}

/** Puts users on an engagement's team; those already on it stay as they are. @returns the ids added. */
export async function insertEngagementTeamMembers(
  tx: Tx,
  { firmId, engagementId, userIds }: { firmId: string; engagementId: string; userIds: readonly string[] },
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await tx
    .insert(engagementTeamMembers)
    .values(userIds.map((userId) => ({ firmId, engagementId, userId })))
    .onConflictDoNothing()
    .returning({ userId: engagementTeamMembers.userId });
  return rows.map((row) => row.userId);
}

/** Takes a user off an engagement's team; true when they were on it. */
export async function deleteEngagementTeamMember(
  tx: Tx,
  { firmId, engagementId, userId }: { firmId: string; engagementId: string; userId: string },
): Promise<boolean> {
  const rows = await tx
    .delete(engagementTeamMembers)
    .where(
      and(
        eq(engagementTeamMembers.firmId, firmId),
        eq(engagementTeamMembers.engagementId, engagementId),
        eq(engagementTeamMembers.userId, userId),
      ),
    )
    .returning({ userId: engagementTeamMembers.userId });
  return rows.length > 0;
}

/**
 * The team of each engagement: user ids in the order they joined (then by id), keyed by
 * engagement id; an engagement without members is absent.
 */
export async function getTeamsByEngagementIds(
  tx: Tx,
  { firmId, engagementIds }: { firmId: string; engagementIds: readonly string[] },
): Promise<Map<string, string[]>> {
  const teams = new Map<string, string[]>();
  if (engagementIds.length === 0) return teams;
  const rows = await tx
    .select({ engagementId: engagementTeamMembers.engagementId, userId: engagementTeamMembers.userId })
    .from(engagementTeamMembers)
    .where(
      and(eq(engagementTeamMembers.firmId, firmId), inArray(engagementTeamMembers.engagementId, [...engagementIds])),
    )
    .orderBy(asc(engagementTeamMembers.createdAt), asc(engagementTeamMembers.userId));
  for (const { engagementId, userId } of rows) teams.set(engagementId, [...(teams.get(engagementId) ?? []), userId]);
  return teams;
}

/**
 * The ids among `userIds` that are enabled staff of the transaction's firm, through
 * `tenancy.firm_members` (migration 0012: the one crossing crm has into tenancy's memberships;
 * it answers for `app.firm_id` only and reads at most 1000 ids).
 */
export async function getFirmStaffIds(tx: Tx, { userIds }: { userIds: readonly string[] }): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = (await tx.execute(sql`select user_id from tenancy.firm_members(${uuidArray(userIds)})`)) as unknown as {
    user_id: string;
  }[];
  return new Set(rows.map((row) => row.user_id));
}
