import type DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { FirmRow, UserRow } from '../../../db/schema/tenancy.ts';
import { rowsByIdLoader } from '../../shared/rows-by-id-loader.ts';
import type { Actor } from '../../shared/signed-context.ts';
import { getVisibleFirmsByIds, getVisibleUsersByIds } from './identity-store.ts';

/** Per-request loaders of the tenancy subgraph. */
export interface IdentityLoaders {
  /** Firms the caller may see (active firm, own firms); null otherwise. */
  firmById: DataLoader<string, FirmRow | null>;
  /** Users the caller may see (self, members of the active firm); null otherwise. */
  userById: DataLoader<string, UserRow | null>;
}

/** Creates the request's loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createIdentityLoaders({ actor, database }: { actor: Actor; database: Database }): IdentityLoaders {
  const scope = actor.kind === 'STAFF' ? { firmId: actor.firmId, userId: actor.userId } : null;
  return {
    firmById: rowsByIdLoader({ database, scope, fetch: (tx, ids) => getVisibleFirmsByIds(tx, { firmIds: ids }) }),
    userById: rowsByIdLoader({
      database,
      scope,
      fetch: (tx, ids) => getVisibleUsersByIds(tx, { firmId: scope!.firmId, actorUserId: scope!.userId, userIds: ids }),
    }),
  };
}
