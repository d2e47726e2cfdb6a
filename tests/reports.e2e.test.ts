import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../db/client.ts';
import { sumsByAccount } from '../subgraphs/billing/ledger/ledger-store.ts';
import { graphql } from './gql/index.ts';
import { asFirm, importInvoices } from './support/admin-db.ts';
import { signUpFirm, type FirmOwner } from './support/factories.ts';
import { createDraft, insertTaxRate, issue, journalFindings } from './support/invoicing.ts';
import { onboardPortalUser } from './support/portal.ts';
import { useStackWithAdmin } from './support/suite.ts';

const env = useStackWithAdmin();

const AR_AGING = graphql(`
  query ReportsArAging($asOf: Date!, $first: Int, $after: String) {
    arAging(asOf: $asOf, first: $first, after: $after) {
      asOf
      rows {
        edges {
          cursor
          node {
            client {
              id
            }
            amounts {
              currency
              current {
                amount
              }
              days1To30 {
                amount
              }
              days31To60 {
                amount
              }
              days61To90 {
                amount
              }
              over90Days {
                amount
              }
              total {
                amount
              }
            }
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
      totals {
        currency
        current {
          amount
        }
        days1To30 {
          amount
        }
        days31To60 {
          amount
        }
        days61To90 {
          amount
        }
        over90Days {
          amount
        }
        total {
          amount
        }
      }
    }
  }
`);

const REGISTER = graphql(`
  query ReportsRegister($from: Date!, $to: Date!, $first: Int, $after: String) {
    invoiceRegister(from: $from, to: $to, first: $first, after: $after) {
      entries {
        edges {
          node {
            kind
            number
            issueDate
            status
            client {
              id
            }
            invoice {
              number
            }
            creditNote {
              number
            }
            total {
              amount
              currency
            }
            amountDue {
              amount
            }
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
      totals {
        currency
        invoiceCount
        creditNoteCount
        invoicedSubtotal {
          amount
        }
        invoicedTax {
          amount
        }
        invoicedTotal {
          amount
        }
        voidedTotal {
          amount
        }
        creditedTotal {
          amount
        }
        amountDue {
          amount
        }
      }
    }
  }
`);

const CSV_URLS = graphql(`
  query ReportsCsvUrls($asOf: Date!, $from: Date!, $to: Date!) {
    arAgingCsvUrl(asOf: $asOf)
    invoiceRegisterCsvUrl(from: $from, to: $to)
  }
`);

const TRIAL_BALANCE = graphql(`
  query ReportsTrialBalance($asOf: Date!) {
    trialBalance(asOf: $asOf) {
      balanced
      rows {
        account {
          systemAccount
        }
        debit {
          amount
          currency
        }
        credit {
          amount
        }
      }
    }
  }
`);

const CREATE_CLIENT = `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { code } } }`;
const VOID = `mutation ($input: VoidInvoiceInput!) { voidInvoice(input: $input) { userErrors { code } } }`;
const CREDIT = `mutation ($input: IssueCreditNoteInput!) { issueCreditNote(input: $input) { creditNote { number toClientCredit { amount } } userErrors { code } } }`;

/** Parses RFC 4180 CSV (CRLF records, quoted fields with doubled quotes) into records of named fields. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      field += '"';
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (quoted || (char !== ',' && char !== '\r')) {
      field += char;
    } else if (char === ',') {
      record.push(field);
      field = '';
    } else {
      expect(text[i + 1], 'records end with CRLF').toBe('\n');
      records.push([...record, field]);
      record = [];
      field = '';
      i += 1;
    }
  }
  expect(field, 'the CSV ends with CRLF').toBe('');
  const [header, ...rows] = records;
  return rows.map((row) => Object.fromEntries(header!.map((name, index) => [name, row[index]!])));
}

/** Fetches a signed link through this stack's gateway (its port is picked at start, not PUBLIC_URL's). */
function fetchDownload(url: string) {
  return fetch(new URL(new URL(url).pathname, env.t.graphqlUrl));
}

