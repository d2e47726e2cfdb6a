import { and, asc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Tx } from '../../../db/client.ts';
import {
  clientContacts,
  contacts,
  type ClientContactRow,
  type ContactRoleValue,
  type ContactRow,
} from '../../../db/schema/contacts.ts';
import { clients } from '../../../db/schema/crm.ts';
import type { PageRequest } from '../../../platform/relay.ts';

/** Shape of a contact-list cursor: the name and id of its row. */
export const CONTACT_CURSOR = z.tuple([z.string(), z.uuid()]);

/** Cursor values of a contact: its name as stored, then id (compared as `lower(name)` in SQL, like clients). */
export function contactSortKey(row: ContactRow): [string, string] {
  return [row.name, row.id];
}

function contactFilter({ firmId, search }: { firmId: string; search: string | null }): SQL {
  const conditions = [eq(contacts.firmId, firmId)];
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(or(ilike(contacts.name, pattern), ilike(contacts.email, pattern))!);
  }
  return and(...conditions)!;
}

/** One forward page of contacts in name order, fetching `page.limit + 1` rows. */
export async function listContacts(
  tx: Tx,
  filter: { firmId: string; search: string | null; page: PageRequest<z.infer<typeof CONTACT_CURSOR>> },
): Promise<ContactRow[]> {
  const conditions = [contactFilter(filter)];
  if (filter.page.cursor) {
    const [name, id] = filter.page.cursor;
    conditions.push(sql`(${contacts.nameKey}, ${contacts.id}) > (lower(${name}), ${id}::uuid)`);
  }
  return tx
    .select()
    .from(contacts)
    .where(and(...conditions))
    .orderBy(asc(contacts.nameKey), asc(contacts.id))
    .limit(filter.page.limit + 1);
}

/** Number of contacts matching the filter. */
export async function countContacts(tx: Tx, filter: { firmId: string; search: string | null }): Promise<number> {
  const [row] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(contacts)
    .where(contactFilter(filter));
  return row?.count ?? 0;
}

/** The firm's contacts with these ids; unknown ids are absent. */
export async function getContactsByIds(
  tx: Tx,
  { firmId, contactIds }: { firmId: string; contactIds: readonly string[] },
): Promise<ContactRow[]> {
  return tx
    .select()
    .from(contacts)
    .where(and(eq(contacts.firmId, firmId), inArray(contacts.id, [...contactIds])));
}

/** Locks and returns one contact for a change, or undefined. */
export async function getContactForUpdate(
  tx: Tx,
  { firmId, contactId }: { firmId: string; contactId: string },
): Promise<ContactRow | undefined> {
  const [row] = await tx
    .select()
    .from(contacts)
    .where(and(eq(contacts.firmId, firmId), eq(contacts.id, contactId)))
    .for('update');
  return row;
}

/** Inserts a contact and returns the stored row. */
export async function insertContact(tx: Tx, values: typeof contacts.$inferInsert): Promise<ContactRow> {
  const [row] = await tx.insert(contacts).values(values).returning();
  return row!;
}

/** Applies `patch` to one contact, bumping `updated_at`. */
export async function updateContactRow(
  tx: Tx,
  { firmId, contactId, patch }: { firmId: string; contactId: string; patch: Partial<typeof contacts.$inferInsert> },
): Promise<ContactRow> {
  const [row] = await tx
    .update(contacts)
    .set({ ...patch, updatedAt: sql`now()` })
    .where(and(eq(contacts.firmId, firmId), eq(contacts.id, contactId)))
    .returning();
  return row!;
}

/** Links a contact to a client with a role, or changes the role of the existing link. */
export async function upsertClientContact(
  tx: Tx,
  values: { firmId: string; clientId: string; contactId: string; role: ContactRoleValue },
): Promise<ClientContactRow> {
  const [row] = await tx
    .insert(clientContacts)
    .values(values)
    .onConflictDoUpdate({
      target: [clientContacts.firmId, clientContacts.clientId, clientContacts.contactId],
      set: { role: values.role },
    })
    .returning();
  return row!;
}

/** Removes a link; true when one existed. */
export async function deleteClientContact(
  tx: Tx,
  { firmId, clientId, contactId }: { firmId: string; clientId: string; contactId: string },
): Promise<boolean> {
  const rows = await tx
    .delete(clientContacts)
    .where(
      and(
        eq(clientContacts.firmId, firmId),
        eq(clientContacts.clientId, clientId),
        eq(clientContacts.contactId, contactId),
      ),
    )
    .returning({ clientId: clientContacts.clientId });
  return rows.length > 0;
}

/** Links of these contacts, ordered by client name then id. */
export async function linksOfContacts(
  tx: Tx,
  { firmId, contactIds }: { firmId: string; contactIds: readonly string[] },
): Promise<ClientContactRow[]> {
  return tx
    .select({ link: clientContacts })
    .from(clientContacts)
    .innerJoin(clients, and(eq(clients.firmId, clientContacts.firmId), eq(clients.id, clientContacts.clientId)))
    .where(and(eq(clientContacts.firmId, firmId), inArray(clientContacts.contactId, [...contactIds])))
    .orderBy(asc(clients.nameKey), asc(clients.id))
    .then((rows) => rows.map((r) => r.link));
}

/** Links of these clients, ordered by contact name then id. */
export async function linksOfClients(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
): Promise<ClientContactRow[]> {
  return tx
    .select({ link: clientContacts })
    .from(clientContacts)
    .innerJoin(contacts, and(eq(contacts.firmId, clientContacts.firmId), eq(contacts.id, clientContacts.contactId)))
    .where(and(eq(clientContacts.firmId, firmId), inArray(clientContacts.clientId, [...clientIds])))
    .orderBy(asc(contacts.nameKey), asc(contacts.id))
    .then((rows) => rows.map((r) => r.link));
}

/** Which of `clientIds` are clients of the firm. */
export async function existingClientIds(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
): Promise<Set<string>> {
  if (clientIds.length === 0) return new Set();
  const rows = await tx
    .select({ id: clients.id })
    .from(clients)
    .where(and(eq(clients.firmId, firmId), inArray(clients.id, [...clientIds])));
  return new Set(rows.map((r) => r.id));
}
