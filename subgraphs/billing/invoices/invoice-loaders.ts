import DataLoader from 'dataloader';
import type { Database } from '../../../db/client.ts';
import { invoices, type InvoiceRow } from '../../../db/schema/billing.ts';
import { childConnectionLoaders } from '../../../platform/child-pages.ts';
import type { Connection, PageArgs } from '../../../platform/relay.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import { getInvoicesByIds, openBalancesByClient } from './invoice-store.ts';

/** Per-request loaders of the billing subgraph. */
export interface InvoiceLoaders {
  /** Invoice by id within the active firm; null for unknown ids and other firms' ids. */
  invoiceById: DataLoader<string, InvoiceRow | null>;
  /** Unpaid OPEN-invoice amounts of a client, in minor units per currency. */
  openBalanceByClient: DataLoader<string, Map<string, bigint>>;
  /** A client's invoices, newest first, one loader per page arguments. */
  invoicesByClient: (args: PageArgs, countOnly: boolean) => DataLoader<string, Connection<InvoiceRow>>;
}

/** Creates the request's loaders; each batch is one `withTenant` transaction with one SELECT. */
export function createInvoiceLoaders({ actor, database }: { actor: Actor; database: Database }): InvoiceLoaders {
  const firmId = actingFirmId(actor);
  return {
    invoiceById: rowsByIdLoader({
      database,
      scope: firmId ? { firmId } : null,
      fetch: (tx, ids) => getInvoicesByIds(tx, { firmId: firmId!, invoiceIds: ids }),
    }),
    openBalanceByClient: new DataLoader(async (clientIds) => {
      const balances = new Map(clientIds.map((id) => [id, new Map<string, bigint>()]));
      if (firmId) {
        const rows = await database.withTenant({ firmId }, (tx) => openBalancesByClient(tx, { firmId, clientIds }));
        for (const row of rows) balances.get(row.clientId)?.set(row.currency, row.dueMinor);
      }
      return clientIds.map((id) => balances.get(id)!);
    }),
    invoicesByClient: childConnectionLoaders<InvoiceRow>({
      database,
      firmId,
      table: invoices,
      parentColumn: invoices.clientId,
    }),
  };
}
