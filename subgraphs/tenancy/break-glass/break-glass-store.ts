import { and, count, desc, eq, getTableColumns, gt, isNull, lte, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Tx } from '../../../db/client.ts';
import {
  breakGlassGrants,
  operatorSessions,
  platformOperators,
  type BreakGlassGrantRow,
  type PlatformOperatorRow,
} from '../../../db/schema/break-glass.ts';
import { firms } from '../../../db/schema/tenancy.ts';
import type { BreakGlassGrantModel } from './break-glass-model.ts';

/** The operator with this (lower-cased) email, or undefined. */
export async function findOperatorByEmail(
  tx: Tx,
  { email }: { email: string },
): Promise<PlatformOperatorRow | undefined> {
  const [row] = await tx.select().from(platformOperators).where(eq(platformOperators.email, email));
  return row;
}

/** Inserts an operator. @throws the unique violation `platform_operators_email_unique` when the email is taken. */
export async function insertOperator(
  tx: Tx,
  values: typeof platformOperators.$inferInsert,
): Promise<PlatformOperatorRow> {
  const [row] = await tx.insert(platformOperators).values(values).returning();
  return row!;
}

/** Inserts an operator session. */
export async function insertOperatorSession(tx: Tx, values: typeof operatorSessions.$inferInsert): Promise<void> {
  await tx.insert(operatorSessions).values(values);
}

/** Revokes an operator session. @returns false when it was already revoked. */
export async function revokeOperatorSession(tx: Tx, { sessionId }: { sessionId: string }): Promise<boolean> {
  const rows = await tx
    .update(operatorSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(operatorSessions.id, sessionId), isNull(operatorSessions.revokedAt)))
    .returning({ id: operatorSessions.id });
  return rows.length > 0;
}

/** The session's expiry when it is unrevoked, unexpired and belongs to this enabled operator; else undefined. */
export async function findLiveOperatorSession(
  tx: Tx,
  { sessionId, operatorId }: { sessionId: string; operatorId: string },
): Promise<{ expiresAt: Date } | undefined> {
  const [row] = await tx
    .select({ expiresAt: operatorSessions.expiresAt })
    .from(operatorSessions)
    .innerJoin(platformOperators, eq(platformOperators.id, operatorSessions.operatorId))
    .where(
      and(
        eq(operatorSessions.id, sessionId),
        eq(operatorSessions.operatorId, operatorId),
        isNull(operatorSessions.revokedAt),
        gt(operatorSessions.expiresAt, sql`now()`),
        isNull(platformOperators.disabledAt),
      ),
    );
  return row;
}

/** True when the firm exists (read under its own tenant scope). */
export async function firmExists(tx: Tx, { firmId }: { firmId: string }): Promise<boolean> {
  const rows = await tx.select({ id: firms.id }).from(firms).where(eq(firms.id, firmId));
  return rows.length > 0;
}

/** Inserts a grant in the transaction's firm. */
export async function insertGrant(tx: Tx, values: typeof breakGlassGrants.$inferInsert): Promise<void> {
  await tx.insert(breakGlassGrants).values(values);
}

/** The grant, locked for update, or undefined. */
export async function findGrantForUpdate(
  tx: Tx,
  { firmId, grantId }: { firmId: string; grantId: string },
): Promise<BreakGlassGrantRow | undefined> {
  const [row] = await tx
    .select()
    .from(breakGlassGrants)
    .where(and(eq(breakGlassGrants.firmId, firmId), eq(breakGlassGrants.id, grantId)))
    .for('update');
  return row;
}

/** Updates a grant's approval, window or revocation. */
export async function updateGrant(
  tx: Tx,
  { firmId, grantId }: { firmId: string; grantId: string },
  values: Partial<
    Pick<BreakGlassGrantRow, 'approvedByOperatorId' | 'approvedAt' | 'startsAt' | 'expiresAt' | 'revokedAt'>
  >,
): Promise<void> {
  await tx
    .update(breakGlassGrants)
    .set(values)
    .where(and(eq(breakGlassGrants.firmId, firmId), eq(breakGlassGrants.id, grantId)));
}

/**
 * The grant's expiry when it is live for this operator right now: started, unexpired, unrevoked
 * (design: `starts_at <= now() < expires_at`). @returns undefined otherwise.
 */
export async function findLiveGrant(
  tx: Tx,
  { firmId, grantId, operatorId }: { firmId: string; grantId: string; operatorId: string },
): Promise<{ expiresAt: Date } | undefined> {
  const [row] = await tx
    .select({ expiresAt: breakGlassGrants.expiresAt })
    .from(breakGlassGrants)
    .where(
      and(
        eq(breakGlassGrants.firmId, firmId),
        eq(breakGlassGrants.id, grantId),
        eq(breakGlassGrants.operatorId, operatorId),
        isNull(breakGlassGrants.revokedAt),
        lte(breakGlassGrants.startsAt, sql`now()`),
        gt(breakGlassGrants.expiresAt, sql`now()`),
      ),
    );
  return row ? { expiresAt: row.expiresAt! } : undefined;
}

const requester = alias(platformOperators, 'requester');
const approver = alias(platformOperators, 'approver');

/** Grants of a firm with their operators, newest first, keyed by (requested_at, id) descending; or one grant by id. */
export async function listGrants(
  tx: Tx,
  {
    firmId,
    after,
    limit,
    grantId,
  }: { firmId: string; after?: readonly [string, string] | null; limit: number; grantId?: string },
): Promise<BreakGlassGrantModel[]> {
  const conditions = [eq(breakGlassGrants.firmId, firmId)];
  if (grantId) conditions.push(eq(breakGlassGrants.id, grantId));
  if (after)
    conditions.push(
      sql`(${breakGlassGrants.requestedAt}, ${breakGlassGrants.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`,
    );
  const rows = await tx
    .select({
      ...getTableColumns(breakGlassGrants),
      operatorName: requester.name,
      operatorEmail: requester.email,
      approverName: approver.name,
      approverEmail: approver.email,
    })
    .from(breakGlassGrants)
    .innerJoin(requester, eq(requester.id, breakGlassGrants.operatorId))
    .leftJoin(approver, eq(approver.id, breakGlassGrants.approvedByOperatorId))
    .where(and(...conditions))
    .orderBy(desc(breakGlassGrants.requestedAt), desc(breakGlassGrants.id))
    .limit(limit + 1);
  return rows.map(({ operatorName, operatorEmail, approverName, approverEmail, ...grant }) => ({
    ...grant,
    operator: { id: grant.operatorId, name: operatorName, email: operatorEmail },
    approvedBy:
      grant.approvedByOperatorId && approverName && approverEmail
        ? { id: grant.approvedByOperatorId, name: approverName, email: approverEmail }
        : null,
  }));
}

/** Number of grants ever requested on a firm. */
export async function countGrants(tx: Tx, { firmId }: { firmId: string }): Promise<number> {
  const [row] = await tx.select({ count: count() }).from(breakGlassGrants).where(eq(breakGlassGrants.firmId, firmId));
  return row?.count ?? 0;
}
