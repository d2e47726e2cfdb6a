import type DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { FirmRow, UserRow } from '../../../db/schema/tenancy.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import type { Actor } from '../../../platform/signed-context.ts';
import { getVisibleFirmsByIds, getVisibleUsersByIds } from './identity-store.ts';

/** Per-request loaders of the tenancy subgraph. */
export interface IdentityLoaders {
  /** Firms the caller may see (active firm, own firms); null otherwise. */
  firmById: DataLoader<string, FirmRow | null>;
  /**
   * Users the caller may see (self, members of the active firm; for a portal user, the members of
   * its firm, whose names it sees as message authors); null otherwise.
   */
  userById: DataLoader<string, UserRow | null>;
}

/** Creates the request's loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createIdentityLoaders({ actor, database }: { actor: Actor; database: Database }): IdentityLoaders {
  const scope = actor.kind === 'STAFF' ? { firmId: actor.firmId, userId: actor.userId } : null;
  const userScope = actor.kind === 'PORTAL' ? { firmId: actor.firmId, userId: null } : scope;
  return {
    firmById: rowsByIdLoader({ database, scope, fetch: (tx, ids) => getVisibleFirmsByIds(tx, { firmIds: ids }) }),
    userById: rowsByIdLoader({
      database,
      scope: userScope,
      fetch: (tx, ids) =>
        getVisibleUsersByIds(tx, { firmId: userScope!.firmId, actorUserId: userScope!.userId, userIds: ids }),
    }),
  };
}
