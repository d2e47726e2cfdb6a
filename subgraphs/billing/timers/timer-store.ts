import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { runningTimers } from '../../../db/schema/time.ts';
import type { RunningTimerModel } from './timer-model.ts';

/** The row's columns and the whole seconds since `started_at` by the database clock (`now()`, never negative). */
const timerColumns = {
  firmId: runningTimers.firmId,
  userId: runningTimers.userId,
  engagementId: runningTimers.engagementId,
  serviceId: runningTimers.serviceId,
  description: runningTimers.description,
  startedAt: runningTimers.startedAt,
  elapsedSeconds: sql<number>`greatest(0, floor(extract(epoch from (now() - ${runningTimers.startedAt}))))::int`,
};

/**
 * Serializes every change to one user's timer in one firm for the rest of the transaction (a
 * transaction-level advisory lock, released at commit or rollback). A row lock cannot do it: when no
 * timer runs there is no row to lock, and two starts would both insert. With this lock the second of
 * two concurrent starts waits, then sees the first's committed timer and stops it.
 */
export async function lockUserTimer(tx: Tx, { firmId, userId }: { firmId: string; userId: string }): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`timer:${firmId}:${userId}`}, 0))`);
}

/** The user's running timer in the firm, or null. */
export async function getRunningTimer(
  tx: Tx,
  { firmId, userId }: { firmId: string; userId: string },
): Promise<RunningTimerModel | null> {
  const [row] = await tx
    .select(timerColumns)
    .from(runningTimers)
    .where(and(eq(runningTimers.firmId, firmId), eq(runningTimers.userId, userId)));
  return row ?? null;
}

/**
 * Inserts the user's timer, started now by the database clock, and returns it. The primary key
 * (firm, user) refuses a second; callers hold `lockUserTimer` and have deleted any previous one.
 */
export async function insertRunningTimer(
  tx: Tx,
  timer: { firmId: string; userId: string; engagementId: string; serviceId: string; description: string | null },
): Promise<RunningTimerModel> {
  const [row] = await tx.insert(runningTimers).values(timer).returning();
  return { ...row!, elapsedSeconds: 0 };
}

/** Deletes the user's timer; true when there was one. */
export async function deleteRunningTimer(
  tx: Tx,
  { firmId, userId }: { firmId: string; userId: string },
): Promise<boolean> {
  const deleted = await tx
    .delete(runningTimers)
    .where(and(eq(runningTimers.firmId, firmId), eq(runningTimers.userId, userId)))
    .returning({ userId: runningTimers.userId });
  return deleted.length > 0;
}

/** The date (`YYYY-MM-DD`) `instant` falls on in `timeZone` (an IANA name PostgreSQL knows). */
export async function dateIn(tx: Tx, instant: Date, timeZone: string): Promise<string> {
  const [row] = (await tx.execute(
    sql`select ((${instant.toISOString()}::timestamptz) at time zone ${timeZone})::date::text as day`,
  )) as unknown as [{ day: string }];
  return row.day;
}
