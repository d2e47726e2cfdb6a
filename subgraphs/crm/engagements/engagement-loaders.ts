import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { EngagementRow } from '../../../db/schema/engagements.ts';
import { portalReaches } from '../../../platform/portal.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getEngagementsByIds, getTeamsByEngagementIds } from './engagement-store.ts';

/** Per-request loaders of the engagements module. */
export interface EngagementLoaders {
  /**
   * Engagement by id within the active firm; null for unknown ids and other firms' ids, and for a
   * portal session, for every engagement of a client it was not granted.
   */
  engagementById: DataLoader<string, EngagementRow | null>;
  /** The user ids of an engagement's team, in the order they joined (empty for unknown ids). */
  teamByEngagement: DataLoader<string, string[]>;
}

/** Creates the request's engagement loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createEngagementLoaders({ actor, database }: { actor: Actor; database: Database }): EngagementLoaders {
  const firmId = actingFirmId(actor);
  return {
    engagementById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      // A portal session's rows of ungranted clients are dropped before anyone sees them
      // (containment, README "Client portal"), so they load exactly like missing ids.
      fetch: async (tx, ids) => {
        const rows = await getEngagementsByIds(tx, { firmId: firmId!, engagementIds: ids });
        return actor.kind === 'PORTAL' ? rows.filter((row) => portalReaches(actor, row.clientId)) : rows;
      },
    }),
    teamByEngagement: new DataLoader(async (ids) => {
      if (!firmId) return ids.map(() => []);
      const teams = await database.withTenant({ firmId }, (tx) =>
        getTeamsByEngagementIds(tx, { firmId, engagementIds: ids }),
      );
      return ids.map((id) => teams.get(id) ?? []);
    }),
  };
}
