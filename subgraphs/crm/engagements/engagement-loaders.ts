import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { EngagementRow, EngagementStatusValue } from '../../../db/schema/engagements.ts';
import { toConnection, type Connection, type PageRequest } from '../../../platform/relay.ts';
import type { z } from 'zod';
import { portalReaches } from '../../../platform/portal.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import type { ENGAGEMENT_CURSOR } from './engagement-store.ts';
import {
  countEngagementsByClients,
  engagementSortKey,
  getEngagementsByIds,
  getTeamsByEngagementIds,
  listEngagementsByClients,
} from './engagement-store.ts';

/** Per-request loaders of the engagements module. */
export interface EngagementLoaders {
  /**
   * Engagement by id within the active firm; null for unknown ids and other firms' ids, and for a
   * portal session, for every engagement of a client it was not granted.
   */
  engagementById: DataLoader<string, EngagementRow | null>;
  /** The user ids of an engagement's team, in the order they joined (empty for unknown ids). */
  teamByEngagement: DataLoader<string, string[]>;
  /**
   * A client's engagements, one page in code order, one loader per page and status (the same
   * arguments for every client of a list): each batch is one statement for all its clients, and
   * one more for their totals when `withTotal`.
   */
  engagementsByClient: (
    page: PageRequest<z.infer<typeof ENGAGEMENT_CURSOR>>,
    status: EngagementStatusValue | null,
    withTotal: boolean,
  ) => DataLoader<string, Connection<EngagementRow>>;
}

/** Creates the request's engagement loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createEngagementLoaders({ actor, database }: { actor: Actor; database: Database }): EngagementLoaders {
  const firmId = actingFirmId(actor);
  const clientPages = new Map<string, DataLoader<string, Connection<EngagementRow>>>();
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
    engagementsByClient: (page, status, withTotal) => {
      const key = JSON.stringify([page, status, withTotal]);
      let loader = clientPages.get(key);
      if (!loader) {
        loader = new DataLoader(async (clientIds) => {
          const empty = () => toConnection<EngagementRow>([], page, engagementSortKey, 0);
          if (!firmId) return clientIds.map(empty);
          const filter = { firmId, status, clientIds };
          const { rows, totals } = await database.withTenant({ firmId }, async (tx) => ({
            rows:
              page.limit === 0
                ? new Map<string, EngagementRow[]>()
                : await listEngagementsByClients(tx, { ...filter, page }),
            totals: withTotal ? await countEngagementsByClients(tx, filter) : new Map<string, number>(),
          }));
          return clientIds.map((id) => toConnection(rows.get(id) ?? [], page, engagementSortKey, totals.get(id) ?? 0));
        });
        clientPages.set(key, loader);
      }
      return loader;
    },
    teamByEngagement: new DataLoader(async (ids) => {
      if (!firmId) return ids.map(() => []);
      const teams = await database.withTenant({ firmId }, (tx) =>
        getTeamsByEngagementIds(tx, { firmId, engagementIds: ids }),
      );
      return ids.map((id) => teams.get(id) ?? []);
    }),
  };
}
