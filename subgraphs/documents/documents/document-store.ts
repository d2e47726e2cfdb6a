import { and, asc, desc, eq, getTableColumns, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import {
  documentFolders,
  documentRecords,
  documentUploads,
  documentVersions,
  type DocumentRow,
  type DocumentVersionRow,
  type UploadRow,
} from '../../../db/schema/documents.ts';
import type { PageRequest } from '../../../platform/relay.ts';

/** A document as the API reads it: its row and whether a portal user of its client may see it. */
export type DocumentModel = DocumentRow & { portalVisible: boolean };

const d = documentRecords;

/**
 * True when the portal may see the document: shared itself, or filed directly in a folder that is
 * shared or is the client's `From client` folder.
 */
export const portalVisibleSql: SQL<boolean> = sql<boolean>`(${d.sharedWithPortal} or exists (
  select 1 from ${documentFolders} f
  where f.firm_id = ${d.firmId} and f.id = ${d.folderId} and (f.shared_with_portal or f.kind = 'FROM_CLIENT')))`;

const documentColumns = { ...getTableColumns(d), portalVisible: portalVisibleSql };

/** The firm's documents with these ids, deleted ones included (`deletedAt` set); unknown ids are simply absent. */
export async function getDocumentsByIds(
  tx: Tx,
  { firmId, documentIds }: { firmId: string; documentIds: readonly string[] },
): Promise<DocumentModel[]> {
  return tx
    .select(documentColumns)
    .from(d)
    .where(and(eq(d.firmId, firmId), inArray(d.id, [...documentIds])));
}

/** Locks one document of the firm for a change (`FOR UPDATE`); null when absent. */
export async function lockDocument(
  tx: Tx,
  { firmId, documentId }: { firmId: string; documentId: string },
): Promise<DocumentRow | null> {
  const [row] = await tx
    .select()
    .from(d)
    .where(and(eq(d.firmId, firmId), eq(d.id, documentId)))
    .for('update');
  return row ?? null;
}

/**
 * One page of a client's (or a folder's) live documents, newest first, and their total count.
 * @param portalOnly only documents the portal may see (`portalVisibleSql`).
 */
export async function listDocuments(
  tx: Tx,
  {
    firmId,
    clientId,
    folderId,
    portalOnly,
    page,
  }: {
    firmId: string;
    clientId?: string;
    folderId?: string;
    portalOnly: boolean;
    page: PageRequest<readonly [string, string]>;
  },
): Promise<{ rows: DocumentModel[]; total: number }> {
  const where = and(
    eq(d.firmId, firmId),
    isNull(d.deletedAt),
    clientId ? eq(d.clientId, clientId) : undefined,
    folderId ? eq(d.folderId, folderId) : undefined,
    portalOnly ? portalVisibleSql : undefined,
  );
  const [rows, [count]] = await Promise.all([
    tx
      .select(documentColumns)
      .from(d)
      .where(
        page.cursor
          ? and(where, sql`(${d.createdAt}, ${d.id}) < (${page.cursor[0]}::timestamptz, ${page.cursor[1]}::uuid)`)
          : where,
      )
      .orderBy(desc(d.createdAt), desc(d.id))
      .limit(page.limit + 1),
    tx
      .select({ total: sql<number>`count(*)::int` })
      .from(d)
      .where(where),
  ]);
  return { rows, total: count!.total };
}

/** Inserts document records (the seed, and the first version of an upload) and returns the stored rows. */
export async function insertDocuments(tx: Tx, values: (typeof documentRecords.$inferInsert)[]): Promise<DocumentRow[]> {
  return values.length === 0 ? [] : tx.insert(documentRecords).values(values).returning();
}

/** Changes one document; returns the stored row. */
export async function updateDocument(
  tx: Tx,
  { firmId, documentId }: { firmId: string; documentId: string },
  patch: Partial<typeof documentRecords.$inferInsert>,
): Promise<DocumentRow> {
  const [row] = await tx
    .update(d)
    .set({ ...patch, updatedAt: sql`clock_timestamp()` })
    .where(and(eq(d.firmId, firmId), eq(d.id, documentId)))
    .returning();
  return row!;
}

/** True when the folder already holds a live document named `filename` (other than `exceptId`). */
export async function filenameTaken(
  tx: Tx,
  {
    firmId,
    clientId,
    folderId,
    filename,
    exceptId,
  }: { firmId: string; clientId: string; folderId: string | null; filename: string; exceptId?: string },
): Promise<boolean> {
  const [row] = await tx
    .select({ id: d.id })
    .from(d)
    .where(
      and(
        eq(d.firmId, firmId),
        eq(d.clientId, clientId),
        folderId ? eq(d.folderId, folderId) : isNull(d.folderId),
        eq(d.filename, filename),
        isNull(d.deletedAt),
        exceptId ? sql`${d.id} <> ${exceptId}` : undefined,
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** The versions of these documents, newest first per document. */
export async function getVersionsByDocumentIds(
  tx: Tx,
  { firmId, documentIds }: { firmId: string; documentIds: readonly string[] },
): Promise<DocumentVersionRow[]> {
  return tx
    .select()
    .from(documentVersions)
    .where(and(eq(documentVersions.firmId, firmId), inArray(documentVersions.documentId, [...documentIds])))
    .orderBy(asc(documentVersions.documentId), desc(documentVersions.versionNumber));
}

/** The firm's versions with these ids. */
export async function getVersionsByIds(
  tx: Tx,
  { firmId, versionIds }: { firmId: string; versionIds: readonly string[] },
): Promise<DocumentVersionRow[]> {
  return tx
    .select()
    .from(documentVersions)
    .where(and(eq(documentVersions.firmId, firmId), inArray(documentVersions.id, [...versionIds])));
}

/** The next version number of a document (1 + the highest); call with the document locked. */
export async function nextVersionNumber(tx: Tx, { firmId, documentId }: { firmId: string; documentId: string }) {
  const [row] = await tx
    .select({ next: sql<number>`coalesce(max(${documentVersions.versionNumber}), 0)::int + 1` })
    .from(documentVersions)
    .where(and(eq(documentVersions.firmId, firmId), eq(documentVersions.documentId, documentId)));
  return row!.next;
}

/** Inserts one version and returns it. */
export async function insertVersion(tx: Tx, value: typeof documentVersions.$inferInsert): Promise<DocumentVersionRow> {
  const [row] = await tx.insert(documentVersions).values(value).returning();
  return row!;
}

/** Inserts one requested upload and returns it. */
export async function insertUpload(tx: Tx, value: typeof documentUploads.$inferInsert): Promise<UploadRow> {
  const [row] = await tx.insert(documentUploads).values(value).returning();
  return row!;
}

/** Locks one upload of the firm (`FOR UPDATE`), so two completions of it cannot both add a version; null when absent. */
export async function lockUpload(tx: Tx, { firmId, uploadId }: { firmId: string; uploadId: string }) {
  const [row] = await tx
    .select()
    .from(documentUploads)
    .where(and(eq(documentUploads.firmId, firmId), eq(documentUploads.id, uploadId)))
    .for('update');
  return row ?? null;
}

/** Closes an upload: COMPLETED with its version, or FAILED / EXPIRED. */
export async function finishUpload(
  tx: Tx,
  { firmId, uploadId }: { firmId: string; uploadId: string },
  outcome: { status: 'COMPLETED' | 'FAILED' | 'EXPIRED'; versionId?: string },
): Promise<void> {
  await tx
    .update(documentUploads)
    .set({ status: outcome.status, versionId: outcome.versionId ?? null, finishedAt: sql`clock_timestamp()` })
    .where(and(eq(documentUploads.firmId, firmId), eq(documentUploads.id, uploadId)));
}

/**
 * Firm and upload ids of pending uploads of any firm that expired before `cutoff`, at most `max`,
 * through the owner-run `documents.expired_uploads` (migration 0019): the only cross-firm read.
 */
export async function expiredUploads(tx: Tx, { cutoff, max }: { cutoff: Date; max: number }) {
  const rows = await tx.execute<{ firm_id: string; id: string }>(
    sql`select firm_id, id from documents.expired_uploads(${cutoff.toISOString()}::timestamptz, ${max})`,
  );
  return [...rows].map((row) => ({ firmId: row.firm_id, uploadId: row.id }));
}
