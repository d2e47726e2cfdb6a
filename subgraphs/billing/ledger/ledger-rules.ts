import { allow } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/**
 * graphql-shield rules of the ledger module. The journal, its accounts and reports and the period
 * locks are accountants' data behind `ledger:read`; invoicing settings are `invoice:read`. Nothing
 * here is portal-visible.
 */
export const ledgerRules: RuleMap<Resolvers> = {
  Query: {
    accounts: allowedTo('ledger:read'),
    journalEntries: allowedTo('ledger:read'),
    trialBalance: allowedTo('ledger:read'),
    verifyLedger: allowedTo('ledger:read'),
    generalLedgerCsv: allowedTo('ledger:read'),
  },
  Mutation: {
    createAccount: allowedTo('ledger:write'),
    deleteAccount: allowedTo('ledger:write'),
    closePeriod: allowedTo('period:close'),
    reopenPeriod: allowedTo('period:reopen'),
    hardLockPeriod: allowedTo('period:hard_lock'),
    updateInvoiceSettings: allowedTo('ledger:write'),
  },
  Account: allowedTo('ledger:read'),
  JournalEntry: allowedTo('ledger:read'),
  JournalLine: allowedTo('ledger:read'),
  JournalEntryConnection: allowedTo('ledger:read'),
  JournalEntryEdge: allowedTo('ledger:read'),
  TrialBalance: allowedTo('ledger:read'),
  TrialBalanceRow: allowedTo('ledger:read'),
  TrialBalanceTotal: allowedTo('ledger:read'),
  LedgerVerification: allowedTo('ledger:read'),
  LedgerMismatch: allowedTo('ledger:read'),
  // Reached only through the fields above, which hold the rule (a payload's period lock, an export).
  CsvExport: allow,
  PeriodLock: allow,
  InvoiceSettings: allow,
  Firm: {
    periodLock: allowedTo('ledger:read'),
    invoiceSettings: allowedTo('invoice:read'),
  },
  CreateAccountPayload: allow,
  DeleteAccountPayload: allow,
  PeriodLockPayload: allow,
  UpdateInvoiceSettingsPayload: allow,
};
