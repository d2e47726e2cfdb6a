import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { ClientRow } from '../../../db/schema/crm.ts';
import type { Actor } from '../../shared/signed-context.ts';
import { getClientsByIds } from './client-store.ts';

/** Per-request loaders of the crm subgraph. */
export interface ClientLoaders {
  /** Client by id within the active firm; null for unknown ids and for other firms' ids. */
  clientById: DataLoader<string, ClientRow | null>;
}

/** Creates the request's loaders. Each batch is one `withTenant` transaction with one SELECT. */
export function createClientLoaders({ actor, database }: { actor: Actor; database: Database }): ClientLoaders {
  const firmId = actor.kind === 'STAFF' ? actor.firmId : null;
  return {
    clientById: new DataLoader(async (ids) => {
      if (!firmId) return ids.map(() => null);
      const rows = await database.withTenant({ firmId }, (tx) => getClientsByIds(tx, { firmId, clientIds: ids }));
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
