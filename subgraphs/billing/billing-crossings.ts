import { sql } from 'drizzle-orm';
import { uuidArray, type Tx } from '../../db/client.ts';
import type { RoleValue } from '../../db/schema/tenancy.ts';

// What billing reads of other subgraphs' schemas, each through a named SECURITY DEFINER crossing
// (migration 0012; README "Database roles"). Each answers for the transaction's firm only.

/** What billing needs of an engagement to record, price and approve time on it. */
export type EngagementForTime = {
  engagementId: string;
  clientId: string;
  /** The client's billing currency (ISO 4217). */
  currency: string;
  status: 'DRAFT' | 'ACTIVE' | 'ON_HOLD' | 'COMPLETED' | 'CANCELLED';
  managerUserId: string;
  /** Whether the user passed to `engagementsForTime` is on the engagement's team (false for none). */
  onTeam: boolean;
};

/**
 * The firm's engagements among `engagementIds` (at most 1000; other firms' and unknown ids are
 * absent), by id, with whether `userId` is on each team (`crm.engagements_for_time`).
 */
export async function engagementsForTime(
  tx: Tx,
  engagementIds: readonly string[],
  userId: string | null,
): Promise<Map<string, EngagementForTime>> {
  if (engagementIds.length === 0) return new Map();
  const rows = await tx.execute<EngagementForTime>(
    sql`select engagement_id as "engagementId", client_id as "clientId", currency, status,
          manager_user_id as "managerUserId", on_team as "onTeam"
        from crm.engagements_for_time(${uuidArray(engagementIds)}, ${userId}::uuid)`,
  );
  return new Map(rows.map((row) => [row.engagementId, row]));
}

/** The firm's enabled staff among `userIds` (at most 1000), with their roles (`tenancy.firm_members`). */
export async function firmMembers(tx: Tx, userIds: readonly string[]): Promise<Map<string, RoleValue>> {
  if (userIds.length === 0) return new Map();
  const rows = await tx.execute<{ userId: string; role: RoleValue }>(
    sql`select user_id as "userId", role from tenancy.firm_members(${uuidArray(userIds)})`,
  );
  return new Map(rows.map((row) => [row.userId, row.role]));
}

/** The billing currency of the firm's clients among `clientIds` (at most 1000; `crm.client_currencies`). */
export async function clientCurrencies(tx: Tx, clientIds: readonly string[]): Promise<Map<string, string>> {
  if (clientIds.length === 0) return new Map();
  const rows = await tx.execute<{ clientId: string; currency: string }>(
    sql`select client_id as "clientId", currency from crm.client_currencies(${uuidArray(clientIds)})`,
  );
  return new Map(rows.map((row) => [row.clientId, row.currency]));
}

/** The names of the firm's staff among `userIds` (at most 1000), printed on per-staff invoice lines (`tenancy.member_names_for_billing`). */
export async function firmMemberNames(tx: Tx, userIds: readonly string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await tx.execute<{ userId: string; name: string }>(
    sql`select user_id as "userId", name from tenancy.member_names_for_billing(${uuidArray(userIds)})`,
  );
  return new Map(rows.map((row) => [row.userId, row.name]));
}
