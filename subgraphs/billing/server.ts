import { CurrencyCodeScalar, DecimalScalar } from '../../platform/money.ts';
import { DateScalar, DateTimeScalar } from '../../platform/scalars.ts';
import { mergeDisjoint, type SubgraphDefinition } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { billingRules } from './billing-rules.ts';
import { createInvoiceLoaders, type InvoiceLoaders } from './invoices/invoice-loaders.ts';
import { invoiceResolvers } from './invoices/invoice-resolvers.ts';
import { invoicesRules } from './invoices/invoices-rules.ts';

/** The billing subgraph: invoices and client balances (and, later, time, payments and the journal). */
export const billingSubgraph: SubgraphDefinition<InvoiceLoaders, Resolvers> = {
  name: 'billing',
  resolvers: mergeDisjoint(
    { DateTime: DateTimeScalar, Date: DateScalar, CurrencyCode: CurrencyCodeScalar, Decimal: DecimalScalar },
    invoiceResolvers,
  ),
  rules: mergeDisjoint(billingRules, invoicesRules),
  createLoaders: createInvoiceLoaders,
};
