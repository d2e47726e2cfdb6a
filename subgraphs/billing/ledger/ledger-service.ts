import { z } from 'zod';
import type { AccountRow, JournalEntryRow } from '../../../db/schema/ledger.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { badUserInput, notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { money } from '../../../platform/money.ts';
import { parsePageArgs, toConnection, type Connection, type PageArgs } from '../../../platform/relay.ts';
import { requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { CreateAccountInput, JournalSourceType, UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { getServicesByIds } from '../services/catalogue-store.ts';
import { generalLedgerCsv } from './general-ledger-csv.ts';
import {
  deleteAccountRow,
  generalLedgerRows,
  insertAccount,
  journalEntrySortKey,
  listAccounts,
  listJournalEntries,
  lockAccountForDelete,
  sumsByAccount,
  verifyJournal,
} from './ledger-store.ts';

type UserError = GenericUserError<UserErrorCode>;

const ACCOUNT_CODE = /^[A-Za-z0-9.-]{1,20}$/;
const MAX_ACCOUNT_NAME = 200;
const JOURNAL_CURSOR = z.tuple([z.iso.date(), z.uuid()]);
/** The longest general-ledger export, in days: a fiscal year, leap day included. */
const MAX_EXPORT_DAYS = 366;

/** The firm's chart of accounts, in code order. Requires `ledger:read`. */
export async function firmAccounts(ctx: BillingContext): Promise<AccountRow[]> {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  const rows = await ctx.database.withTenant({ firmId }, (tx) => listAccounts(tx, { firmId }));
  for (const row of rows) ctx.loaders.accountById.prime(row.id, row);
  return rows;
}

/**
 * Adds an account to the firm's chart, in one transaction. Requires `ledger:write`. The code is 1–20
 * letters, digits, `.` or `-` and unique in the firm (DUPLICATE); a service's revenue account must be
 * of type REVENUE (INVALID), name a service of the firm (NOT_FOUND) that has no revenue account yet
 * (DUPLICATE). Audited as `account.create`.
 */
export async function createAccount(
  ctx: BillingContext,
  input: CreateAccountInput,
): Promise<{ account: AccountRow | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'ledger:write');
  const userErrors: UserError[] = [];
  const code = input.code.trim();
  if (!ACCOUNT_CODE.test(code)) {
    userErrors.push({
      field: ['input', 'code'],
      message: 'Use 1 to 20 letters, digits, "." or "-".',
      code: code.length === 0 ? 'REQUIRED' : 'INVALID',
    });
  }
  const name = requiredText(input.name, ['input', 'name'], MAX_ACCOUNT_NAME, userErrors);
  const serviceId = input.serviceId ?? null;
  if (serviceId !== null && input.type !== 'REVENUE') {
    userErrors.push({
      field: ['input', 'serviceId'],
      message: 'Only a REVENUE account can be tied to a service.',
      code: 'INVALID',
    });
  }
  if (userErrors.length > 0) return { account: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    if (serviceId !== null && (!isUuid(serviceId) || (await getServicesByIds(tx, firmId, [serviceId])).length === 0)) {
      return {
        account: null,
        userErrors: [{ field: ['input', 'serviceId'], message: 'No such service in this firm.', code: 'NOT_FOUND' }],
      };
    }
    const { account, conflict } = await insertAccount(tx, {
      firmId,
      id: newId(),
      code,
      name,
      type: input.type,
      serviceId,
    });
    if (!account) {
      return {
        account: null,
        userErrors: [
          conflict === 'code'
            ? {
                field: ['input', 'code'],
                message: 'The firm already has an account with this code.',
                code: 'DUPLICATE',
              }
            : {
                field: ['input', 'serviceId'],
                message: 'This service already has a revenue account.',
                code: 'DUPLICATE',
              },
        ],
      };
    }
    await recordAudit(tx, ctx, {
      firmId,
      action: 'account.create',
      targetType: 'account',
      targetId: account.id,
      metadata: { code: account.code, type: account.type, serviceId: account.serviceId },
    });
    ctx.loaders.accountById.prime(account.id, account);
    return { account, userErrors: [] };
  });
}

/**
 * Deletes an account the firm added, in one transaction. Requires `ledger:write`. System accounts
 * answer SYSTEM_ACCOUNT and accounts with journal lines ACCOUNT_IN_USE, with nothing deleted (the
 * database refuses both too: `accounts_keep_system` and the lines' foreign key). The account row is
 * locked first, so a posting to it either commits before the check or fails after the delete.
 * Audited as `account.delete`.
 * @throws NOT_FOUND when the firm has no such account (another firm's id included).
 */
export async function deleteAccount(
  ctx: BillingContext,
  id: string,
): Promise<{ deletedAccountId: string | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'ledger:write');
  if (!isUuid(id)) throw notFound('Account');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const found = await lockAccountForDelete(tx, { firmId, accountId: id });
    if (!found) throw notFound('Account');
    const field = ['input', 'id'];
    if (found.account.systemAccount !== null) {
      return {
        deletedAccountId: null,
        userErrors: [{ field, message: 'System accounts cannot be deleted.', code: 'SYSTEM_ACCOUNT' as const }],
      };
    }
    if (found.inUse) {
      return {
        deletedAccountId: null,
        userErrors: [
          { field, message: 'The account has journal lines, so it stays.', code: 'ACCOUNT_IN_USE' as const },
        ],
      };
    }
    await deleteAccountRow(tx, { firmId, accountId: id });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'account.delete',
      targetType: 'account',
      targetId: id,
      metadata: { code: found.account.code },
    });
    return { deletedAccountId: id, userErrors: [] };
  });
}

