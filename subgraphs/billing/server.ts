import { CurrencyCodeScalar, DecimalScalar } from '../../platform/money.ts';
import { DateScalar, DateTimeScalar } from '../../platform/scalars.ts';
import { mergeDisjoint, type SubgraphDefinition } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { billingRules } from './billing-rules.ts';
import type { BillingLoaders } from './billing-context.ts';
import { createInvoiceLoaders } from './invoices/invoice-loaders.ts';
import { invoiceResolvers } from './invoices/invoice-resolvers.ts';
import { invoicesRules } from './invoices/invoices-rules.ts';
import { createTimeReportLoaders } from './time-reports/time-report-loaders.ts';
import { timeReportResolvers } from './time-reports/time-report-resolvers.ts';
import { timeReportsRules } from './time-reports/time-reports-rules.ts';

/** The billing subgraph: invoices and client balances (and, later, time, payments and the journal). */
export const billingSubgraph: SubgraphDefinition<BillingLoaders, Resolvers> = {
  name: 'billing',
  resolvers: mergeDisjoint(
    { DateTime: DateTimeScalar, Date: DateScalar, CurrencyCode: CurrencyCodeScalar, Decimal: DecimalScalar },
    invoiceResolvers,
    timeReportResolvers,
  ),
  rules: mergeDisjoint(billingRules, invoicesRules, timeReportsRules),
  createLoaders: (scope) => mergeDisjoint(createInvoiceLoaders(scope), createTimeReportLoaders(scope)),
};
