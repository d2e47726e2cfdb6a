import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { firmInvoiceSettings, updateInvoiceSettings } from './invoice-settings-service.ts';
import {
  createAccount,
  deleteAccount,
  exportGeneralLedger,
  firmAccounts,
  journalEntries,
  lineAmount,
  trialBalance,
  verifyLedger,
} from './ledger-service.ts';
import { closePeriod, firmPeriodLock, hardLockPeriod, reopenPeriod } from './period-lock-service.ts';

/** Resolvers of the chart of accounts, the journal, its reports, the period locks and the invoicing settings. */
export const ledgerResolvers: Resolvers = {
  Query: {
    accounts: (_parent, _args, ctx) => firmAccounts(ctx),
    journalEntries: (_parent, args, ctx) => journalEntries(ctx, args),
    trialBalance: (_parent, { asOf }, ctx) => trialBalance(ctx, asOf),
    verifyLedger: (_parent, _args, ctx) => verifyLedger(ctx),
    generalLedgerCsv: (_parent, { from, to }, ctx) => exportGeneralLedger(ctx, from, to),
  },
  Mutation: {
    createAccount: (_parent, { input }, ctx) => createAccount(ctx, input),
    deleteAccount: (_parent, { input }, ctx) => deleteAccount(ctx, input.id),
    closePeriod: (_parent, { input }, ctx) => closePeriod(ctx, input),
    reopenPeriod: (_parent, { input }, ctx) => reopenPeriod(ctx, input),
    hardLockPeriod: (_parent, { input }, ctx) => hardLockPeriod(ctx, input),
    updateInvoiceSettings: (_parent, { input }, ctx) => updateInvoiceSettings(ctx, input),
  },
  Account: {
    service: (account, _args, ctx) => (account.serviceId ? ctx.loaders.serviceById.load(account.serviceId) : null),
  },
  JournalEntry: {
    lines: (entry, _args, ctx) => ctx.loaders.journalLinesByEntry.load(entry.id),
  },
  JournalLine: {
    account: async (line, _args, ctx) => (await ctx.loaders.accountById.load(line.accountId))!,
    debit: (line) => lineAmount(line.debitMinor, line.currency),
    credit: (line) => lineAmount(line.creditMinor, line.currency),
    client: (line) => (line.clientId ? { id: line.clientId } : null),
    invoice: (line, _args, ctx) => (line.invoiceId ? ctx.loaders.invoiceById.load(line.invoiceId) : null),
  },
  Firm: {
    periodLock: (firm, _args, ctx) => firmPeriodLock(ctx, firm),
    invoiceSettings: (firm, _args, ctx) => firmInvoiceSettings(ctx, firm),
  },
};
