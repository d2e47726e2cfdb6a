import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { PortalUserRow } from '../../../db/schema/portal.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getPortalUsersByIds, grantsOfPortalUsers } from './portal-store.ts';

/** Per-request loaders of portal users. */
export interface PortalLoaders {
  /**
   * Portal user by id within the acting firm; null for unknown and other firms' ids. A portal
   * session loads only itself: other portal users of the firm are null to it.
   */
  portalUserById: DataLoader<string, PortalUserRow | null>;
  /** The client ids granted one by one to a portal user. */
  grantedClientIdsByPortalUser: DataLoader<string, string[]>;
}

/** Creates the request's portal loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createPortalLoaders({ actor, database }: { actor: Actor; database: Database }): PortalLoaders {
  const firmId = actingFirmId(actor);
  return {
    portalUserById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      fetch: (tx, ids) =>
        getPortalUsersByIds(tx, {
          firmId: firmId!,
          portalUserIds: actor.kind === 'PORTAL' ? ids.filter((id) => id === actor.portalUserId) : ids,
        }),
    }),
    grantedClientIdsByPortalUser: new DataLoader(async (ids) => {
      const grouped = new Map<string, string[]>(ids.map((id) => [id, []]));
      if (firmId) {
        const rows = await database.withTenant({ firmId }, (tx) =>
          grantsOfPortalUsers(tx, { firmId, portalUserIds: ids }),
        );
        for (const row of rows) grouped.get(row.portalUserId)?.push(row.clientId);
      }
      return ids.map((id) => grouped.get(id)!);
    }),
  };
}
