import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/**
 * graphql-shield rules of the reports module: accounting reports are the journal's (`ledger:read`,
 * OWNER and ADMIN by default). No field here is portal-visible; the entity references they hold
 * (`Client`, `Invoice`, `CreditNote`) keep their own rules.
 */
export const reportsRules: RuleMap<Resolvers> = {
  Query: {
    arAging: allowedTo('ledger:read'),
    invoiceRegister: allowedTo('ledger:read'),
    arAgingCsvUrl: allowedTo('ledger:read'),
    invoiceRegisterCsvUrl: allowedTo('ledger:read'),
  },
  ArAging: allowedTo('ledger:read'),
  ArAgingAmounts: allowedTo('ledger:read'),
  ArAgingRow: allowedTo('ledger:read'),
  ArAgingRowEdge: allowedTo('ledger:read'),
  ArAgingRowConnection: allowedTo('ledger:read'),
  InvoiceRegister: allowedTo('ledger:read'),
  InvoiceRegisterEntry: allowedTo('ledger:read'),
  InvoiceRegisterEntryEdge: allowedTo('ledger:read'),
  InvoiceRegisterEntryConnection: allowedTo('ledger:read'),
  InvoiceRegisterTotal: allowedTo('ledger:read'),
};
