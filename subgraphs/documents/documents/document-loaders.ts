import type DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import { documentRecords, type DocumentRow } from '../../../db/schema/documents.ts';
import { childConnectionLoaders } from '../../../platform/child-pages.ts';
import type { Connection, PageArgs } from '../../../platform/relay.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getDocumentsByIds } from './document-store.ts';

/** Per-request loaders of the documents subgraph. */
export interface DocumentLoaders {
  /** Document by id within the active firm; null for unknown ids and other firms' ids. */
  documentById: DataLoader<string, DocumentRow | null>;
  /** A client's documents, newest first, one loader per page arguments. */
  documentsByClient: (args: PageArgs, countOnly: boolean) => DataLoader<string, Connection<DocumentRow>>;
}

/** Creates the request's loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createDocumentLoaders({ actor, database }: { actor: Actor; database: Database }): DocumentLoaders {
  const firmId = actingFirmId(actor);
  return {
    documentById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      fetch: (tx, ids) => getDocumentsByIds(tx, { firmId: firmId!, documentIds: ids }),
    }),
    documentsByClient: childConnectionLoaders<DocumentRow>({
      database,
      firmId,
      table: documentRecords,
      parentColumn: documentRecords.clientId,
    }),
  };
}
