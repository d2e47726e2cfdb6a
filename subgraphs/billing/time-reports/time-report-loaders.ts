import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { weeklyCapacities, wipByClients, wipByEngagements } from './time-report-store.ts';

/** Per-request loaders of the time-reports module. */
export interface TimeReportLoaders {
  /** An engagement's WIP in minor units and its currency (the one with the latest work date), or null without WIP. */
  wipByEngagement: DataLoader<string, { currency: string; valueMinor: bigint } | null>;
  /** A client's WIP in minor units per currency (empty without WIP). */
  wipByClient: DataLoader<string, Map<string, bigint>>;
  /** A member's weekly capacity in minutes, or null without a `staff_capacities` row. */
  weeklyCapacityByUser: DataLoader<string, number | null>;
}

/**
 * Creates the request's time-report loaders: each batch is one `withTenant` transaction with one
 * SELECT over every id the request asked for (ids of other firms simply find nothing).
 */
export function createTimeReportLoaders({ actor, database }: { actor: Actor; database: Database }): TimeReportLoaders {
  const firmId = actingFirmId(actor);
  return {
    wipByEngagement: new DataLoader(async (engagementIds) => {
      const found = new Map<string, { currency: string; valueMinor: bigint; latestWorkDate: string }>();
      if (firmId) {
        const rows = await database.withTenant({ firmId }, (tx) => wipByEngagements(tx, { firmId, engagementIds }));
        for (const row of rows) {
          const current = found.get(row.engagementId);
          if (!current || row.latestWorkDate > current.latestWorkDate) found.set(row.engagementId, row);
        }
      }
      return engagementIds.map((id) => {
        const row = found.get(id);
        return row ? { currency: row.currency, valueMinor: row.valueMinor } : null;
      });
    }),
    wipByClient: new DataLoader(async (clientIds) => {
      const byClient = new Map(clientIds.map((id) => [id, new Map<string, bigint>()]));
      if (firmId) {
        const rows = await database.withTenant({ firmId }, (tx) => wipByClients(tx, { firmId, clientIds }));
        for (const row of rows) byClient.get(row.clientId)?.set(row.currency, row.valueMinor);
      }
      return clientIds.map((id) => byClient.get(id)!);
    }),
    weeklyCapacityByUser: new DataLoader(async (userIds) => {
      const byUser = new Map<string, number>();
      if (firmId) {
        const rows = await database.withTenant({ firmId }, (tx) => weeklyCapacities(tx, { firmId, userIds }));
        for (const row of rows) byUser.set(row.userId, row.weeklyMinutes);
      }
      return userIds.map((id) => byUser.get(id) ?? null);
    }),
  };
}
