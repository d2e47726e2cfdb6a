import type DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { ClientRow } from '../../../db/schema/crm.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { portalReaches } from '../../../platform/portal.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getClientsByIds } from './client-store.ts';

/** Per-request loaders of the crm subgraph. */
export interface ClientLoaders {
  /**
   * Client by id within the active firm; null for unknown ids and for other firms' ids, and for a
   * portal session, for every client it was not granted.
   */
  clientById: DataLoader<string, ClientRow | null>;
}

/** Creates the request's loaders. Each batch is one `withTenant` transaction with one SELECT. */
export function createClientLoaders({ actor, database }: { actor: Actor; database: Database }): ClientLoaders {
  const firmId = actingFirmId(actor);
  return {
    clientById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      // A portal session's ungranted clients are never read (containment, README "Client portal").
      fetch: (tx, ids) =>
        getClientsByIds(tx, {
          firmId: firmId!,
          clientIds: actor.kind === 'PORTAL' ? ids.filter((id) => portalReaches(actor, id)) : ids,
        }),
    }),
  };
}