/** Minor units of a decimal string with two digits (USD, EUR). */
const cents = (amount: string) => BigInt(amount.replace('.', ''));

/**
 * The accounts-receivable balance per currency as of `asOf`, straight from every journal line
 * (debits − credits): the definition `trialBalance(asOf)` must meet, computed independently.
 */
async function receivableOfTrialBalance(firmId: string, asOf: string): Promise<Record<string, string>> {
  return asFirm(env.admin, firmId, async (tx) => {
    const rows = await tx<{ currency: string; balance: string }[]>`
      select l.currency, sum(l.debit_minor - l.credit_minor)::text as balance from billing.journal_lines l
      join billing.accounts a on a.firm_id = l.firm_id and a.id = l.account_id and a.system_account = 'ACCOUNTS_RECEIVABLE'
      where l.firm_id = ${firmId} and l.accounting_date <= ${asOf}::date group by l.currency having sum(l.debit_minor - l.credit_minor) <> 0`;
    return Object.fromEntries(rows.map((row) => [row.currency, row.balance]));
  });
}

/** What the journal posted to revenue and tax payable per currency by entries of `kind` dated from `from` to `to` (credits − debits, or the reverse for credit notes). */
async function revenueAndTaxPosted(
  firmId: string,
  kind: 'INVOICE_ISSUED' | 'CREDIT_NOTE_ISSUED',
  from: string,
  to: string,
): Promise<Record<string, string>> {
  return asFirm(env.admin, firmId, async (tx) => {
    const sign = kind === 'INVOICE_ISSUED' ? 1 : -1;
    const rows = await tx<{ currency: string; amount: string }[]>`
      select l.currency, (${sign} * sum(l.credit_minor - l.debit_minor))::text as amount
      from billing.journal_lines l
      join billing.journal_entries e on e.firm_id = l.firm_id and e.id = l.entry_id
      join billing.accounts a on a.firm_id = l.firm_id and a.id = l.account_id
      where l.firm_id = ${firmId} and e.kind = ${kind} and e.accounting_date between ${from}::date and ${to}::date
        and (a.type = 'REVENUE' or a.system_account = 'TAX_PAYABLE')
      group by l.currency`;
    return Object.fromEntries(rows.map((row) => [row.currency, row.amount]));
  });
}

/** Every account's balance per currency as of `asOf` from the journal lines themselves, for comparing with the rollups. */
async function plainAccountBalances(firmId: string, asOf: string) {
  return asFirm(
    env.admin,
    firmId,
    (tx) =>
      tx<{ accountId: string; currency: string; debit: string; credit: string }[]>`
      select account_id as "accountId", currency, sum(debit_minor)::text as debit, sum(credit_minor)::text as credit
      from billing.journal_lines where firm_id = ${firmId} and accounting_date <= ${asOf}::date
      group by account_id, currency order by account_id, currency`,
  );
}

async function rollupAccountBalances(firmId: string, asOf: string) {
  const database = connectDatabase(inject('adminUrl'), { max: 1 });
  try {
    const rows = await database.withTenant({ firmId }, (tx) => sumsByAccount(tx, { firmId, asOf }));
    return rows
      .map((row) => ({
        accountId: row.account.id,
        currency: row.currency,
        debit: row.debitsMinor.toString(),
        credit: row.creditsMinor.toString(),
      }))
      .sort((x, y) => x.accountId.localeCompare(y.accountId) || x.currency.localeCompare(y.currency));
  } finally {
    await database.close();
  }
}

async function createClient(owner: FirmOwner, name: string, currency: string): Promise<string> {
  const result = await env.t.gql(CREATE_CLIENT, { input: { name, currency } }, owner.accessToken);
  expect(result.data!.createClient.userErrors).toEqual([]);
  return result.data!.createClient.client.id as string;
}

