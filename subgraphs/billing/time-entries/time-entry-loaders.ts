import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { TimeEntryRow } from '../../../db/schema/time.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getTimeEntriesByIds, getTimeSettings, type TimeSettings } from './time-entry-store.ts';

/** Per-request loaders of the time entries module. */
export interface TimeEntryLoaders {
  /** Time entry by id within the active firm; null for unknown and other firms' ids (not yet narrowed to the caller). */
  timeEntryById: DataLoader<string, TimeEntryRow | null>;
  /** The firm's time settings, by firm id (only the active firm's is ever asked for). */
  timeSettings: DataLoader<string, TimeSettings>;
}

/** Creates the request's loaders; each batch is one `withTenant` transaction. */
export function createTimeEntryLoaders({ actor, database }: { actor: Actor; database: Database }): TimeEntryLoaders {
  const firmId = actingFirmId(actor);
  return {
    timeEntryById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      fetch: (tx, ids) => getTimeEntriesByIds(tx, firmId!, ids),
    }),
    timeSettings: new DataLoader(async (firmIds) =>
      Promise.all(firmIds.map((id) => database.withTenant({ firmId: id }, (tx) => getTimeSettings(tx, id)))),
    ),
  };
}
