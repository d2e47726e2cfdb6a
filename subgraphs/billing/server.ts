import { CurrencyCodeScalar, DecimalScalar } from '../../platform/money.ts';
import { DateScalar, DateTimeScalar } from '../../platform/scalars.ts';
import { startOutboxDispatcher } from '../../platform/outbox.ts';
import { mergeDisjoint, type SubgraphDefinition } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import type { BillingLoaders } from './billing-context.ts';
import { billingResolvers } from './billing-resolvers.ts';
import { billingRules } from './billing-rules.ts';
import { mountDownloadRoutes } from './downloads/download-routes.ts';
import { documentDownloads } from './invoices/invoice-document.ts';
import { createInvoiceLoaders } from './invoices/invoice-loaders.ts';
import { invoiceResolvers } from './invoices/invoice-resolvers.ts';
import { invoicesRules } from './invoices/invoices-rules.ts';
import { createLedgerLoaders } from './ledger/ledger-loaders.ts';
import { ledgerResolvers } from './ledger/ledger-resolvers.ts';
import { ledgerRules } from './ledger/ledger-rules.ts';
import { rateResolvers } from './rates/rate-resolvers.ts';
import { ratesRules } from './rates/rates-rules.ts';
import { reportResolvers } from './reports/report-resolvers.ts';
import { reportDownloads } from './reports/report-service.ts';
import { reportsRules } from './reports/reports-rules.ts';
import { createTimeEntryLoaders } from './time-entries/time-entry-loaders.ts';
import { timeEntryResolvers } from './time-entries/time-entry-resolvers.ts';
import { timeEntriesRules } from './time-entries/time-entries-rules.ts';
import { createCatalogueLoaders } from './services/catalogue-loaders.ts';
import { catalogueResolvers } from './services/catalogue-resolvers.ts';
import { catalogueRules } from './services/catalogue-rules.ts';
import { createTimeReportLoaders } from './time-reports/time-report-loaders.ts';
import { timeReportResolvers } from './time-reports/time-report-resolvers.ts';
import { timeReportsRules } from './time-reports/time-reports-rules.ts';
import { taxRateResolvers } from './tax-rates/tax-rate-resolvers.ts';
import { taxRatesRules } from './tax-rates/tax-rates-rules.ts';
import { timerResolvers } from './timers/timer-resolvers.ts';
import { timersRules } from './timers/timers-rules.ts';

/**
 * The billing subgraph: invoices and client balances, the service catalogue, rate cards, time,
 * timers, time reports, the journal with its chart of accounts and period locks, tax rates, and the
 * accounting reports.
 */
export const billingSubgraph: SubgraphDefinition<BillingLoaders, Resolvers> = {
  name: 'billing',
  resolvers: mergeDisjoint(
    { DateTime: DateTimeScalar, Date: DateScalar, CurrencyCode: CurrencyCodeScalar, Decimal: DecimalScalar },
    billingResolvers,
    invoiceResolvers,
    catalogueResolvers,
    rateResolvers,
    timeEntryResolvers,
    timeReportResolvers,
    timerResolvers,
    ledgerResolvers,
    taxRateResolvers,
    reportResolvers,
  ),
  rules: mergeDisjoint(
    billingRules,
    invoicesRules,
    catalogueRules,
    ratesRules,
    timeEntriesRules,
    timeReportsRules,
    timersRules,
    ledgerRules,
    taxRatesRules,
    reportsRules,
  ),
  createLoaders: (scope) =>
    mergeDisjoint(
      createInvoiceLoaders(scope),
      createCatalogueLoaders(scope),
      createTimeEntryLoaders(scope),
      createTimeReportLoaders(scope),
      createLedgerLoaders(scope),
    ),
  // Signed download links (platform/downloads.ts), by kind: invoice and credit-note PDFs, report CSVs.
  mountRoutes: (app, deps) => mountDownloadRoutes(app, deps, mergeDisjoint(documentDownloads, reportDownloads)),
  // The billing outbox's dispatcher (timer changes) runs in every billing process; replicas share the work (SKIP LOCKED).
  startBackground: async (deps) => {
    const dispatcher = await startOutboxDispatcher({ schema: 'billing', ...deps });
    return () => dispatcher.stop();
  },
};
