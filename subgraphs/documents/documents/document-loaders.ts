import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { DocumentVersionRow, FolderRow } from '../../../db/schema/documents.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getChildFolders, getFoldersByIds } from '../folders/folder-store.ts';
import {
  getDocumentsByIds,
  getVersionsByDocumentIds,
  getVersionsByIds,
  portalVisibleSql,
  type DocumentModel,
} from './document-store.ts';
import { and, isNull } from 'drizzle-orm';
import { documentRecords } from '../../../db/schema/documents.ts';
import { childConnectionLoaders } from '../../../platform/child-pages.ts';
import type { Connection, PageArgs } from '../../../platform/relay.ts';

/** Per-request loaders of the documents subgraph. */
export interface DocumentLoaders {
  /** Document by id within the active firm (deleted ones too); null for unknown ids and other firms' ids. */
  documentById: DataLoader<string, DocumentModel | null>;
  /** A document's versions, newest first. */
  versionsByDocument: DataLoader<string, DocumentVersionRow[]>;
  /** Version by id within the active firm; null for unknown ids and other firms' ids. */
  versionById: DataLoader<string, DocumentVersionRow | null>;
  /** Folder by id within the active firm; null for unknown ids and other firms' ids. */
  folderById: DataLoader<string, FolderRow | null>;
  /** Subfolders by parent folder id, by name; for a portal actor only the ones it may see. */
  foldersByParent: DataLoader<string, FolderRow[]>;
  /** Top-level folders by client id, by name; for a portal actor only the ones it may see. */
  foldersByClient: DataLoader<string, FolderRow[]>;
  /**
   * A client's live documents, newest first, one loader per page arguments, every client of a
   * batch in one statement (`childConnectionLoaders`); for a portal actor only the ones it may see.
   */
  documentsByClient: (args: PageArgs, countOnly: boolean) => DataLoader<string, Connection<DocumentModel>>;
}

/** Groups `rows` by `keyOf` in `keys` order; keys without rows get empty lists. */
function groupBy<T>(keys: readonly string[], rows: readonly T[], keyOf: (row: T) => string | null): T[][] {
  const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row) ?? '')?.push(row);
  return keys.map((key) => groups.get(key)!);
}

/** Creates the request's loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createDocumentLoaders({ actor, database }: { actor: Actor; database: Database }): DocumentLoaders {
  const firmId = actingFirmId(actor);
  const scope = firmId ? { firmId } : null;
  const portalOnly = actor.kind === 'PORTAL';
  const listLoader = <T>(
    fetch: (firmId: string, keys: readonly string[]) => Promise<T[]>,
    keyOf: (row: T) => string | null,
  ) =>
    new DataLoader<string, T[]>(async (keys) =>
      firmId ? groupBy(keys, await fetch(firmId, keys), keyOf) : keys.map(() => []),
    );
  return {
    documentsByClient: childConnectionLoaders<DocumentModel>({
      database,
      firmId,
      table: documentRecords,
      parentColumn: documentRecords.clientId,
      where: and(isNull(documentRecords.deletedAt), portalOnly ? portalVisibleSql : undefined),
      computed: { portalVisible: portalVisibleSql.as('portalVisible') },
    }),
    documentById: rowsByIdLoader({
      database,
      scope,
      fetch: (tx, ids) => getDocumentsByIds(tx, { firmId: firmId!, documentIds: ids }),
    }),
    versionsByDocument: listLoader(
      (firm, documentIds) =>
        database.withTenant({ firmId: firm }, (tx) => getVersionsByDocumentIds(tx, { firmId: firm, documentIds })),
      (version) => version.documentId,
    ),
    versionById: rowsByIdLoader({
      database,
      scope,
      fetch: (tx, ids) => getVersionsByIds(tx, { firmId: firmId!, versionIds: ids }),
    }),
    folderById: rowsByIdLoader({
      database,
      scope,
      fetch: (tx, ids) => getFoldersByIds(tx, { firmId: firmId!, folderIds: ids }),
    }),
    foldersByParent: listLoader(
      (firm, parentIds) =>
        database.withTenant({ firmId: firm }, (tx) =>
          getChildFolders(tx, { firmId: firm, parentIds, byClient: false, portalOnly }),
        ),
      (folder) => folder.parentId,
    ),
    foldersByClient: listLoader(
      (firm, clientIds) =>
        database.withTenant({ firmId: firm }, (tx) =>
          getChildFolders(tx, { firmId: firm, parentIds: clientIds, byClient: true, portalOnly }),
        ),
      (folder) => folder.clientId,
    ),
  };
}
