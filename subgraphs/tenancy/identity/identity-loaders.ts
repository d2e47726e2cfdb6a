import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { FirmRow, UserRow } from '../../../db/schema/tenancy.ts';
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
    firmById: new DataLoader(async (ids) => {
      if (!scope) return ids.map(() => null);
      const rows = await database.withTenant(scope, (tx) => getVisibleFirmsByIds(tx, { firmIds: ids }));
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    userById: new DataLoader(async (ids) => {
      if (!scope) return ids.map(() => null);
      const rows = await database.withTenant(scope, (tx) =>
        getVisibleUsersByIds(tx, { firmId: scope.firmId, actorUserId: scope.userId, userIds: ids }),
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
