import DataLoader from 'dataloader';
import type { Database, Tx } from '../../../db/client.ts';
import type { ClientContactRow, ContactRow } from '../../../db/schema/contacts.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getContactsByIds, linksOfClients, linksOfContacts } from './contact-store.ts';

/** Per-request loaders of contacts. */
export interface ContactLoaders {
  /** Contact by id within the active firm; null for unknown and other firms' ids. */
  contactById: DataLoader<string, ContactRow | null>;
  /** A contact's client links, by client name. */
  linksByContact: DataLoader<string, ClientContactRow[]>;
  /** A client's contact links, by contact name. */
  linksByClient: DataLoader<string, ClientContactRow[]>;
}

function groupedLoader(
  database: Database,
  firmId: string | null,
  fetch: (firmId: string, ids: readonly string[]) => (tx: Tx) => Promise<ClientContactRow[]>,
  keyOf: (row: ClientContactRow) => string,
): DataLoader<string, ClientContactRow[]> {
  return new DataLoader(async (ids) => {
    const grouped = new Map<string, ClientContactRow[]>(ids.map((id) => [id, []]));
    if (firmId)
      for (const row of await database.withTenant({ firmId }, fetch(firmId, ids))) grouped.get(keyOf(row))?.push(row);
    return ids.map((id) => grouped.get(id)!);
  });
}

/** Creates the request's contact loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createContactLoaders({ actor, database }: { actor: Actor; database: Database }): ContactLoaders {
  const firmId = actingFirmId(actor);
  return {
    contactById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      fetch: (tx, ids) => getContactsByIds(tx, { firmId: firmId!, contactIds: ids }),
    }),
    linksByContact: groupedLoader(
      database,
      firmId,
      (f, ids) => (tx) => linksOfContacts(tx, { firmId: f, contactIds: ids }),
      (row) => row.contactId,
    ),
    linksByClient: groupedLoader(
      database,
      firmId,
      (f, ids) => (tx) => linksOfClients(tx, { firmId: f, clientIds: ids }),
      (row) => row.clientId,
    ),
  };
}
