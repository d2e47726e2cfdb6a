import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { documentRecords, type DocumentRow } from '../../../db/schema/documents.ts';

/** The firm's documents with these ids; unknown ids are simply absent. */
export async function getDocumentsByIds(
  tx: Tx,
  { firmId, documentIds }: { firmId: string; documentIds: readonly string[] },
): Promise<DocumentRow[]> {
  return tx
    .select()
    .from(documentRecords)
    .where(and(eq(documentRecords.firmId, firmId), inArray(documentRecords.id, [...documentIds])));
}

/** Inserts document records (used by the seed until uploads land) and returns the stored rows. */
export async function insertDocuments(tx: Tx, values: (typeof documentRecords.$inferInsert)[]): Promise<DocumentRow[]> {
  return values.length === 0 ? [] : tx.insert(documentRecords).values(values).returning();
}
