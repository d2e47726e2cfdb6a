import DataLoader from 'dataloader';
import { ne } from 'drizzle-orm';
import type { Database } from '../../../db/client.ts';
import { invoices, type InvoiceRow } from '../../../db/schema/billing.ts';
import type { CreditNoteRow, InvoiceLineRow, InvoiceLineTaxRow } from '../../../db/schema/invoicing.ts';
import { childConnectionLoaders } from '../../../platform/child-pages.ts';
import type { Connection, PageArgs } from '../../../platform/relay.ts';
import type { BillingProfile } from './invoice-model.ts';
import { rowsByIdLoader } from '../../../platform/rows-by-id-loader.ts';
import { actingFirmId, type Actor } from '../../../platform/signed-context.ts';
import {
  getClientBillingProfiles,
  getCreditNotesByIds,
  getCreditNotesByInvoice,
  getInvoiceLines,
  getInvoicesByIds,
  getLineTimeEntryIds,
  receivablesByClient,
} from './invoice-store.ts';

/** An invoice's lines in order, each with its taxes. */
type LinesWithTaxes = { line: InvoiceLineRow; taxes: InvoiceLineTaxRow[] }[];

/** Per-request loaders of the invoices module. */
export interface InvoiceLoaders {
  /** Invoice by id within the active firm; null for unknown ids and other firms' ids. */
  invoiceById: DataLoader<string, InvoiceRow | null>;
  /** A client's receivable in the journal, in minor units per currency. */
  receivableByClient: DataLoader<string, Map<string, bigint>>;
  /** A client's invoices, newest first, one loader per page arguments (a portal session's leave drafts out). */
  invoicesByClient: (args: PageArgs, countOnly: boolean) => DataLoader<string, Connection<InvoiceRow>>;
  /** An invoice's lines with their taxes. */
  linesByInvoice: DataLoader<string, LinesWithTaxes>;
  /** An invoice's credit notes, oldest first. */
  creditNotesByInvoice: DataLoader<string, CreditNoteRow[]>;
  /** Credit note by id within the active firm. */
  creditNoteById: DataLoader<string, CreditNoteRow | null>;
  /** The time entry ids a TIME line bills. */
  timeEntryIdsByLine: DataLoader<string, string[]>;
  /** A client's billing profile. */
  billingProfileByClient: DataLoader<string, BillingProfile>;
}

/** Creates the request's loaders; each batch is one `withTenant` transaction. */
export function createInvoiceLoaders({ actor, database }: { actor: Actor; database: Database }): InvoiceLoaders {
  const firmId = actingFirmId(actor);
  const scope = firmId ? { firmId } : null;
  /** A batch loader of the active firm; without one, every key gets `empty`. */
  const batched = <V>(fetch: (firmId: string, keys: readonly string[]) => Promise<Map<string, V>>, empty: () => V) =>
    new DataLoader<string, V>(async (keys) => {
      const found = firmId ? await fetch(firmId, keys) : new Map<string, V>();
      return keys.map((key) => found.get(key) ?? empty());
    });
  return {
    invoiceById: rowsByIdLoader({
      database,
      scope,
      fetch: (tx, ids) => getInvoicesByIds(tx, { firmId: firmId!, invoiceIds: ids }),
    }),
    creditNoteById: rowsByIdLoader({
      database,
      scope,
      fetch: (tx, ids) => getCreditNotesByIds(tx, { firmId: firmId!, ids }),
    }),
    receivableByClient: batched(
      (firm, clientIds) =>
        database.withTenant({ firmId: firm }, async (tx) => {
          const balances = new Map<string, Map<string, bigint>>();
          for (const row of await receivablesByClient(tx, { firmId: firm, clientIds })) {
            if (!balances.has(row.clientId)) balances.set(row.clientId, new Map());
            balances.get(row.clientId)!.set(row.currency, row.dueMinor);
          }
          return balances;
        }),
      () => new Map(),
    ),
    invoicesByClient: childConnectionLoaders<InvoiceRow>({
      database,
      firmId,
      table: invoices,
      parentColumn: invoices.clientId,
      where: actor.kind === 'PORTAL' ? ne(invoices.status, 'DRAFT') : undefined,
    }),
    linesByInvoice: batched(
      (firm, invoiceIds) =>
        database.withTenant({ firmId: firm }, async (tx) => {
          const { lines, taxes } = await getInvoiceLines(tx, { firmId: firm, invoiceIds });
          const byInvoice = new Map<string, LinesWithTaxes>();
          for (const line of lines) {
            if (!byInvoice.has(line.invoiceId)) byInvoice.set(line.invoiceId, []);
            byInvoice.get(line.invoiceId)!.push({ line, taxes: taxes.filter((tax) => tax.lineId === line.id) });
          }
          return byInvoice;
        }),
      () => [],
    ),
    creditNotesByInvoice: batched(
      (firm, invoiceIds) =>
        database.withTenant({ firmId: firm }, async (tx) => {
          const byInvoice = new Map<string, CreditNoteRow[]>();
          for (const note of await getCreditNotesByInvoice(tx, { firmId: firm, invoiceIds })) {
            byInvoice.set(note.invoiceId, [...(byInvoice.get(note.invoiceId) ?? []), note]);
          }
          return byInvoice;
        }),
      () => [],
    ),
    timeEntryIdsByLine: batched(
      (firm, lineIds) =>
        database.withTenant({ firmId: firm }, (tx) => getLineTimeEntryIds(tx, { firmId: firm, lineIds })),
      () => [],
    ),
    billingProfileByClient: batched(
      (firm, clientIds) =>
        database.withTenant({ firmId: firm }, async (tx) => {
          const rows = await getClientBillingProfiles(tx, { firmId: firm, clientIds });
          return new Map(rows.map((row) => [row.clientId, row]));
        }),
      (): BillingProfile => ({ billingAddress: null, taxId: null, paymentTerms: null }),
    ),
  };
}
