import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import type { ClientOrganizationRow } from '../../../db/schema/contacts.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getOrganizationsByIds, membersOfOrganizations, organizationsOfClients } from './organization-store.ts';

/** Per-request loaders of client organizations. */
export interface OrganizationLoaders {
  /** Organization by id within the active firm; null for unknown and other firms' ids. */
  organizationById: DataLoader<string, ClientOrganizationRow | null>;
  /** The ids of an organization's clients, by client name. */
  clientIdsByOrganization: DataLoader<string, string[]>;
  /** The organization id of a client, or null. */
  organizationIdByClient: DataLoader<string, string | null>;
}

/** Creates the request's organization loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createOrganizationLoaders({
  actor,
  database,
}: {
  actor: Actor;
  database: Database;
}): OrganizationLoaders {
  const firmId = actingFirmId(actor);
  return {
    organizationById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      fetch: (tx, ids) => getOrganizationsByIds(tx, { firmId: firmId!, organizationIds: ids }),
    }),
    clientIdsByOrganization: new DataLoader(async (ids) => {
      const grouped = new Map<string, string[]>(ids.map((id) => [id, []]));
      if (firmId) {
        const rows = await database.withTenant({ firmId }, (tx) =>
          membersOfOrganizations(tx, { firmId, organizationIds: ids }),
        );
        for (const row of rows) grouped.get(row.organizationId)?.push(row.clientId);
      }
      return ids.map((id) => grouped.get(id)!);
    }),
    organizationIdByClient: new DataLoader(async (ids) => {
      const byClient = new Map<string, string>();
      if (firmId) {
        const rows = await database.withTenant({ firmId }, (tx) =>
          organizationsOfClients(tx, { firmId, clientIds: ids }),
        );
        for (const row of rows) byClient.set(row.clientId, row.organizationId);
      }
      return ids.map((id) => byClient.get(id) ?? null);
    }),
  };
}
