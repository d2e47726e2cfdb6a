import type { SubgraphContext } from '../../platform/subgraph-server.ts';
import type { InvoiceLoaders } from './invoices/invoice-loaders.ts';

/** Per-request context of the billing subgraph. */
export type BillingContext = SubgraphContext<InvoiceLoaders>;
