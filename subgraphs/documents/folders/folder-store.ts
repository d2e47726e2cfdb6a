import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import { documentFolders, type FolderRow } from '../../../db/schema/documents.ts';
import { newId } from '../../../platform/ids.ts';

const f = documentFolders;

/** The name every client's drop folder has. */
const FROM_CLIENT_FOLDER_NAME = 'From client';

/** The firm's folders with these ids; unknown ids are absent. */
export async function getFoldersByIds(
  tx: Tx,
  { firmId, folderIds }: { firmId: string; folderIds: readonly string[] },
): Promise<FolderRow[]> {
  return tx
    .select()
    .from(f)
    .where(and(eq(f.firmId, firmId), inArray(f.id, [...folderIds])));
}

/**
 * The child folders of each parent (a folder id, or a client id for the client's top level), by
 * name. @param byClient parents are client ids (top-level folders) instead of folder ids.
 * @param portalOnly only folders shared with the portal, and the `From client` folder.
 */
export async function getChildFolders(
  tx: Tx,
  {
    firmId,
    parentIds,
    byClient,
    portalOnly,
  }: { firmId: string; parentIds: readonly string[]; byClient: boolean; portalOnly: boolean },
): Promise<FolderRow[]> {
  return tx
    .select()
    .from(f)
    .where(
      and(
        eq(f.firmId, firmId),
        byClient ? and(inArray(f.clientId, [...parentIds]), isNull(f.parentId)) : inArray(f.parentId, [...parentIds]),
        portalOnly ? sql`(${f.sharedWithPortal} or ${f.kind} = 'FROM_CLIENT')` : undefined,
      ),
    )
    .orderBy(asc(f.name), asc(f.id));
}

/** Inserts a folder; null when a sibling already has the name (`folders_sibling_name_key`). */
export async function insertFolder(tx: Tx, value: typeof documentFolders.$inferInsert): Promise<FolderRow | null> {
  const [row] = await tx.insert(f).values(value).onConflictDoNothing().returning();
  return row ?? null;
}

/** True when a sibling of the place (`clientId`, `parentId`) other than `exceptId` is named `name`. */
export async function folderNameTaken(
  tx: Tx,
  {
    firmId,
    clientId,
    parentId,
    name,
    exceptId,
  }: { firmId: string; clientId: string; parentId: string | null; name: string; exceptId?: string },
): Promise<boolean> {
  const [row] = await tx
    .select({ id: f.id })
    .from(f)
    .where(
      and(
        eq(f.firmId, firmId),
        eq(f.clientId, clientId),
        parentId ? eq(f.parentId, parentId) : isNull(f.parentId),
        eq(f.name, name),
        exceptId ? sql`${f.id} <> ${exceptId}` : undefined,
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** Changes a folder and returns it. */
export async function updateFolder(
  tx: Tx,
  { firmId, folderId }: { firmId: string; folderId: string },
  patch: Partial<Pick<FolderRow, 'name' | 'sharedWithPortal'>>,
): Promise<FolderRow> {
  const [row] = await tx
    .update(f)
    .set(patch)
    .where(and(eq(f.firmId, firmId), eq(f.id, folderId)))
    .returning();
  return row!;
}

/** The client's `From client` folder, made on first use (one per client: `folders_one_from_client_idx`). */
export async function ensureFromClientFolder(
  tx: Tx,
  { firmId, clientId }: { firmId: string; clientId: string },
): Promise<FolderRow> {
  await tx
    .insert(f)
    .values({ firmId, id: newId(), clientId, parentId: null, name: FROM_CLIENT_FOLDER_NAME, kind: 'FROM_CLIENT' })
    .onConflictDoNothing();
  const [row] = await tx
    .select()
    .from(f)
    .where(and(eq(f.firmId, firmId), eq(f.clientId, clientId), eq(f.kind, 'FROM_CLIENT')));
  return row!;
}
