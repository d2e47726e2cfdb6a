import { generate } from 'otplib';
import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { connectDatabase, type Database } from '../db/client.ts';
import { insertJournalEntry, type PostingLine } from '../subgraphs/billing/ledger/journal-store.ts';
import { getTaxRatesByIds } from '../subgraphs/billing/tax-rates/tax-rate-store.ts';
import { graphql } from './gql/index.ts';
import type { CreateAccountInput } from './gql/graphql.ts';
import { asFirm } from './support/admin-db.ts';
import { addMember, createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import type { GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';
import { createService } from './support/time.ts';

const ACCOUNTS = graphql(`
  query LedgerAccounts {
    accounts {
      id
      code
      name
      type
      systemAccount
      service {
        id
      }
    }
  }
`);
const CREATE_ACCOUNT = graphql(`
  mutation LedgerCreateAccount($input: CreateAccountInput!) {
    createAccount(input: $input) {
      account {
        id
        code
        type
        service {
          id
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const DELETE_ACCOUNT = graphql(`
  mutation LedgerDeleteAccount($input: DeleteAccountInput!) {
    deleteAccount(input: $input) {
      deletedAccountId
      userErrors {
        field
        code
      }
    }
  }
`);
const JOURNAL = graphql(`
  query LedgerJournal(
    $first: Int
    $after: String
    $from: Date
    $to: Date
    $accountId: ID
    $sourceType: JournalSourceType
  ) {
    journalEntries(first: $first, after: $after, from: $from, to: $to, accountId: $accountId, sourceType: $sourceType) {
      edges {
        cursor
        node {
          id
          kind
          sourceType
          sourceId
          accountingDate
          eventDate
          postedAt
          memo
          lines {
            lineNo
            account {
              code
            }
            debit {
              amount
              currency
            }
            credit {
              amount
              currency
            }
            client {
              id
            }
            invoice {
              id
              number
            }
            memo
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
const TRIAL_BALANCE = graphql(`
  query LedgerTrialBalance($asOf: Date!) {
    trialBalance(asOf: $asOf) {
      asOf
      balanced
      rows {
        account {
          code
        }
        debit {
          amount
          currency
        }
        credit {
          amount
          currency
        }
      }
      totals {
        debit {
          amount
          currency
        }
        credit {
          amount
          currency
        }
      }
    }
  }
`);
const VERIFY = graphql(`
  query LedgerVerify {
    verifyLedger {
      ok
      checkedInvoices
      firstMismatch {
        invoice {
          id
        }
        expected {
          amount
          currency
        }
        actual {
          amount
          currency
        }
      }
      firstUnbalancedEntry {
        id
      }
    }
  }
`);
const CSV = graphql(`
  query LedgerCsv($from: Date!, $to: Date!) {
    generalLedgerCsv(from: $from, to: $to) {
      fileName
      contentType
      content
    }
  }
`);
const PERIOD_LOCK = graphql(`
  query LedgerPeriodLock {
    me {
      activeFirm {
        periodLock {
          lockDate
          hardLockDate
        }
      }
    }
  }
`);
const CLOSE = graphql(`
  mutation LedgerClosePeriod($input: ClosePeriodInput!) {
    closePeriod(input: $input) {
      periodLock {
        lockDate
        hardLockDate
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const REOPEN = graphql(`
  mutation LedgerReopenPeriod($input: ReopenPeriodInput!) {
    reopenPeriod(input: $input) {
      periodLock {
        lockDate
        hardLockDate
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const HARD_LOCK = graphql(`
  mutation LedgerHardLockPeriod($input: HardLockPeriodInput!) {
    hardLockPeriod(input: $input) {
      periodLock {
        lockDate
        hardLockDate
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const SETTINGS = graphql(`
  query LedgerInvoiceSettings {
    me {
      activeFirm {
        invoiceSettings {
          sellerName
          sellerAddress
          sellerTaxId
          invoiceNumberFormat
          creditNoteNumberFormat
          paymentTerms
          timeLineGrouping
        }
      }
    }
  }
`);
const UPDATE_SETTINGS = graphql(`
  mutation LedgerUpdateInvoiceSettings($input: UpdateInvoiceSettingsInput!) {
    updateInvoiceSettings(input: $input) {
      invoiceSettings {
        sellerName
        sellerAddress
        invoiceNumberFormat
        creditNoteNumberFormat
        paymentTerms
        timeLineGrouping
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const TAX_RATES = graphql(`
  query LedgerTaxRates($includeArchived: Boolean) {
    taxRates(includeArchived: $includeArchived) {
      id
      name
      rate
      rateBasisPoints
      inclusive
      active
    }
  }
`);
const CREATE_TAX_RATE = graphql(`
  mutation LedgerCreateTaxRate($input: CreateTaxRateInput!) {
    createTaxRate(input: $input) {
      taxRate {
        id
        name
        rate
        rateBasisPoints
        inclusive
        active
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const UPDATE_TAX_RATE = graphql(`
  mutation LedgerUpdateTaxRate($input: UpdateTaxRateInput!) {
    updateTaxRate(input: $input) {
      taxRate {
        id
        name
        rate
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const ARCHIVE_TAX_RATE = graphql(`
  mutation LedgerArchiveTaxRate($input: ArchiveTaxRateInput!) {
    archiveTaxRate(input: $input) {
      taxRate {
        id
        active
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const BEGIN_MFA = graphql(`
  mutation LedgerBeginMfa {
    beginMfaEnrolment {
      secret
      userErrors {
        code
      }
    }
  }
`);
const CONFIRM_MFA = graphql(`
  mutation LedgerConfirmMfa($input: ConfirmMfaEnrolmentInput!) {
    confirmMfaEnrolment(input: $input) {
      backupCodes
      userErrors {
        code
      }
    }
  }
`);
const LOG_IN = graphql(`
  mutation LedgerLogIn($input: LogInInput!) {
    logIn(input: $input) {
      mfaChallengeToken
      userErrors {
        code
      }
    }
  }
`);
const VERIFY_MFA = graphql(`
  mutation LedgerVerifyMfa($input: VerifyMfaChallengeInput!) {
    verifyMfaChallenge(input: $input) {
      session {
        accessToken
      }
      userErrors {
        code
      }
    }
  }
`);

const env = useStackWithAdmin();
/** Billing's own pool, to post journal entries as invoicing will (insertJournalEntry). */
let billing: Database;
beforeAll(() => {
  billing = connectDatabase(inject('serviceUrls').billing, { max: 2, applicationName: 'ledger-e2e' });
});
afterAll(async () => {
  await billing.close();
});

function ok<T>(result: GraphQLResponse<T>): T {
  expect(result.errors).toBeUndefined();
  return result.data!;
}

const codeOf = (result: GraphQLResponse<unknown>) => result.errors?.[0]?.extensions?.code;
const errorsOf = (payload: { userErrors: { field: string[]; code: string }[] }) =>
  payload.userErrors.map((e) => [e.field.join('.'), e.code]);

/**
 * Issues an invoice of `totalMinor` (USD) straight in billing's tables as invoicing will: the
 * invoice row and its INVOICE_ISSUED entry (receivable against revenue, and tax when given) in one
 * transaction, as billing's role.
 */
async function issueInvoice(
  firmId: string,
  clientId: string,
  { totalMinor, taxMinor = 0n, date }: { totalMinor: bigint; taxMinor?: bigint; date: string },
): Promise<{ invoiceId: string; entryId: string }> {
  const invoiceId = uuidv7();
  const entryId = uuidv7();
  const party = JSON.stringify({ name: 'Party', addressLines: [], taxId: null });
  await billing.withTenant({ firmId }, async (tx) => {
    await tx.execute(sql`insert into billing.invoices (firm_id, id, client_id, number, status, currency, total_minor,
      tax_minor, subtotal_minor, amount_due_minor, issue_date, due_date, seller, bill_to)
      values (${firmId}, ${invoiceId}, ${clientId}, ${`INV-${invoiceId.slice(-8)}`}, 'OPEN', 'USD', ${totalMinor},
        ${taxMinor}, ${totalMinor - taxMinor}, ${totalMinor}, ${date}, ${date}, ${party}::jsonb, ${party}::jsonb)`);
    const lines: PostingLine[] = [
      { account: 'ACCOUNTS_RECEIVABLE', amountMinor: totalMinor, currency: 'USD', clientId, invoiceId },
      { account: 'REVENUE', amountMinor: -(totalMinor - taxMinor), currency: 'USD', clientId, invoiceId, memo: 'Fees' },
    ];
    if (taxMinor > 0n) lines.push({ account: 'TAX_PAYABLE', amountMinor: -taxMinor, currency: 'USD', invoiceId });
    await insertJournalEntry(tx, {
      firmId,
      entryId,
      kind: 'INVOICE_ISSUED',
      sourceType: 'INVOICE',
      sourceId: invoiceId,
      accountingDate: date,
      memo: `Invoice, "quoted", issued`,
      postedById: null,
      lines,
    });
  });
  return { invoiceId, entryId };
}

/** The owner signed in again with a second factor (enrolled now, verified with a backup code). */
async function mfaSession(owner: FirmOwner): Promise<string> {
  const begun = ok(await env.t.gql(BEGIN_MFA, {}, owner.accessToken)).beginMfaEnrolment;
  const code = await generate({ secret: begun.secret! });
  const confirmed = ok(await env.t.gql(CONFIRM_MFA, { input: { code } }, owner.accessToken)).confirmMfaEnrolment;
  expect(confirmed.userErrors).toEqual([]);
  const login = ok(await env.t.gql(LOG_IN, { input: { email: owner.email, password: owner.password } })).logIn;
  const verified = ok(
    await env.t.gql(VERIFY_MFA, {
      input: { challengeToken: login.mfaChallengeToken!, code: confirmed.backupCodes![0]! },
    }),
  ).verifyMfaChallenge;
  expect(verified.userErrors).toEqual([]);
  return verified.session!.accessToken;
}

async function auditActions(firmId: string, prefix: string): Promise<unknown[]> {
  return [
    ...(await asFirm(
      env.admin,
      firmId,
      (tx) => tx`select action, metadata from tenancy.audit_log
      where firm_id = ${firmId} and action like ${`${prefix}%`} order by seq`,
    )),
  ];
}

describe('the chart of accounts', () => {
  it('opens with the system accounts, adds the firm’s own, and refuses duplicates and bad input writing nothing', async () => {
    const owner = await signUpFirm(env.t);
    const listed = ok(await env.t.gql(ACCOUNTS, {}, owner.accessToken)).accounts;
    expect(listed.map((a) => [a.code, a.systemAccount])).toEqual([
      ['1100', 'ACCOUNTS_RECEIVABLE'],
      ['1200', 'CASH_CLEARING'],
      ['2100', 'TAX_PAYABLE'],
      ['2200', 'CLIENT_CREDIT'],
      ['2300', 'UNEARNED_REVENUE'],
      ['4000', 'REVENUE'],
      ['6100', 'WRITE_OFFS'],
      ['6200', 'PROCESSOR_FEES'],
      ['6900', 'ROUNDING'],
    ]);
    const serviceId = await createService(env.t, owner.accessToken, 'Tax returns');
    const created = ok(
      await env.t.gql(
        CREATE_ACCOUNT,
        { input: { code: '4100', name: 'Tax return fees', type: 'REVENUE', serviceId } },
        owner.accessToken,
      ),
    ).createAccount;
    expect(created).toMatchObject({
      account: { code: '4100', type: 'REVENUE', service: { id: serviceId } },
      userErrors: [],
    });

    const refused = async (input: CreateAccountInput) =>
      errorsOf(ok(await env.t.gql(CREATE_ACCOUNT, { input }, owner.accessToken)).createAccount);
    expect(await refused({ code: '4100', name: 'Again', type: 'REVENUE' })).toEqual([['input.code', 'DUPLICATE']]);
    expect(await refused({ code: '1100', name: 'Receivable 2', type: 'ASSET' })).toEqual([['input.code', 'DUPLICATE']]);
    expect(await refused({ code: '4200', name: 'Same service', type: 'REVENUE', serviceId })).toEqual([
      ['input.serviceId', 'DUPLICATE'],
    ]);
    expect(await refused({ code: '5000', name: 'Costs', type: 'EXPENSE', serviceId })).toEqual([
      ['input.serviceId', 'INVALID'],
    ]);
    expect(await refused({ code: 'no spaces', name: ' ', type: 'ASSET' })).toEqual([
      ['input.code', 'INVALID'],
      ['input.name', 'REQUIRED'],
    ]);
    expect(await refused({ code: '4300', name: 'Ghost', type: 'REVENUE', serviceId: uuidv7() })).toEqual([
      ['input.serviceId', 'NOT_FOUND'],
    ]);
    expect(ok(await env.t.gql(ACCOUNTS, {}, owner.accessToken)).accounts).toHaveLength(10);
  });

  it('deletes an unused account of the firm; a system account or one with lines stays; another firm’s is missing', async () => {
    const owner = await signUpFirm(env.t);
    const other = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Acme']);
    const accounts = ok(await env.t.gql(ACCOUNTS, {}, owner.accessToken)).accounts;
    const receivable = accounts.find((a) => a.systemAccount === 'ACCOUNTS_RECEIVABLE')!;
    const made = async (code: string) =>
      ok(
        await env.t.gql(
          CREATE_ACCOUNT,
          { input: { code, name: `Account ${code}`, type: 'REVENUE' } },
          owner.accessToken,
        ),
      ).createAccount.account!.id;
    const [unused, used] = [await made('4500'), await made('4600')];
    await billing.withTenant({ firmId: owner.firmId }, (tx) =>
      insertJournalEntry(tx, {
        firmId: owner.firmId,
        entryId: uuidv7(),
        kind: 'INVOICE_ISSUED',
        sourceType: 'INVOICE',
        sourceId: uuidv7(),
        accountingDate: '2026-05-01',
        memo: null,
        postedById: null,
        lines: [
          { account: 'ACCOUNTS_RECEIVABLE', amountMinor: 700n, currency: 'USD', clientId },
          { account: { accountId: used }, amountMinor: -700n, currency: 'USD', clientId },
        ],
      }),
    );
    const remove = async (id: string, token = owner.accessToken) => env.t.gql(DELETE_ACCOUNT, { input: { id } }, token);
    expect(errorsOf(ok(await remove(receivable.id)).deleteAccount)).toEqual([['input.id', 'SYSTEM_ACCOUNT']]);
    expect(errorsOf(ok(await remove(used)).deleteAccount)).toEqual([['input.id', 'ACCOUNT_IN_USE']]);
    // Another firm's account answers exactly as a random id.
    expect(codeOf(await remove(unused, other.accessToken))).toBe('NOT_FOUND');
    expect(codeOf(await remove(uuidv7(), other.accessToken))).toBe('NOT_FOUND');
    expect(ok(await remove(unused)).deleteAccount).toEqual({ deletedAccountId: unused, userErrors: [] });
    const codes = ok(await env.t.gql(ACCOUNTS, {}, owner.accessToken)).accounts.map((a) => a.code);
    expect(codes).toContain('4600');
    expect(codes).not.toContain('4500');
    expect(await auditActions(owner.firmId, 'account.')).toHaveLength(3);
  });

  it('is for accountants: a manager reads neither the accounts, the journal nor the trial balance; an admin does', async () => {
    const owner = await signUpFirm(env.t);
    const manager = await addMember(env.t, owner, 'MANAGER');
    const admin = await addMember(env.t, owner, 'ADMIN');
    expect(codeOf(await env.t.gql(ACCOUNTS, {}, manager.accessToken))).toBe('FORBIDDEN');
    expect(codeOf(await env.t.gql(JOURNAL, {}, manager.accessToken))).toBe('FORBIDDEN');
    expect(codeOf(await env.t.gql(TRIAL_BALANCE, { asOf: '2026-01-01' }, manager.accessToken))).toBe('FORBIDDEN');
    expect(ok(await env.t.gql(ACCOUNTS, {}, admin.accessToken)).accounts).toHaveLength(9);
  });
});

describe('the journal and its reports', () => {
  it('lists entries newest first with their lines, filters them, and pages without gaps', async () => {
    const owner = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Acme']);
    const first = await issueInvoice(owner.firmId, clientId!, {
      totalMinor: 120_00n,
      taxMinor: 20_00n,
      date: '2026-02-10',
    });
    const second = await issueInvoice(owner.firmId, clientId!, { totalMinor: 50_00n, date: '2026-03-05' });
    const third = await issueInvoice(owner.firmId, clientId!, { totalMinor: 7_50n, date: '2026-03-20' });

    const all = ok(await env.t.gql(JOURNAL, {}, owner.accessToken)).journalEntries;
    expect(all.edges.map((e) => e.node.id)).toEqual([third.entryId, second.entryId, first.entryId]);
    expect(all.edges[2]!.node).toMatchObject({
      kind: 'INVOICE_ISSUED',
      sourceType: 'INVOICE',
      sourceId: first.invoiceId,
      accountingDate: '2026-02-10',
      eventDate: '2026-02-10',
      lines: [
        {
          lineNo: 1,
          account: { code: '1100' },
          debit: { amount: '120.00', currency: 'USD' },
          credit: null,
          client: { id: clientId },
          invoice: { id: first.invoiceId, number: `INV-${first.invoiceId.slice(-8)}` },
        },
        {
          lineNo: 2,
          account: { code: '4000' },
          debit: null,
          credit: { amount: '100.00', currency: 'USD' },
          memo: 'Fees',
        },
        { lineNo: 3, account: { code: '2100' }, credit: { amount: '20.00', currency: 'USD' }, client: null },
      ],
    });

    const march = ok(await env.t.gql(JOURNAL, { from: '2026-03-01', to: '2026-03-31' }, owner.accessToken));
    expect(march.journalEntries.edges.map((e) => e.node.id)).toEqual([third.entryId, second.entryId]);
    const accounts = ok(await env.t.gql(ACCOUNTS, {}, owner.accessToken)).accounts;
    const tax = accounts.find((a) => a.systemAccount === 'TAX_PAYABLE')!;
    const taxed = ok(await env.t.gql(JOURNAL, { accountId: tax.id }, owner.accessToken)).journalEntries;
    expect(taxed.edges.map((e) => e.node.id)).toEqual([first.entryId]);
    expect(ok(await env.t.gql(JOURNAL, { sourceType: 'CREDIT_NOTE' }, owner.accessToken)).journalEntries.edges).toEqual(
      [],
    );

    const page1 = ok(await env.t.gql(JOURNAL, { first: 2 }, owner.accessToken)).journalEntries;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(
      await env.t.gql(JOURNAL, { first: 2, after: page1.pageInfo.endCursor }, owner.accessToken),
    ).journalEntries;
    expect([...page1.edges, ...page2.edges].map((e) => e.node.id)).toEqual(all.edges.map((e) => e.node.id));
    expect(page2.pageInfo.hasNextPage).toBe(false);

    // Another firm sees none of it, and its own journal is empty.
    const other = await signUpFirm(env.t);
    expect(ok(await env.t.gql(JOURNAL, {}, other.accessToken)).journalEntries.edges).toEqual([]);
    expect(ok(await env.t.gql(JOURNAL, { accountId: tax.id }, other.accessToken)).journalEntries.edges).toEqual([]);
  });

  it('balances the trial balance per currency as of a date, and verifyLedger names the first mismatch', async () => {
    const owner = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Acme']);
    await issueInvoice(owner.firmId, clientId!, { totalMinor: 120_00n, taxMinor: 20_00n, date: '2026-02-10' });
    await issueInvoice(owner.firmId, clientId!, { totalMinor: 50_00n, date: '2026-03-05' });

    const feb = ok(await env.t.gql(TRIAL_BALANCE, { asOf: '2026-02-28' }, owner.accessToken)).trialBalance;
    expect(feb).toEqual({
      asOf: '2026-02-28',
      balanced: true,
      rows: [
        {
          account: { code: '1100' },
          debit: { amount: '120.00', currency: 'USD' },
          credit: { amount: '0.00', currency: 'USD' },
        },
        {
          account: { code: '2100' },
          debit: { amount: '0.00', currency: 'USD' },
          credit: { amount: '20.00', currency: 'USD' },
        },
        {
          account: { code: '4000' },
          debit: { amount: '0.00', currency: 'USD' },
          credit: { amount: '100.00', currency: 'USD' },
        },
      ],
      totals: [{ debit: { amount: '120.00', currency: 'USD' }, credit: { amount: '120.00', currency: 'USD' } }],
    });
    const march = ok(await env.t.gql(TRIAL_BALANCE, { asOf: '2026-03-31' }, owner.accessToken)).trialBalance;
    expect(march.totals).toEqual([
      { debit: { amount: '170.00', currency: 'USD' }, credit: { amount: '170.00', currency: 'USD' } },
    ]);

    expect(ok(await env.t.gql(VERIFY, {}, owner.accessToken)).verifyLedger).toEqual({
      ok: true,
      checkedInvoices: 2,
      firstMismatch: null,
      firstUnbalancedEntry: null,
    });
    // An invoice whose amount due the journal does not carry: only possible with the database's
    // triggers switched off (as a superuser), which is what verifyLedger is there to catch.
    const broken = uuidv7();
    await env.admin.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`insert into billing.invoices (firm_id, id, client_id, number, status, currency, total_minor, amount_due_minor,
          issue_date, due_date, seller, bill_to)
        values (${owner.firmId}, ${broken}, ${clientId!}, 'INV-BROKEN', 'OPEN', 'USD', 4000, 4000, '2026-01-05', '2026-01-05',
          '{"name":"S","addressLines":[],"taxId":null}', '{"name":"B","addressLines":[],"taxId":null}')`;
    });
    expect(ok(await env.t.gql(VERIFY, {}, owner.accessToken)).verifyLedger).toEqual({
      ok: false,
      checkedInvoices: 3,
      firstMismatch: {
        invoice: { id: broken },
        expected: { amount: '40.00', currency: 'USD' },
        actual: { amount: '0.00', currency: 'USD' },
      },
      firstUnbalancedEntry: null,
    });
  });

  it('exports the general ledger as RFC 4180 CSV with decimal amounts', async () => {
    const owner = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Acme']);
    const { entryId } = await issueInvoice(owner.firmId, clientId!, { totalMinor: 1234_56n, date: '2026-04-02' });
    await issueInvoice(owner.firmId, clientId!, { totalMinor: 1_00n, date: '2026-05-02' });
    const csv = ok(await env.t.gql(CSV, { from: '2026-04-01', to: '2026-04-30' }, owner.accessToken)).generalLedgerCsv;
    expect(csv.fileName).toBe('general-ledger-2026-04-01-2026-04-30.csv');
    expect(csv.contentType).toBe('text/csv; charset=utf-8; header=present');
    expect(csv.content).toBe(
      'date,entry id,account code,account name,debit,credit,currency,memo\r\n' +
        `2026-04-02,${entryId},1100,Accounts receivable,1234.56,,USD,"Invoice, ""quoted"", issued"\r\n` +
        `2026-04-02,${entryId},4000,Revenue,,1234.56,USD,Fees\r\n`,
    );
    expect(codeOf(await env.t.gql(CSV, { from: '2026-01-01', to: '2027-01-02' }, owner.accessToken))).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('period locks', () => {
  it('close forward only; reopen is the owner’s, with a reason; postings and their dates follow the lock', async () => {
    const owner = await signUpFirm(env.t);
    const admin = await addMember(env.t, owner, 'ADMIN');
    const [clientId] = await createClients(env.t, owner.accessToken, ['Acme']);
    const lock = async (token = owner.accessToken) =>
      ok(await env.t.gql(PERIOD_LOCK, {}, token)).me!.activeFirm!.periodLock;
    expect(await lock()).toEqual({ lockDate: null, hardLockDate: null });

    const close = async (through: string, token = admin.accessToken) =>
      ok(await env.t.gql(CLOSE, { input: { through } }, token)).closePeriod;
    expect(await close('2026-01-31')).toEqual({
      periodLock: { lockDate: '2026-01-31', hardLockDate: null },
      userErrors: [],
    });
    expect(errorsOf(await close('2026-01-31'))).toEqual([['input.through', 'LOCK_BACKWARDS']]);
    expect(errorsOf(await close('2025-12-31'))).toEqual([['input.through', 'LOCK_BACKWARDS']]);
    expect(errorsOf(await close('2999-01-01'))).toEqual([['input.through', 'OUT_OF_RANGE']]);
    expect(await close('2026-02-28')).toMatchObject({ periodLock: { lockDate: '2026-02-28' } });

    // The database refuses an entry in the closed period: postingDate moves such events to the first open date.
    const refused = await issueInvoice(owner.firmId, clientId!, { totalMinor: 100n, date: '2026-02-15' }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ cause: { constraint_name: 'period_locked' } });
    await issueInvoice(owner.firmId, clientId!, { totalMinor: 100n, date: '2026-03-01' });

    const reopen = async (through: string, reason: string, token = owner.accessToken) =>
      env.t.gql(REOPEN, { input: { through, reason } }, token);
    expect(codeOf(await reopen('2026-01-31', 'Late bill', admin.accessToken))).toBe('FORBIDDEN');
    expect(errorsOf(ok(await reopen('2026-01-31', '  ')).reopenPeriod)).toEqual([['input.reason', 'REQUIRED']]);
    expect(errorsOf(ok(await reopen('2026-03-31', 'Forward')).reopenPeriod)).toEqual([['input.through', 'INVALID']]);
    expect(await lock()).toEqual({ lockDate: '2026-02-28', hardLockDate: null });
    expect(ok(await reopen('2026-01-31', 'A supplier invoice of February arrived late')).reopenPeriod).toEqual({
      periodLock: { lockDate: '2026-01-31', hardLockDate: null },
      userErrors: [],
    });
    await issueInvoice(owner.firmId, clientId!, { totalMinor: 100n, date: '2026-02-15' });
    expect(await auditActions(owner.firmId, 'period.')).toEqual([
      { action: 'period.close', metadata: { from: null, to: '2026-01-31' } },
      { action: 'period.close', metadata: { from: '2026-01-31', to: '2026-02-28' } },
      {
        action: 'period.reopen',
        metadata: { from: '2026-02-28', to: '2026-01-31', reason: 'A supplier invoice of February arrived late' },
      },
    ]);
    // Another firm's lock is its own.
    const other = await signUpFirm(env.t);
    expect(await lock(other.accessToken)).toEqual({ lockDate: null, hardLockDate: null });
  });

  it('sets the hard lock only for the owner signed in with MFA, lifts the period lock to it, and never moves it back', async () => {
    const owner = await signUpFirm(env.t);
    const admin = await addMember(env.t, owner, 'ADMIN');
    const hardLock = async (through: string, token: string) => env.t.gql(HARD_LOCK, { input: { through } }, token);
    expect(codeOf(await hardLock('2026-01-31', admin.accessToken))).toBe('FORBIDDEN');
    // The owner's password-only session is not enough.
    expect(ok(await hardLock('2026-01-31', owner.accessToken)).hardLockPeriod).toEqual({
      periodLock: null,
      userErrors: [{ field: [], code: 'MFA_REQUIRED' }],
    });
    const verified = await mfaSession(owner);
    expect(ok(await hardLock('2026-01-31', verified)).hardLockPeriod).toEqual({
      periodLock: { lockDate: '2026-01-31', hardLockDate: '2026-01-31' },
      userErrors: [],
    });
    expect(errorsOf(ok(await hardLock('2026-01-31', verified)).hardLockPeriod)).toEqual([
      ['input.through', 'LOCK_BACKWARDS'],
    ]);
    expect(
      ok(await env.t.gql(CLOSE, { input: { through: '2026-03-31' } }, admin.accessToken)).closePeriod.userErrors,
    ).toEqual([]);
    // Reopening goes down to the hard lock, never below it.
    const reopen = async (through: string) =>
      ok(await env.t.gql(REOPEN, { input: { through, reason: 'Audit adjustment' } }, verified)).reopenPeriod;
    expect(errorsOf(await reopen('2025-12-31'))).toEqual([['input.through', 'LOCK_BACKWARDS']]);
    expect(await reopen('2026-01-31')).toEqual({
      periodLock: { lockDate: '2026-01-31', hardLockDate: '2026-01-31' },
      userErrors: [],
    });
    expect((await auditActions(owner.firmId, 'period.hard_lock')).length).toBe(1);
  });
});

describe('invoice settings', () => {
  it('start from the defaults and the firm’s name, change field by field, and refuse a bad number format', async () => {
    const owner = await signUpFirm(env.t, 'Ledger & Co');
    const settings = async () => ok(await env.t.gql(SETTINGS, {}, owner.accessToken)).me!.activeFirm!.invoiceSettings;
    expect(await settings()).toEqual({
      sellerName: 'Ledger & Co',
      sellerAddress: null,
      sellerTaxId: null,
      invoiceNumberFormat: 'INV-{YYYY}-{SEQ:5}',
      creditNoteNumberFormat: 'CN-{YYYY}-{SEQ:5}',
      paymentTerms: 'NET_30',
      timeLineGrouping: 'PER_SERVICE',
    });
    const update = async (input: Record<string, unknown>) =>
      ok(await env.t.gql(UPDATE_SETTINGS, { input }, owner.accessToken)).updateInvoiceSettings;
    expect(
      await update({
        sellerAddress: '1 Main St\nSpringfield',
        invoiceNumberFormat: 'F/{SEQ:6}',
        paymentTerms: 'NET_15',
      }),
    ).toEqual({
      invoiceSettings: {
        sellerName: 'Ledger & Co',
        sellerAddress: '1 Main St\nSpringfield',
        invoiceNumberFormat: 'F/{SEQ:6}',
        creditNoteNumberFormat: 'CN-{YYYY}-{SEQ:5}',
        paymentTerms: 'NET_15',
        timeLineGrouping: 'PER_SERVICE',
      },
      userErrors: [],
    });
    for (const format of [
      'INV-{YYYY}',
      'INV {SEQ:5}',
      '{SEQ:0}',
      '{SEQ:3}-{SEQ:3}',
      '{YYYY}{YYYY}{SEQ:2}',
      'INV-{yyyy}-{SEQ:4}',
    ]) {
      expect(errorsOf(await update({ invoiceNumberFormat: format, timeLineGrouping: 'PER_ENTRY' })), format).toEqual([
        ['input.invoiceNumberFormat', 'INVALID'],
      ]);
    }
    expect(await settings()).toMatchObject({ invoiceNumberFormat: 'F/{SEQ:6}', timeLineGrouping: 'PER_SERVICE' });
    const manager = await addMember(env.t, owner, 'MANAGER');
    expect(codeOf(await env.t.gql(UPDATE_SETTINGS, { input: { sellerName: 'X' } }, manager.accessToken))).toBe(
      'FORBIDDEN',
    );
  });
});

describe('tax rates', () => {
  it('creates, renames and archives rates; a rate outside 0–100 % or a duplicate name writes nothing', async () => {
    const owner = await signUpFirm(env.t);
    const create = async (input: { name: string; rateBasisPoints: number; inclusive: boolean }) =>
      ok(await env.t.gql(CREATE_TAX_RATE, { input }, owner.accessToken)).createTaxRate;
    const vat = await create({ name: 'VAT 20%', rateBasisPoints: 2000, inclusive: false });
    expect(vat).toMatchObject({
      taxRate: { name: 'VAT 20%', rate: '20', rateBasisPoints: 2000, inclusive: false, active: true },
      userErrors: [],
    });
    expect((await create({ name: 'City tax', rateBasisPoints: 825, inclusive: true })).taxRate).toMatchObject({
      rate: '8.25',
    });
    expect(errorsOf(await create({ name: 'Too much', rateBasisPoints: 10_001, inclusive: false }))).toEqual([
      ['input.rateBasisPoints', 'OUT_OF_RANGE'],
    ]);
    expect(errorsOf(await create({ name: 'Negative', rateBasisPoints: -1, inclusive: false }))).toEqual([
      ['input.rateBasisPoints', 'OUT_OF_RANGE'],
    ]);
    expect(errorsOf(await create({ name: 'vat 20%', rateBasisPoints: 2000, inclusive: false }))).toEqual([
      ['input.name', 'DUPLICATE'],
    ]);
    const id = vat.taxRate!.id;
    const renamed = ok(await env.t.gql(UPDATE_TAX_RATE, { input: { id, name: 'VAT standard' } }, owner.accessToken));
    expect(renamed.updateTaxRate).toEqual({ taxRate: { id, name: 'VAT standard', rate: '20' }, userErrors: [] });
    const archived = ok(await env.t.gql(ARCHIVE_TAX_RATE, { input: { id } }, owner.accessToken)).archiveTaxRate;
    expect(archived).toEqual({ taxRate: { id, active: false }, userErrors: [] });
    expect(ok(await env.t.gql(TAX_RATES, {}, owner.accessToken)).taxRates.map((r) => r.name)).toEqual(['City tax']);
    expect(
      ok(await env.t.gql(TAX_RATES, { includeArchived: true }, owner.accessToken)).taxRates.map((r) => r.name),
    ).toEqual(['City tax', 'VAT standard']);

    // What invoicing reads to snapshot rates onto lines: archived rates too, and only the firm's own.
    const cityId = ok(await env.t.gql(TAX_RATES, {}, owner.accessToken)).taxRates[0]!.id;
    const read = (firmId: string) =>
      billing.withTenant({ firmId }, (tx) => getTaxRatesByIds(tx, { firmId, ids: [id, cityId, uuidv7()] }));
    expect((await read(owner.firmId)).map((r) => [r.id, r.active]).sort()).toEqual(
      [
        [id, false],
        [cityId, true],
      ].sort(),
    );
    const other = await signUpFirm(env.t);
    expect(await read(other.firmId)).toEqual([]);
    for (const result of [
      await env.t.gql(UPDATE_TAX_RATE, { input: { id, name: 'Mine now' } }, other.accessToken),
      await env.t.gql(ARCHIVE_TAX_RATE, { input: { id } }, other.accessToken),
      await env.t.gql(ARCHIVE_TAX_RATE, { input: { id: uuidv7() } }, other.accessToken),
    ]) {
      expect(codeOf(result)).toBe('NOT_FOUND');
    }
    expect(ok(await env.t.gql(TAX_RATES, {}, other.accessToken)).taxRates).toEqual([]);
    const manager = await addMember(env.t, owner, 'MANAGER');
    expect(ok(await env.t.gql(TAX_RATES, {}, manager.accessToken)).taxRates).toHaveLength(1);
    expect(
      codeOf(
        await env.t.gql(
          CREATE_TAX_RATE,
          { input: { name: 'X', rateBasisPoints: 1, inclusive: false } },
          manager.accessToken,
        ),
      ),
    ).toBe('FORBIDDEN');
    expect(await auditActions(owner.firmId, 'tax_rate.')).toHaveLength(4);
  });
});
