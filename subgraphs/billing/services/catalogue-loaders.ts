import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { ServiceRow } from '../../../db/schema/time.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getArrangements, getServicesByIds, type ArrangementRecord } from './catalogue-store.ts';

/** Per-request loaders of the services module. */
export interface CatalogueLoaders {
  /** Service by id within the active firm; null for unknown and other firms' ids. */
  serviceById: DataLoader<string, ServiceRow | null>;
  /** An engagement's stored arrangement, or null when none was set (or no such engagement). */
  arrangementByEngagement: DataLoader<string, ArrangementRecord | null>;
}

/** Creates the request's loaders; each batch is one `withTenant` transaction. */
export function createCatalogueLoaders({ actor, database }: { actor: Actor; database: Database }): CatalogueLoaders {
  const firmId = actingFirmId(actor);
  return {
    serviceById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      fetch: (tx, ids) => getServicesByIds(tx, firmId!, ids),
    }),
    arrangementByEngagement: new DataLoader(async (ids) => {
      if (!firmId) return ids.map(() => null);
      const byId = await database.withTenant({ firmId }, (tx) => getArrangements(tx, firmId, ids));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
