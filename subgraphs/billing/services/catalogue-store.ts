import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { engagementArrangements, engagementServiceLines, services, type ServiceRow } from '../../../db/schema/time.ts';
import { isUniqueViolation } from '../../../platform/pg-errors.ts';

/** The firm's services by name (case-insensitive order), retired ones only when asked. */
export async function listServices(
  tx: Tx,
  { firmId, includeInactive }: { firmId: string; includeInactive: boolean },
): Promise<ServiceRow[]> {
  const conditions = [eq(services.firmId, firmId)];
  if (!includeInactive) conditions.push(eq(services.active, true));
  return tx
    .select()
    .from(services)
    .where(and(...conditions))
    .orderBy(asc(services.nameKey), asc(services.id));
}

/** The firm's services with these ids; unknown and other firms' ids are absent. */
export async function getServicesByIds(tx: Tx, firmId: string, ids: readonly string[]): Promise<ServiceRow[]> {
  if (ids.length === 0) return [];
  return tx
    .select()
    .from(services)
    .where(and(eq(services.firmId, firmId), inArray(services.id, [...ids])));
}

/** Inserts a service; null when the firm already has one of that name (ignoring case). */
export async function insertService(
  tx: Tx,
  row: Pick<ServiceRow, 'firmId' | 'id' | 'name' | 'billingType'>,
): Promise<ServiceRow | null> {
  try {
    return await tx.transaction(async (savepoint) => {
      const [created] = await savepoint.insert(services).values(row).returning();
      return created!;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'services_firm_name_key')) return null;
    throw error;
  }
}

/** The service locked for update, or null. */
export async function getServiceForUpdate(tx: Tx, firmId: string, id: string): Promise<ServiceRow | null> {
  const [row] = await tx
    .select()
    .from(services)
    .where(and(eq(services.firmId, firmId), eq(services.id, id)))
    .for('update');
  return row ?? null;
}

/** Applies a patch to a service; null when the new name is taken. */
export async function updateServiceRow(
  tx: Tx,
  firmId: string,
  id: string,
  patch: Partial<Pick<ServiceRow, 'name' | 'billingType' | 'active'>>,
): Promise<ServiceRow | null> {
  try {
    return await tx.transaction(async (savepoint) => {
      const [row] = await savepoint
        .update(services)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(and(eq(services.firmId, firmId), eq(services.id, id)))
        .returning();
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'services_firm_name_key')) return null;
    throw error;
  }
}

/** One engagement's stored arrangement and service lines. */
export interface ArrangementRecord {
  arrangement: (typeof engagementArrangements.$inferSelect)['arrangement'];
  serviceLines: { serviceId: string; billingType: (typeof engagementServiceLines.$inferSelect)['billingType'] }[];
}

/** The stored arrangements of these engagements; engagements without a row are absent. */
export async function getArrangements(
  tx: Tx,
  firmId: string,
  engagementIds: readonly string[],
): Promise<Map<string, ArrangementRecord>> {
  const ids = [...engagementIds];
  const [heads, lines] = await Promise.all([
    tx
      .select()
      .from(engagementArrangements)
      .where(and(eq(engagementArrangements.firmId, firmId), inArray(engagementArrangements.engagementId, ids))),
    tx
      .select()
      .from(engagementServiceLines)
      .where(and(eq(engagementServiceLines.firmId, firmId), inArray(engagementServiceLines.engagementId, ids)))
      .orderBy(asc(engagementServiceLines.serviceId)),
  ]);
  const byId = new Map<string, ArrangementRecord>(
    heads.map((head) => [head.engagementId, { arrangement: head.arrangement, serviceLines: [] }]),
  );
  for (const line of lines) {
    byId.get(line.engagementId)?.serviceLines.push({ serviceId: line.serviceId, billingType: line.billingType });
  }
  return byId;
}

/** Replaces an engagement's arrangement and service lines. */
export async function replaceArrangement(
  tx: Tx,
  firmId: string,
  engagementId: string,
  record: ArrangementRecord,
): Promise<void> {
  await tx
    .insert(engagementArrangements)
    .values({ firmId, engagementId, arrangement: record.arrangement })
    .onConflictDoUpdate({
      target: [engagementArrangements.firmId, engagementArrangements.engagementId],
      set: { arrangement: record.arrangement, updatedAt: sql`now()` },
    });
  await tx
    .delete(engagementServiceLines)
    .where(and(eq(engagementServiceLines.firmId, firmId), eq(engagementServiceLines.engagementId, engagementId)));
  if (record.serviceLines.length > 0) {
    await tx
      .insert(engagementServiceLines)
      .values(record.serviceLines.map((line) => ({ firmId, engagementId, ...line })));
  }
}
