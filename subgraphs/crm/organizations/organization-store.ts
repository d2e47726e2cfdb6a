import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '../../../db/client.ts';
import {
  clientOrganizationMembers,
  clientOrganizations,
  type ClientOrganizationRow,
} from '../../../db/schema/contacts.ts';
import { clients } from '../../../db/schema/crm.ts';

/** Inserts an organization and returns the stored row. */
export async function insertOrganization(
  tx: Tx,
  values: typeof clientOrganizations.$inferInsert,
): Promise<ClientOrganizationRow> {
  const [row] = await tx.insert(clientOrganizations).values(values).returning();
  return row!;
}

/** The firm's organizations with these ids; unknown ids are absent. */
export async function getOrganizationsByIds(
  tx: Tx,
  { firmId, organizationIds }: { firmId: string; organizationIds: readonly string[] },
): Promise<ClientOrganizationRow[]> {
  return tx
    .select()
    .from(clientOrganizations)
    .where(and(eq(clientOrganizations.firmId, firmId), inArray(clientOrganizations.id, [...organizationIds])));
}

/** Locks one organization for a change of its clients, or undefined. */
export async function getOrganizationForUpdate(
  tx: Tx,
  { firmId, organizationId }: { firmId: string; organizationId: string },
): Promise<ClientOrganizationRow | undefined> {
  const [row] = await tx
    .select()
    .from(clientOrganizations)
    .where(and(eq(clientOrganizations.firmId, firmId), eq(clientOrganizations.id, organizationId)))
    .for('update');
  return row;
}

/** Puts clients in an organization; a client in another organization moves (a client has at most one). */
export async function setClientsOrganization(
  tx: Tx,
  { firmId, organizationId, clientIds }: { firmId: string; organizationId: string; clientIds: readonly string[] },
): Promise<void> {
  if (clientIds.length === 0) return;
  await tx
    .insert(clientOrganizationMembers)
    .values(clientIds.map((clientId) => ({ firmId, clientId, organizationId })))
    .onConflictDoUpdate({
      target: [clientOrganizationMembers.firmId, clientOrganizationMembers.clientId],
      set: { organizationId, createdAt: sql`now()` },
    });
}

/** Takes clients out of one organization; clients not in it are left alone. @returns how many left. */
export async function removeClientsFromOrganizationRows(
  tx: Tx,
  { firmId, organizationId, clientIds }: { firmId: string; organizationId: string; clientIds: readonly string[] },
): Promise<number> {
  const rows = await tx
    .delete(clientOrganizationMembers)
    .where(
      and(
        eq(clientOrganizationMembers.firmId, firmId),
        eq(clientOrganizationMembers.organizationId, organizationId),
        inArray(clientOrganizationMembers.clientId, [...clientIds]),
      ),
    )
    .returning({ clientId: clientOrganizationMembers.clientId });
  return rows.length;
}

/** (organization, client) pairs of these organizations, ordered by client name then id. */
export async function membersOfOrganizations(
  tx: Tx,
  { firmId, organizationIds }: { firmId: string; organizationIds: readonly string[] },
): Promise<{ organizationId: string; clientId: string }[]> {
  return tx
    .select({ organizationId: clientOrganizationMembers.organizationId, clientId: clientOrganizationMembers.clientId })
    .from(clientOrganizationMembers)
    .innerJoin(
      clients,
      and(eq(clients.firmId, clientOrganizationMembers.firmId), eq(clients.id, clientOrganizationMembers.clientId)),
    )
    .where(
      and(
        eq(clientOrganizationMembers.firmId, firmId),
        inArray(clientOrganizationMembers.organizationId, [...organizationIds]),
      ),
    )
    .orderBy(asc(clients.nameKey), asc(clients.id));
}

/** (client, organization) pairs of these clients; clients in no organization are absent. */
export async function organizationsOfClients(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
): Promise<{ organizationId: string; clientId: string }[]> {
  return tx
    .select({ organizationId: clientOrganizationMembers.organizationId, clientId: clientOrganizationMembers.clientId })
    .from(clientOrganizationMembers)
    .where(
      and(eq(clientOrganizationMembers.firmId, firmId), inArray(clientOrganizationMembers.clientId, [...clientIds])),
    );
}