/** The arguments of `Query.journalEntries`. */
export type JournalEntriesArgs = PageArgs & {
  from?: string | null;
  to?: string | null;
  accountId?: string | null;
  sourceType?: JournalSourceType | null;
};

/**
 * One page of the firm's journal entries, latest accounting date first. Requires `ledger:read`. An
 * `accountId` that is malformed or names no account of the firm matches nothing.
 * @throws BAD_USER_INPUT for invalid page arguments, or `from` after `to`.
 */
export async function journalEntries(
  ctx: BillingContext,
  args: JournalEntriesArgs,
): Promise<Connection<JournalEntryRow>> {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  const page = parsePageArgs({ first: args.first, after: args.after }, JOURNAL_CURSOR);
  if (args.from && args.to && args.from > args.to) throw badUserInput('`from` must not be after `to`.');
  if ((args.accountId != null && !isUuid(args.accountId)) || page.limit === 0) {
    return toConnection([], page, journalEntrySortKey, 0);
  }
  const rows = await ctx.database.withTenant({ firmId }, (tx) => listJournalEntries(tx, { firmId, ...args, page }));
  for (const row of rows) ctx.loaders.journalEntryById.prime(row.id, row);
  return toConnection(rows, page, journalEntrySortKey, 0);
}

/** The API's view of a line's amount: `Money`, or null for the side the line is not on. */
export function lineAmount(amountMinor: bigint, currency: string) {
  return amountMinor > 0n ? money(amountMinor, currency) : null;
}

/**
 * The trial balance as of `asOf` (`YYYY-MM-DD`): each account's net balance per currency (a debit
 * when its debits exceed its credits, a credit otherwise) from one statement (`sumsByAccount`), and
 * the column totals per currency. Requires `ledger:read`. Debits equal credits in every currency
 * because every entry balances (migration 0017's `journal_entries_balanced`); `balanced` says so.
 */
export async function trialBalance(ctx: BillingContext, asOf: string) {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  const sums = await ctx.database.withTenant({ firmId }, (tx) => sumsByAccount(tx, { firmId, asOf }));
  const totals = new Map<string, { debit: bigint; credit: bigint }>();
  const rows = sums.map(({ account, currency, debitsMinor, creditsMinor }) => {
    const net = debitsMinor - creditsMinor;
    const debit = net > 0n ? net : 0n;
    const credit = net < 0n ? -net : 0n;
    const total = totals.get(currency) ?? { debit: 0n, credit: 0n };
    totals.set(currency, { debit: total.debit + debit, credit: total.credit + credit });
    ctx.loaders.accountById.prime(account.id, account);
    return { account, debit: money(debit, currency), credit: money(credit, currency) };
  });
  const currencies = [...totals.keys()].sort();
  return {
    asOf,
    rows,
    totals: currencies.map((currency) => ({
      debit: money(totals.get(currency)!.debit, currency),
      credit: money(totals.get(currency)!.credit, currency),
    })),
    balanced: currencies.every((currency) => totals.get(currency)!.debit === totals.get(currency)!.credit),
  };
}

/**
 * Checks the journal against the invoices (`verifyJournal`, one statement): every issued invoice's
 * amount due equals its receivable, and every entry balances. Requires `ledger:read`.
 */
export async function verifyLedger(ctx: BillingContext) {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  const found = await ctx.database.withTenant({ firmId }, (tx) => verifyJournal(tx, { firmId }));
  const mismatch = found.mismatch;
  return {
    ok: mismatch === null && found.unbalancedEntryId === null,
    checkedInvoices: found.checkedInvoices,
    firstMismatch: mismatch
      ? {
          invoice: await ctx.loaders.invoiceById.load(mismatch.invoiceId),
          expected: money(mismatch.expectedMinor, mismatch.currency),
          actual: money(mismatch.actualMinor, mismatch.currency),
        }
      : null,
    firstUnbalancedEntry: found.unbalancedEntryId
      ? await ctx.loaders.journalEntryById.load(found.unbalancedEntryId)
      : null,
  };
}

/**
 * The general ledger from `from` to `to` (`YYYY-MM-DD`, inclusive, at most 366 days) as CSV
 * (`generalLedgerCsv`). Requires `ledger:read`.
 * @throws BAD_USER_INPUT when `from` is after `to` or the range is longer than 366 days.
 */
export async function exportGeneralLedger(ctx: BillingContext, from: string, to: string) {
  const { firmId } = assertCan(ctx.actor, 'ledger:read');
  if (from > to) throw badUserInput('`from` must not be after `to`.');
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_EXPORT_DAYS) throw badUserInput(`Export at most ${MAX_EXPORT_DAYS} days at a time.`);
  const rows = await ctx.database.withTenant({ firmId }, (tx) => generalLedgerRows(tx, { firmId, from, to }));
  return {
    fileName: `general-ledger-${from}-${to}.csv`,
    contentType: 'text/csv; charset=utf-8; header=present',
    content: generalLedgerCsv(rows),
  };
}
