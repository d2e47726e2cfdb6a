import type { SubgraphContext } from '../../platform/subgraph-server.ts';
import type { InvoiceLoaders } from './invoices/invoice-loaders.ts';
import type { LedgerLoaders } from './ledger/ledger-loaders.ts';
import type { CatalogueLoaders } from './services/catalogue-loaders.ts';
import type { TimeEntryLoaders } from './time-entries/time-entry-loaders.ts';
import type { TimeReportLoaders } from './time-reports/time-report-loaders.ts';

/** Every billing module's per-request DataLoaders. */
export type BillingLoaders = InvoiceLoaders & CatalogueLoaders & TimeEntryLoaders & TimeReportLoaders & LedgerLoaders;

/** Per-request context of the billing subgraph. */
export type BillingContext = SubgraphContext<BillingLoaders>;
