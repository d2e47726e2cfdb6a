import type { SubgraphContext } from '../../platform/subgraph-server.ts';
import type { InvoiceLoaders } from './invoices/invoice-loaders.ts';
import type { TimeReportLoaders } from './time-reports/time-report-loaders.ts';

/** Every per-request loader of the billing subgraph's modules. */
export type BillingLoaders = InvoiceLoaders & TimeReportLoaders;

/** Per-request context of the billing subgraph. */
export type BillingContext = SubgraphContext<BillingLoaders>;
