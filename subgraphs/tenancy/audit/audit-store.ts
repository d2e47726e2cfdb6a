import { and, count, desc, eq, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { auditLog, type AuditLogRow } from '../../../db/schema/audit.ts';
import { firms, sessions, type FirmRow } from '../../../db/schema/tenancy.ts';

/** Conditions of an audit log page, already validated by the service. */
export interface AuditLogConditions {
  firmId: string;
  /** A dotted action without a trailing dot; matches itself and everything below it. */
  actionPrefix: string | null;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  occurredFrom: Date | null;
  occurredBefore: Date | null;
}

/** What `tenancy.verify_audit_log` found. */
export interface AuditChainCheck {
  checkedCount: number;
  /** Null when the chain is intact. */
  firstBrokenSeq: bigint | null;
  firstBrokenEntryId: string | null;
  reason: string | null;
}

function conditions(c: AuditLogConditions): SQL | undefined {
  return and(
    eq(auditLog.firmId, c.firmId),
    c.actionPrefix !== null
      ? or(
          eq(auditLog.action, c.actionPrefix),
          eq(sql`left(${auditLog.action}, ${c.actionPrefix.length + 1})`, `${c.actionPrefix}.`),
        )
      : undefined,
    c.actorId !== null ? eq(auditLog.actorId, c.actorId) : undefined,
    c.targetType !== null ? eq(auditLog.targetType, c.targetType) : undefined,
    c.targetId !== null ? eq(auditLog.targetId, c.targetId) : undefined,
    c.occurredFrom !== null ? gte(auditLog.occurredAt, c.occurredFrom) : undefined,
    c.occurredBefore !== null ? lt(auditLog.occurredAt, c.occurredBefore) : undefined,
  );
}

/** Up to `limit` records matching `c`, newest (highest seq) first, older than `beforeSeq` when given. */
export async function listAuditEntries(
  tx: Tx,
  c: AuditLogConditions & { beforeSeq: bigint | null; limit: number },
): Promise<AuditLogRow[]> {
  return tx
    .select()
    .from(auditLog)
    .where(and(conditions(c), c.beforeSeq !== null ? lt(auditLog.seq, c.beforeSeq) : undefined))
    .orderBy(desc(auditLog.seq))
    .limit(c.limit);
}

/** How many records match `c`. Reads every matching index entry: only when the client asks. */
export async function countAuditEntries(tx: Tx, c: AuditLogConditions): Promise<number> {
  const [row] = await tx.select({ value: count() }).from(auditLog).where(conditions(c));
  return row?.value ?? 0;
}

/** Recomputes the firm's chain in the database (`tenancy.verify_audit_log`, migration 0003). */
export async function verifyAuditChain(tx: Tx, { firmId }: { firmId: string }): Promise<AuditChainCheck> {
  const [row] = (await tx.execute(sql`
    select checked_count::int as "checkedCount", first_broken_seq::text as "firstBrokenSeq",
           first_broken_id as "firstBrokenEntryId", reason
    from tenancy.verify_audit_log(${firmId})
  `)) as unknown as [
    { checkedCount: number; firstBrokenSeq: string | null; firstBrokenEntryId: string | null; reason: string | null },
  ];
  return { ...row, firstBrokenSeq: row.firstBrokenSeq === null ? null : BigInt(row.firstBrokenSeq) };
}

/** The firm's current audit retention in days, locking the firm row until the transaction ends. */
export async function getAuditRetentionForUpdate(tx: Tx, { firmId }: { firmId: string }): Promise<number | undefined> {
  const [row] = await tx
    .select({ days: firms.auditRetentionDays })
    .from(firms)
    .where(eq(firms.id, firmId))
    .for('update');
  return row?.days;
}

/** Sets the firm's audit retention (30-36500 days, also a CHECK constraint). */
export async function setAuditRetention(
  tx: Tx,
  { firmId, retentionDays }: { firmId: string; retentionDays: number },
): Promise<FirmRow> {
  const [firm] = await tx
    .update(firms)
    .set({ auditRetentionDays: retentionDays })
    .where(eq(firms.id, firmId))
    .returning();
  return firm!;
}

/**
 * Drops the firm's records past its retention and appends the `audit.prune` record of the run
 * (`tenancy.prune_audit_log`, the only way past the delete-refusing trigger).
 * @param entryId the UUIDv7 of the `audit.prune` record. @returns how many records were dropped.
 */
export async function pruneAuditEntries(
  tx: Tx,
  { firmId, entryId, requestId }: { firmId: string; entryId: string; requestId: string },
): Promise<number> {
  const [row] = (await tx.execute(
    sql`select tenancy.prune_audit_log(${firmId}, ${entryId}, ${requestId})::int as pruned`,
  )) as unknown as [{ pruned: number }];
  return row.pruned;
}

/** The user and active firm of a session, whatever its state (for auditing refresh-token reuse). */
export async function findSessionOwner(
  tx: Tx,
  { sessionId }: { sessionId: string },
): Promise<{ userId: string; activeFirmId: string | null } | undefined> {
  const [row] = await tx
    .select({ userId: sessions.userId, activeFirmId: sessions.activeFirmId })
    .from(sessions)
    .where(eq(sessions.id, sessionId));
  return row;
}