/** Drafts one SERVICE line for `clientId` and issues it on `issueDate` (NET_30); returns the invoice. */
async function invoiceOf(
  owner: FirmOwner,
  clientId: string,
  unitAmount: string,
  issueDate: string,
  taxRateIds: string[] = [],
) {
  const draft = await createDraft(env.t, owner.accessToken, {
    clientId,
    lines: [{ kind: 'SERVICE', description: `Advice ${randomUUID().slice(0, 4)}`, unitAmount, taxRateIds }],
  });
  return issue(env.t, owner.accessToken, draft.id, issueDate);
}

async function credit(owner: FirmOwner, invoiceId: string, amount: string, issueDate: string) {
  const result = await env.t.gql(
    CREDIT,
    { input: { invoiceId, amount, reason: 'Agreed reduction', issueDate, idempotencyKey: randomUUID() } },
    owner.accessToken,
  );
  expect(result.data!.issueCreditNote.userErrors).toEqual([]);
  return result.data!.issueCreditNote.creditNote as { number: string; toClientCredit: { amount: string } };
}

/**
 * A firm with two clients in two currencies and documents whose ages cover every bucket as of
 * 2026-06-30: Alder (USD) owes 1,200.00 over 90 days, 100.00 61–90, 500.00 1–30 and 250.00 not yet
 * due, and had 300.00 voided; Birch (EUR) owes 600.00 31–60 after a 200.00 credit note, was
 * credited 100.00 on a paid invoice (to client credit), and has an invoice issued after the date.
 */
async function booksWithHistory() {
  const owner = await signUpFirm(env.t);
  const alder = await createClient(owner, 'Alder Creek Dental', 'USD');
  const birch = await createClient(owner, 'Birch, "Ridge" & Co', 'EUR');
  const vat = await insertTaxRate(env.admin, owner.firmId, { name: 'VAT 20%', rateBasisPoints: 2000 });
  const a1 = await invoiceOf(owner, alder, '1000.00', '2026-03-01', [vat]);
  const a5 = await invoiceOf(owner, alder, '100.00', '2026-03-25');
  const b1 = await invoiceOf(owner, birch, '800.00', '2026-04-15');
  const a2 = await invoiceOf(owner, alder, '500.00', '2026-05-20');
  const a3 = await invoiceOf(owner, alder, '300.00', '2026-06-10');
  const a4 = await invoiceOf(owner, alder, '250.00', '2026-06-25');
  const b3 = await invoiceOf(owner, birch, '150.00', '2026-07-05');
  const voided = await env.t.gql(
    VOID,
    { input: { invoiceId: a3.id, reason: 'Wrong client', voidDate: '2026-06-15' } },
    owner.accessToken,
  );
  expect(voided.data!.voidInvoice.userErrors).toEqual([]);
  const b1Credit = await credit(owner, b1.id, '200.00', '2026-05-01');
  const [b2] = await importInvoices(owner.firmId, [
    {
      clientId: birch,
      number: 'OLD-B2',
      status: 'PAID',
      currency: 'EUR',
      totalMinor: 40_000n,
      issueDate: '2026-02-01',
      dueDate: '2026-03-03',
    },
  ]);
  const b2Credit = await credit(owner, b2!, '100.00', '2026-06-01');
  expect(b2Credit.toClientCredit.amount).toBe('100.00');
  return { owner, alder, birch, invoices: { a1, a2, a3, a4, a5, b1, b3 }, creditNotes: [b1Credit, b2Credit] };
}

