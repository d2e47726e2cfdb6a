import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { asFirm, connectAdmin, importInvoices } from './support/admin-db.ts';
import { createClients, signUpFirm } from './support/factories.ts';
import { createDraft, insertTaxRate, issue, ISSUE, journalFindings, CREATE_DRAFT } from './support/invoicing.ts';
import { onboardPortalUser } from './support/portal.ts';
import { useStackWithAdmin } from './support/suite.ts';
import { timeFirm } from './support/time.ts';
import { insertTimeEntries } from './support/time-db.ts';

const env = useStackWithAdmin();

const UPDATE_LINE = graphql(`
  mutation InvoicingUpdateLine($input: UpdateInvoiceLineInput!) {
    updateInvoiceLine(input: $input) {
      invoice {
        ...InvoiceFields
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const VOID = graphql(`
  mutation InvoicingVoid($input: VoidInvoiceInput!) {
    voidInvoice(input: $input) {
      invoice {
        id
        number
        status
        voidReason
        amountDue {
          amount
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const CREDIT = graphql(`
  mutation InvoicingCredit($input: IssueCreditNoteInput!) {
    issueCreditNote(input: $input) {
      creditNote {
        id
        number
        total {
          amount
        }
        tax {
          amount
        }
        appliedToInvoice {
          amount
        }
        toClientCredit {
          amount
        }
        pdfUrl
        pdfSha256
        invoice {
          status
          amountDue {
            amount
          }
          amountCredited {
            amount
          }
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const CLIENT_BALANCE = graphql(`
  query InvoicingClientBalance($id: ID!) {
    client(id: $id) {
      balance {
        amount
        currency
      }
      invoices(first: 10) {
        totalCount
        edges {
          node {
            number
            status
          }
        }
      }
    }
  }
`);

const TIME_STATUS = `select status::text from billing.time_entries where id = any($1::uuid[]) order by status`;

/** Approved time of the time firm's staff: 90 minutes at 150.00/h (225.00) and 30 at 200.00/h (100.00). */
async function approvedTime(firm: Awaited<ReturnType<typeof timeFirm>>) {
  return insertTimeEntries(env.admin, firm.owner.firmId, [
    { ...entry(firm), userId: firm.staff.userId, workDate: '2026-11-02', minutes: 90, valueMinor: 22_500 },
    { ...entry(firm), userId: firm.otherStaff.userId, workDate: '2026-11-03', minutes: 30, valueMinor: 10_000 },
  ]);
}

const entry = (firm: Awaited<ReturnType<typeof timeFirm>>) => ({
  engagementId: firm.engagementId,
  clientId: firm.clientId,
  serviceId: firm.serviceId,
});

/** Fetches a signed download link through this test stack's gateway (its port is picked at start, not PUBLIC_URL's). */
function fetchDownload(url: string) {
  const link = new URL(url);
  return fetch(new URL(link.pathname, env.t.graphqlUrl));
}

async function timeStatuses(ids: string[], firmId: string): Promise<string[]> {
  return asFirm(env.admin, firmId, async (tx) =>
    (await tx.unsafe(TIME_STATUS, [ids])).map((row) => row.status as string),
  );
}

describe('invoices', () => {
  it('drafts approved time and manual lines, issues them with a gapless number, BILLED time and a balanced journal entry', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.owner.accessToken;
    const timeIds = await approvedTime(firm);
    const vat = await insertTaxRate(env.admin, firm.owner.firmId, { name: 'VAT 20%', rateBasisPoints: 2000 });
    const draft = await createDraft(env.t, token, {
      clientId: firm.clientId,
      lines: [
        {
          kind: 'EXPENSE',
          description: 'Filing fee',
          quantity: '2',
          unitAmount: '12.345'.slice(0, 5),
          taxRateIds: [vat],
        },
      ],
    });
    expect(draft.status).toBe('DRAFT');
    expect(draft.number).toBeNull();
    // PER_SERVICE: one TIME line of 2 h for 325.00 (mixed rates: no unit amount), then the expense.
    expect(
      draft.lines.map((line) => [line.kind, line.quantity, line.amount.amount, line.unitAmount?.amount ?? null]),
    ).toEqual([
      ['TIME', '2', '325.00', null],
      ['EXPENSE', '2', '24.68', '12.34'],
    ]);
    // 20 % of 24.68 is 4.936, rounded half-up to 4.94.
    expect(draft.lines[1]!.taxes).toEqual([
      { name: 'VAT 20%', rate: '20', inclusive: false, amount: { amount: '4.94' } },
    ]);
    expect(draft.total).toEqual({ amount: '354.62', currency: 'USD' });

    const issued = await issue(env.t, token, draft.id, '2026-11-30');
    const year = '2026';
    expect(issued).toMatchObject({
      status: 'OPEN',
      number: `INV-${year}-00001`,
      issueDate: '2026-11-30',
      dueDate: '2026-12-30',
      paymentTerms: 'NET_30',
      amountDue: { amount: '354.62' },
    });
    expect(await timeStatuses(timeIds, firm.owner.firmId)).toEqual(['BILLED', 'BILLED']);
    const balance = await env.t.gql(CLIENT_BALANCE, { id: firm.clientId }, token);
    expect(balance.data!.client!.balance).toEqual({ amount: '354.62', currency: 'USD' });
    expect(await journalFindings(env.admin, firm.owner.firmId)).toEqual({ unbalanced: 0, mismatched: [], net: '0' });

    // The PDF comes through the gateway's signed link and is byte for byte the one hashed at issue.
    const response = await fetchDownload(issued.pdfUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(issued.pdfSha256);

    // The time is billed: a second draft finds none of it.
    const second = await createDraft(env.t, token, { clientId: firm.clientId });
    expect(second.lines).toEqual([]);
  });

  it('keeps write-downs with their reason, and refuses one without', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.owner.accessToken;
    await approvedTime(firm);
    const draft = await createDraft(env.t, token, { clientId: firm.clientId });
    const lineId = draft.lines[0]!.id;
    const refused = await env.t.gql(UPDATE_LINE, { input: { lineId, amount: '300.00' } }, token);
    expect(refused.errors).toBeUndefined();
    expect(refused.data!.updateInvoiceLine.userErrors).toEqual([
      { field: ['input', 'adjustmentReason'], code: 'REQUIRED' },
    ]);
    const updated = await env.t.gql(
      UPDATE_LINE,
      { input: { lineId, amount: '300.00', adjustmentReason: 'INEFFICIENCY' } },
      token,
    );
    expect(updated.data!.updateInvoiceLine.userErrors).toEqual([]);
    expect(updated.data!.updateInvoiceLine.invoice!.lines[0]).toMatchObject({
      amount: { amount: '300.00' },
      standardAmount: { amount: '325.00' },
      adjustment: { amount: '-25.00' },
      adjustmentReason: 'INEFFICIENCY',
    });
    expect(updated.data!.updateInvoiceLine.invoice!.total.amount).toBe('300.00');
  });

  it('voids an unpaid invoice: reversing entry, time back to APPROVED, the number kept and the next one follows', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.owner.accessToken;
    const timeIds = await approvedTime(firm);
    const first = await issue(env.t, token, (await createDraft(env.t, token, { clientId: firm.clientId })).id);
    const voided = await env.t.gql(VOID, { input: { invoiceId: first.id, reason: 'Sent to the wrong entity' } }, token);
    expect(voided.data!.voidInvoice.userErrors).toEqual([]);
    expect(voided.data!.voidInvoice.invoice).toMatchObject({
      number: first.number,
      status: 'VOID',
      amountDue: { amount: '0.00' },
    });
    expect(await timeStatuses(timeIds, firm.owner.firmId)).toEqual(['APPROVED', 'APPROVED']);
    const again = await issue(env.t, token, (await createDraft(env.t, token, { clientId: firm.clientId })).id);
    expect(again.number).toBe(first.number!.replace(/1$/, '2'));
    expect(again.total.amount).toBe('325.00');
    expect(await journalFindings(env.admin, firm.owner.firmId)).toEqual({ unbalanced: 0, mismatched: [], net: '0' });
    const balance = await env.t.gql(CLIENT_BALANCE, { id: firm.clientId }, token);
    expect(balance.data!.client!.balance.amount).toBe('325.00');
  });

  it('credits part of an invoice, refuses more than is creditable, and sends the excess over what is due to client credit', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.owner.accessToken;
    const vat = await insertTaxRate(env.admin, firm.owner.firmId, { name: 'VAT 20%', rateBasisPoints: 2000 });
    const invoice = await issue(
      env.t,
      token,
      (
        await createDraft(env.t, token, {
          clientId: firm.clientId,
          lines: [{ kind: 'SERVICE', description: 'Annual accounts', unitAmount: '1000.00', taxRateIds: [vat] }],
        })
      ).id,
    );
    expect(invoice.total.amount).toBe('1200.00');
    const partial = await env.t.gql(
      CREDIT,
      { input: { invoiceId: invoice.id, amount: '120.00', reason: 'Agreed discount', idempotencyKey: randomUUID() } },
      token,
    );
    expect(partial.data!.issueCreditNote.userErrors).toEqual([]);
    expect(partial.data!.issueCreditNote.creditNote).toMatchObject({
      number: 'CN-2026-00001'.replace('2026', String(new Date().getUTCFullYear())),
      total: { amount: '120.00' },
      tax: { amount: '20.00' },
      appliedToInvoice: { amount: '120.00' },
      toClientCredit: { amount: '0.00' },
      invoice: { status: 'OPEN', amountDue: { amount: '1080.00' }, amountCredited: { amount: '120.00' } },
    });
    const tooMuch = await env.t.gql(
      CREDIT,
      { input: { invoiceId: invoice.id, amount: '1080.01', reason: 'Too much', idempotencyKey: randomUUID() } },
      token,
    );
    expect(tooMuch.data!.issueCreditNote).toEqual({
      creditNote: null,
      userErrors: [{ field: ['input', 'amount'], code: 'EXCEEDS_CREDITABLE' }],
    });
    const voidCredited = await env.t.gql(VOID, { input: { invoiceId: invoice.id, reason: 'No' } }, token);
    expect(voidCredited.data!.voidInvoice.userErrors).toEqual([
      { field: ['input', 'invoiceId'], code: 'ALREADY_SETTLED' },
    ]);

    const rest = await env.t.gql(
      CREDIT,
      { input: { invoiceId: invoice.id, amount: '1080.00', reason: 'Cancelled', idempotencyKey: randomUUID() } },
      token,
    );
    expect(rest.data!.issueCreditNote.creditNote!.invoice).toMatchObject({
      status: 'PAID',
      amountDue: { amount: '0.00' },
    });

    // A paid invoice (imported history): its credit note goes wholly to the client's credit.
    const [paidId] = await importInvoices(firm.owner.firmId, [
      {
        clientId: firm.clientId,
        number: 'OLD-1',
        status: 'PAID',
        currency: 'USD',
        totalMinor: 50_000n,
        issueDate: '2026-10-01',
        dueDate: '2026-10-31',
      },
    ]);
    const refund = await env.t.gql(
      CREDIT,
      { input: { invoiceId: paidId!, amount: '100.00', reason: 'Overbilled', idempotencyKey: randomUUID() } },
      token,
    );
    expect(refund.data!.issueCreditNote.creditNote).toMatchObject({
      appliedToInvoice: { amount: '0.00' },
      toClientCredit: { amount: '100.00' },
    });
    expect(await journalFindings(env.admin, firm.owner.firmId)).toEqual({ unbalanced: 0, mismatched: [], net: '0' });

    // The credit note's PDF is reproducible too.
    const pdf = Buffer.from(
      await (await fetchDownload(partial.data!.issueCreditNote.creditNote!.pdfUrl)).arrayBuffer(),
    );
    expect(createHash('sha256').update(pdf).digest('hex')).toBe(partial.data!.issueCreditNote.creditNote!.pdfSha256);
  });

  it('answers bad input with user errors and writes nothing', async () => {
    const owner = await signUpFirm(env.t);
    const other = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Empty Co']);
    const [foreignClient] = await createClients(env.t, other.accessToken, ['Foreign Co']);
    const empty = await createDraft(env.t, owner.accessToken, { clientId: clientId! });
    const emptyIssue = await env.t.gql(
      ISSUE,
      { input: { invoiceId: empty.id, idempotencyKey: randomUUID() } },
      owner.accessToken,
    );
    expect(emptyIssue.data!.issueInvoice.userErrors).toMatchObject([{ code: 'EMPTY_INVOICE' }]);
    const foreignDraft = await createDraft(env.t, other.accessToken, {
      clientId: foreignClient!,
      lines: [{ kind: 'SERVICE', description: 'Work', unitAmount: '10.00' }],
    });
    const foreign = await env.t.gql(
      ISSUE,
      { input: { invoiceId: foreignDraft.id, idempotencyKey: randomUUID() } },
      owner.accessToken,
    );
    const random = await env.t.gql(
      ISSUE,
      { input: { invoiceId: randomUUID(), idempotencyKey: randomUUID() } },
      owner.accessToken,
    );
    // Another firm's invoice answers exactly as a random id.
    expect(foreign.data).toEqual(random.data);
    expect(foreign.data!.issueInvoice.userErrors).toMatchObject([{ code: 'NOT_FOUND', field: ['input', 'invoiceId'] }]);
    const foreignClientDraft = await env.t.gql(
      CREATE_DRAFT,
      { input: { clientId: foreignClient! } },
      owner.accessToken,
    );
    expect(foreignClientDraft.data!.createInvoiceDraft.userErrors).toMatchObject([{ code: 'NOT_FOUND' }]);
    const counters = await asFirm(
      env.admin,
      owner.firmId,
      (tx) => tx`select count(*)::int as n from billing.document_counters where firm_id = ${owner.firmId}`,
    );
    expect(counters[0]!.n).toBe(0);
  });

  it('replays an idempotency key with the first result and refuses it with other input', async () => {
    const owner = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Replay Co']);
    const draft = await createDraft(env.t, owner.accessToken, {
      clientId: clientId!,
      lines: [{ kind: 'SERVICE', description: 'Work', unitAmount: '10.00' }],
    });
    const key = randomUUID();
    const first = await env.t.gql(ISSUE, { input: { invoiceId: draft.id, idempotencyKey: key } }, owner.accessToken);
    const replay = await env.t.gql(ISSUE, { input: { invoiceId: draft.id, idempotencyKey: key } }, owner.accessToken);
    // The same invoice; only the freshly signed PDF link differs.
    const withoutLink = (data: typeof first.data) => ({ ...data!.issueInvoice.invoice!, pdfUrl: null });
    expect(withoutLink(replay.data)).toEqual(withoutLink(first.data));
    expect(replay.data!.issueInvoice.invoice!.number).toMatch(/-00001$/);
    const other = await env.t.gql(
      ISSUE,
      { input: { invoiceId: draft.id, idempotencyKey: key, issueDate: '2026-12-01' } },
      owner.accessToken,
    );
    expect(other.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('numbers 20 concurrent issues 1 to 20, without gaps or duplicates', async () => {
    const owner = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Busy Co']);
    const drafts = await Promise.all(
      Array.from({ length: 20 }, () =>
        createDraft(env.t, owner.accessToken, {
          clientId: clientId!,
          lines: [{ kind: 'SERVICE', description: 'Work', unitAmount: '10.00' }],
        }),
      ),
    );
    const issued = await Promise.all(drafts.map((draft) => issue(env.t, owner.accessToken, draft.id, '2026-11-15')));
    const sequence = issued.map((invoice) => Number(invoice.number!.slice(-5))).sort((a, b) => a - b);
    expect(sequence).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('leaves no half-issued invoice, entry or gap when the connection dies mid-issue', async () => {
    const owner = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Crash Co']);
    const make = () =>
      createDraft(env.t, owner.accessToken, {
        clientId: clientId!,
        lines: [{ kind: 'SERVICE', description: 'Work', unitAmount: '10.00' }],
      });
    const first = await issue(env.t, owner.accessToken, (await make()).id, '2026-11-15');
    const victim = await make();
    // Hold the firm's counter row, so the issue blocks on it; then kill the issuing backend.
    const held = connectAdmin();
    await held`begin`;
    await held`select set_config('app.firm_id', ${owner.firmId}, true)`;
    await held`select * from billing.document_counters where firm_id = ${owner.firmId} for update`;
    const pending = env.t.gql(
      ISSUE,
      { input: { invoiceId: victim.id, idempotencyKey: randomUUID(), issueDate: '2026-11-15' } },
      owner.accessToken,
    );
    let killed = 0;
    for (let attempt = 0; attempt < 100 && killed === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const rows = await env.admin`
        select pg_terminate_backend(pid) as killed from pg_stat_activity
        where wait_event_type = 'Lock' and query like '%document_counters%' and pid <> pg_backend_pid()`;
      killed = rows.filter((row) => row.killed).length;
    }
    await held`rollback`;
    await held.end();
    expect(killed).toBe(1);
    const answer = await pending;
    expect(answer.errors).toBeDefined();
    const state = await asFirm(env.admin, owner.firmId, async (tx) => {
      const [invoice] = await tx`select status::text, number from billing.invoices where id = ${victim.id}`;
      const entries = await tx`select id from billing.journal_entries where source_id = ${victim.id}`;
      return { invoice, entries: entries.length };
    });
    expect(state).toEqual({ invoice: { status: 'DRAFT', number: null }, entries: 0 });
    const next = await issue(env.t, owner.accessToken, victim.id, '2026-11-15');
    expect(Number(next.number!.slice(-5))).toBe(Number(first.number!.slice(-5)) + 1);
  });

  it('refuses, as the owner role in SQL, any change to an issued invoice or its lines', async () => {
    const owner = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Locked Co']);
    const draft = await createDraft(env.t, owner.accessToken, {
      clientId: clientId!,
      lines: [{ kind: 'SERVICE', description: 'Work', unitAmount: '10.00' }],
    });
    const issued = await issue(env.t, owner.accessToken, draft.id, '2026-11-15');
    const attempts = [
      `update billing.invoices set total_minor = 1 where id = '${issued.id}'`,
      `update billing.invoices set number = 'X-1' where id = '${issued.id}'`,
      `delete from billing.invoices where id = '${issued.id}'`,
      `update billing.invoice_lines set description = 'Changed' where invoice_id = '${issued.id}'`,
      `update billing.invoices set amount_due_minor = 0 where id = '${issued.id}'`,
    ];
    for (const attempt of attempts) {
      const error = await asFirm(env.admin, owner.firmId, async (tx) => {
        await tx`set local role firmgraph_owner`;
        await tx.unsafe(attempt);
      }).then(
        () => null,
        (failure: { message: string }) => failure.message,
      );
      expect(error, attempt).toMatch(/cannot change|cannot be deleted|differs from its receivable/);
    }
  });

  it('shows a portal user its issued invoices only, with client-facing fields, and never drafts or staff fields', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.owner.accessToken;
    await approvedTime(firm);
    const issued = await issue(env.t, token, (await createDraft(env.t, token, { clientId: firm.clientId })).id);
    const draft = await createDraft(env.t, token, {
      clientId: firm.clientId,
      lines: [{ kind: 'SERVICE', description: 'Next month', unitAmount: '10.00' }],
    });
    const portal = await onboardPortalUser(env.t, firm.owner, [firm.clientId]);
    const seen = await env.t.gql(
      `query ($id: ID!) { invoice(id: $id) { number status total { amount } amountDue { amount } pdfUrl lines { description quantity amount { amount } } } }`,
      { id: issued.id },
      portal.accessToken,
    );
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.invoice).toMatchObject({ number: issued.number, status: 'OPEN', total: { amount: '325.00' } });
    const hidden = await env.t.gql(
      `query ($id: ID!) { invoice(id: $id) { id } }`,
      { id: draft.id },
      portal.accessToken,
    );
    expect(hidden.data!.invoice).toBeNull();
    for (const field of [
      'internalNote',
      'lines { standardAmount { amount } }',
      'lines { adjustmentReason }',
      'lines { timeEntries { id } }',
    ]) {
      const staffOnly = await env.t.gql(
        `query ($id: ID!) { invoice(id: $id) { ${field} } }`,
        { id: issued.id },
        portal.accessToken,
      );
      expect(staffOnly.errors?.[0]?.extensions?.code, field).toBe('FORBIDDEN');
    }
    const list = await env.t.gql(
      `query { portalViewer { clients { invoices(first: 10) { totalCount edges { node { status } } } } } }`,
      {},
      portal.accessToken,
    );
    expect(list.errors).toBeUndefined();
    expect(list.data!.portalViewer.clients[0].invoices).toEqual({
      totalCount: 1,
      edges: [{ node: { status: 'OPEN' } }],
    });
  });
});
