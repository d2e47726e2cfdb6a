import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { AccountRow, JournalEntryRow, JournalLineRow } from '../../../db/schema/ledger.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getAccountsByIds, getJournalEntriesByIds, getJournalLines } from './ledger-store.ts';

/** Per-request loaders of the ledger module. */
export interface LedgerLoaders {
  /** Account by id within the active firm; null for unknown ids and other firms' ids. */
  accountById: DataLoader<string, AccountRow | null>;
  /** Journal entry by id within the active firm; null for unknown ids and other firms' ids. */
  journalEntryById: DataLoader<string, JournalEntryRow | null>;
  /** A journal entry's lines by line number (empty for unknown ids). */
  journalLinesByEntry: DataLoader<string, JournalLineRow[]>;
}

/** Creates the request's ledger loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createLedgerLoaders({ actor, database }: { actor: Actor; database: Database }): LedgerLoaders {
  const firmId = actingFirmId(actor);
  const scope = firmId ? { firmId } : null;
  return {
    accountById: rowsByIdLoader({
      database,
      scope,
      fetch: (tx, ids) => getAccountsByIds(tx, { firmId: firmId!, ids }),
    }),
    journalEntryById: rowsByIdLoader({
      database,
      scope,
      fetch: (tx, ids) => getJournalEntriesByIds(tx, { firmId: firmId!, ids }),
    }),
    journalLinesByEntry: new DataLoader(async (entryIds) => {
      const byEntry = new Map(entryIds.map((id) => [id, [] as JournalLineRow[]]));
      if (firmId) {
        const lines = await database.withTenant({ firmId }, (tx) => getJournalLines(tx, { firmId, entryIds }));
        for (const line of lines) byEntry.get(line.entryId)?.push(line);
      }
      return entryIds.map((id) => byEntry.get(id)!);
    }),
  };
}