describe('reports', () => {
  it('ages the receivable from the journal per client and for the firm, and the totals equal the trial balance’s receivable', async () => {
    const { owner, alder, birch } = await booksWithHistory();
    expect(await journalFindings(env.admin, owner.firmId)).toEqual({ unbalanced: 0, mismatched: [], net: '0' });
    const token = owner.accessToken;
    const june = await env.t.gql(AR_AGING, { asOf: '2026-06-30' }, token);
    expect(june.errors).toBeUndefined();
    const amounts = (current: string, d30: string, d60: string, d90: string, over: string, total: string) => ({
      current: { amount: current },
      days1To30: { amount: d30 },
      days31To60: { amount: d60 },
      days61To90: { amount: d90 },
      over90Days: { amount: over },
      total: { amount: total },
    });
    const ids = [alder, birch].sort();
    expect(june.data!.arAging.rows.edges.map((edge) => edge.node)).toEqual(
      ids.map((id) =>
        id === alder
          ? {
              client: { id },
              amounts: { currency: 'USD', ...amounts('250.00', '500.00', '0.00', '100.00', '1200.00', '2050.00') },
            }
          : {
              client: { id },
              amounts: { currency: 'EUR', ...amounts('0.00', '0.00', '600.00', '0.00', '0.00', '600.00') },
            },
      ),
    );
    expect(june.data!.arAging.totals).toEqual([
      { currency: 'EUR', ...amounts('0.00', '0.00', '600.00', '0.00', '0.00', '600.00') },
      { currency: 'USD', ...amounts('250.00', '500.00', '0.00', '100.00', '1200.00', '2050.00') },
    ]);

    // Before the credit note and the later invoices: the lines dated after the report's date are left out.
    const april = await env.t.gql(AR_AGING, { asOf: '2026-04-30' }, token);
    expect(april.data!.arAging.totals).toEqual([
      { currency: 'EUR', ...amounts('800.00', '0.00', '0.00', '0.00', '0.00', '800.00') },
      { currency: 'USD', ...amounts('0.00', '1300.00', '0.00', '0.00', '0.00', '1300.00') },
    ]);

    // The reconciliation: the firm's total per currency is the trial balance's receivable, on every date.
    for (const asOf of [
      '2026-02-01',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
      '2026-06-15',
      '2026-06-30',
      '2026-12-31',
    ]) {
      const report = await env.t.gql(AR_AGING, { asOf }, token);
      const totals = Object.fromEntries(
        report.data!.arAging.totals.map((total) => [total.currency, cents(total.total.amount).toString()]),
      );
      expect(totals, `AR aging as of ${asOf}`).toEqual(await receivableOfTrialBalance(owner.firmId, asOf));
      // The same through the API's trial balance: its accounts-receivable rows (net debit) per currency.
      const trial = await env.t.gql(TRIAL_BALANCE, { asOf }, token);
      expect(trial.data!.trialBalance.balanced).toBe(true);
      const receivable = Object.fromEntries(
        trial
          .data!.trialBalance.rows.filter((row) => row.account.systemAccount === 'ACCOUNTS_RECEIVABLE')
          .map((row) => [row.debit.currency, (cents(row.debit.amount) - cents(row.credit.amount)).toString()])
          .filter(([, balance]) => balance !== '0'),
      );
      expect(totals, `AR aging against trialBalance as of ${asOf}`).toEqual(receivable);
      // And the account rollups the trial balance reads agree with the lines, account by account.
      expect(await rollupAccountBalances(owner.firmId, asOf), `account balances as of ${asOf}`).toEqual(
        (await plainAccountBalances(owner.firmId, asOf)).map((row) => expect.objectContaining(row)),
      );
    }

    // One client row a page, in client order.
    const first = await env.t.gql(AR_AGING, { asOf: '2026-06-30', first: 1 }, token);
    expect(first.data!.arAging.rows.pageInfo.hasNextPage).toBe(true);
    const second = await env.t.gql(
      AR_AGING,
      { asOf: '2026-06-30', first: 1, after: first.data!.arAging.rows.pageInfo.endCursor },
      token,
    );
    expect(second.data!.arAging.rows.edges.map((edge) => edge.node.client.id)).toEqual([ids[1]]);
    expect(second.data!.arAging.rows.pageInfo.hasNextPage).toBe(false);
  });

  it('lists every invoice and credit note in the range, and its totals equal the revenue and tax the journal posted', async () => {
    const { owner, invoices, creditNotes } = await booksWithHistory();
    const token = owner.accessToken;
    const [from, to] = ['2026-03-01', '2026-06-30'];
    const register = await env.t.gql(REGISTER, { from, to, first: 100 }, token);
    expect(register.errors).toBeUndefined();
    const entries = register.data!.invoiceRegister.entries.edges.map((edge) => edge.node);
    expect(entries.map((entry) => [entry.issueDate, entry.kind, entry.number, entry.status])).toEqual([
      ['2026-03-01', 'INVOICE', invoices.a1.number, 'OPEN'],
      ['2026-03-25', 'INVOICE', invoices.a5.number, 'OPEN'],
      ['2026-04-15', 'INVOICE', invoices.b1.number, 'OPEN'],
      ['2026-05-01', 'CREDIT_NOTE', creditNotes[0]!.number, null],
      ['2026-05-20', 'INVOICE', invoices.a2.number, 'OPEN'],
      ['2026-06-01', 'CREDIT_NOTE', creditNotes[1]!.number, null],
      ['2026-06-10', 'INVOICE', invoices.a3.number, 'VOID'],
      ['2026-06-25', 'INVOICE', invoices.a4.number, 'OPEN'],
    ]);
    expect(entries[3]).toMatchObject({
      invoice: { number: invoices.b1.number },
      creditNote: { number: creditNotes[0]!.number },
      amountDue: null,
    });
    expect(entries[0]).toMatchObject({
      invoice: { number: invoices.a1.number },
      creditNote: null,
      total: { amount: '1200.00', currency: 'USD' },
    });
    const totals = register.data!.invoiceRegister.totals;
    expect(totals).toEqual([
      {
        currency: 'EUR',
        invoiceCount: 1,
        creditNoteCount: 2,
        invoicedSubtotal: { amount: '800.00' },
        invoicedTax: { amount: '0.00' },
        invoicedTotal: { amount: '800.00' },
        voidedTotal: { amount: '0.00' },
        creditedTotal: { amount: '300.00' },
        amountDue: { amount: '600.00' },
      },
      {
        currency: 'USD',
        invoiceCount: 5,
        creditNoteCount: 0,
        invoicedSubtotal: { amount: '2150.00' },
        invoicedTax: { amount: '200.00' },
        invoicedTotal: { amount: '2350.00' },
        voidedTotal: { amount: '300.00' },
        creditedTotal: { amount: '0.00' },
        amountDue: { amount: '2050.00' },
      },
    ]);
    // The reconciliation with the journal: what issue and credit notes posted to revenue and tax in the range.
    const invoiced = await revenueAndTaxPosted(owner.firmId, 'INVOICE_ISSUED', from, to);
    const credited = await revenueAndTaxPosted(owner.firmId, 'CREDIT_NOTE_ISSUED', from, to);
    for (const total of totals) {
      expect(cents(total.invoicedTotal.amount).toString()).toBe(invoiced[total.currency] ?? '0');
      expect(cents(total.creditedTotal.amount).toString()).toBe(credited[total.currency] ?? '0');
    }

    // Pages of three, followed to the end, give the same entries.
    const paged: string[] = [];
    let after: string | null | undefined = null;
    do {
      const page: Awaited<ReturnType<typeof env.t.gql<typeof register.data>>> = await env.t.gql(
        REGISTER,
        { from, to, first: 3, after },
        token,
      );
      const { edges, pageInfo } = page.data!.invoiceRegister.entries;
      paged.push(...edges.map((edge) => edge.node.number));
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
    } while (after);
    expect(paged).toEqual(entries.map((entry) => entry.number));

    const reversed = await env.t.gql(REGISTER, { from: to, to: from }, token);
    expect(reversed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('serves both reports as CSV through signed links that parse back to the same figures', async () => {
    const { owner, alder, birch } = await booksWithHistory();
    const token = owner.accessToken;
    const urls = await env.t.gql(CSV_URLS, { asOf: '2026-06-30', from: '2026-03-01', to: '2026-06-30' }, token);
    expect(urls.errors).toBeUndefined();

    const agingResponse = await fetchDownload(urls.data!.arAgingCsvUrl);
    expect(agingResponse.status).toBe(200);
    expect(agingResponse.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(agingResponse.headers.get('content-disposition')).toBe('attachment; filename="ar-aging-2026-06-30.csv"');
    const aging = parseCsv(await agingResponse.text());
    const report = await env.t.gql(AR_AGING, { asOf: '2026-06-30', first: 100 }, token);
    expect(aging).toEqual(
      report.data!.arAging.rows.edges.map(({ node }) => ({
        client_id: node.client.id,
        client_name: node.client.id === alder ? 'Alder Creek Dental' : 'Birch, "Ridge" & Co',
        currency: node.amounts.currency,
        current: node.amounts.current.amount,
        days_1_30: node.amounts.days1To30.amount,
        days_31_60: node.amounts.days31To60.amount,
        days_61_90: node.amounts.days61To90.amount,
        days_over_90: node.amounts.over90Days.amount,
        total: node.amounts.total.amount,
      })),
    );
    expect(aging.find((row) => row.client_id === birch)!.total).toBe('600.00');

    const registerResponse = await fetchDownload(urls.data!.invoiceRegisterCsvUrl);
    expect(registerResponse.status).toBe(200);
    const rows = parseCsv(await registerResponse.text());
    const register = await env.t.gql(REGISTER, { from: '2026-03-01', to: '2026-06-30', first: 100 }, token);
    expect(rows.map((row) => row.number)).toEqual(
      register.data!.invoiceRegister.entries.edges.map((edge) => edge.node.number),
    );
    for (const total of register.data!.invoiceRegister.totals) {
      const sum = (kind: string) =>
        rows
          .filter((row) => row.currency === total.currency && row.kind === kind)
          .reduce((acc, row) => acc + cents(row.total!), 0n)
          .toString();
      expect(sum('INVOICE')).toBe(cents(total.invoicedTotal.amount).toString());
      expect(sum('CREDIT_NOTE')).toBe(cents(total.creditedTotal.amount).toString());
    }

    // The token is the credential: altered, it is refused.
    const tampered = urls.data!.arAgingCsvUrl.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    expect((await fetchDownload(tampered)).status).toBe(403);
  });

  it('shows another firm none of it, and refuses portal users', async () => {
    const { owner, birch } = await booksWithHistory();
    const other = await signUpFirm(env.t);
    const theirs = await env.t.gql(AR_AGING, { asOf: '2026-06-30' }, other.accessToken);
    expect(theirs.data!.arAging).toMatchObject({ rows: { edges: [] }, totals: [] });
    const theirCsv = await env.t.gql(
      CSV_URLS,
      { asOf: '2026-06-30', from: '2026-01-01', to: '2026-12-31' },
      other.accessToken,
    );
    expect(parseCsv(await (await fetchDownload(theirCsv.data!.arAgingCsvUrl)).text())).toEqual([]);
    expect(parseCsv(await (await fetchDownload(theirCsv.data!.invoiceRegisterCsvUrl)).text())).toEqual([]);

    const portal = await onboardPortalUser(env.t, owner, [birch]);
    for (const [document, variables] of [
      [AR_AGING, { asOf: '2026-06-30' }],
      [REGISTER, { from: '2026-01-01', to: '2026-12-31' }],
      [CSV_URLS, { asOf: '2026-06-30', from: '2026-01-01', to: '2026-12-31' }],
    ] as const) {
      const refused = await env.t.gql(document as typeof AR_AGING, variables as never, portal.accessToken);
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.map((error) => error.extensions?.code)).toContain('FORBIDDEN');
    }
  });
});
