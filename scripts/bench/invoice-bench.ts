/**
 * The `invoice-issue` scenario of docs/benchmarks.md: issuing invoices of 20 time lines at 8
 * concurrent clients, drafting them one at a time, and SQL statements per draft and per issue at 5
 * and at 50 lines, in one run. As the owner of the largest seeded firm, on time this module sets up
 * for itself (not measured): a service, a role rate, an ACTIVE engagement made through the API,
 * self-approval allowed, PER_ENTRY line grouping, and SUBMITTED entries stored in bulk, L of them (1 minute each) on each
 * work date of a run of dates, approved through the API, so each draft `timeThrough` the next date
 * takes exactly that date's L entries as L TIME lines.
 */
import { postgresClient } from '../../db/client.ts';
import { logInOwner, postGraphQL, type BenchEnvironment, type BenchUser, type ServiceSet } from './bench-stack.ts';
import { load, sequential, SEQUENTIAL_REQUESTS } from './measure.ts';
import * as ops from './operations.ts';
import { fixed, loadRows, type Row, type ScenarioReport } from './report.ts';
import { gatewayTarget, largestFirmClients, report, sequentialRows } from './scenarios.ts';
import { mutate } from './time-bench.ts';

const CONNECTIONS = 8;
const LINES = 20;
/** 20-line drafts for the load: more than 8 connections issue in the warm-up and measured seconds. */
const LOAD_DRAFTS = Number(process.env.BENCH_INVOICE_DRAFTS ?? 1000);
/** Drafts each sequential measurement uses: its warm-up and measured requests. */
const SEQUENTIAL_DRAFTS = SEQUENTIAL_REQUESTS + 10;
const DAY_MS = 86_400_000;

/** What one run of work dates gives: the dates (one draft each) and how many lines each draft gets. */
interface DateRun {
  lines: number;
  dates: string[];
}

/** What the scenario works on in the largest firm. */
interface InvoiceSetup {
  user: BenchUser;
  firmId: string;
  clientId: string;
  /** The client's billing currency. */
  currency: string;
  engagementId: string;
  serviceId: string;
}

/**
 * A service, a role rate in the client's currency and one ACTIVE engagement of the largest firm's
 * first active client through the API; time lines one per entry (invoice settings, as the firm).
 */
async function prepareInvoicing(env: BenchEnvironment, set: ServiceSet): Promise<InvoiceSetup> {
  const user = await logInOwner(env, set);
  if (user.actor.kind !== 'STAFF') throw new Error('the bench owner is not a staff actor');
  const { firmId } = await largestFirmClients(set);
  const sql = postgresClient(set.dataset.adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [client] = await sql<{ id: string; currency: string }[]>`
      select id, currency from crm.clients where firm_id = ${firmId} and status = 'ACTIVE' order by id limit 1`;
    const marker = Math.random().toString(36).slice(2, 8).toUpperCase();
    const { service } = await mutate(
      set,
      user,
      'mutation ($input: CreateServiceInput!) { createService(input: $input) { service { id } userErrors { code } } }',
      { name: `Bench invoicing ${marker}`, billingType: 'HOURLY' },
    );
    await mutate(
      set,
      user,
      'mutation ($input: SetRateInput!) { setRate(input: $input) { rate { id } userErrors { code } } }',
      {
        source: 'FIRM_ROLE',
        role: 'OWNER',
        hourlyRate: { amount: '180', currency: client!.currency },
        effectiveFrom: '2001-01-01',
      },
    );
    const { engagement } = await mutate(
      set,
      user,
      'mutation ($input: CreateEngagementInput!) { createEngagement(input: $input) { engagement { id } userErrors { code } } }',
      { clientId: client!.id, name: 'Bench invoicing', code: `INV-${marker}`, managerId: user.actor.userId },
    );
    await mutate(
      set,
      user,
      'mutation ($input: ChangeEngagementStatusInput!) { changeEngagementStatus(input: $input) { engagement { id } userErrors { code } } }',
      { id: engagement!.id, status: 'ACTIVE' },
    );
    // The owner approves the time it records for the scenario (the seed's firms forbid self-approval).
    await mutate(
      set,
      user,
      'mutation ($input: UpdateTimeSettingsInput!) { updateTimeSettings(input: $input) { userErrors { code } } }',
      { allowSelfApproval: true },
    );
    await sql.begin(async (tx) => {
      await tx`select set_config('app.firm_id', ${firmId}, true)`;
      await tx`insert into billing.invoice_settings (firm_id, time_line_grouping) values (${firmId}, 'PER_ENTRY')
        on conflict (firm_id) do update set time_line_grouping = 'PER_ENTRY'`;
    });
    return {
      user,
      firmId,
      clientId: client!.id,
      currency: client!.currency,
      engagementId: engagement!.id,
      serviceId: service!.id,
    };
  } finally {
    await sql.end();
  }
}

/**
 * Stores `run.lines` SUBMITTED entries of 1 minute on each of `run.dates` (straight in the database,
 * as the firm, so the time rollups' triggers run) and approves them through the API, 200 at a time.
 */
async function approvedTime(set: ServiceSet, setup: InvoiceSetup, run: DateRun): Promise<void> {
  const sql = postgresClient(set.dataset.adminUrl, { max: 1, onnotice: () => {} });
  const ownerId = setup.user.actor.kind === 'STAFF' ? setup.user.actor.userId : '';
  let ids: { id: string }[];
  try {
    ids = await sql.begin(async (tx) => {
      await tx`select set_config('app.firm_id', ${setup.firmId}, true)`;
      return tx<{ id: string }[]>`
        insert into billing.time_entries (firm_id, id, user_id, engagement_id, client_id, service_id, work_date, minutes,
          billable, currency, status, created_by_id, submitted_at, submitted_by_id)
        select ${setup.firmId}, gen_random_uuid(), ${ownerId}, ${setup.engagementId}, ${setup.clientId}, ${setup.serviceId},
          d.work_date::date, 1, true, ${setup.currency}, 'SUBMITTED', ${ownerId}, now(), ${ownerId}
        from unnest(${run.dates}::text[]) as d(work_date), generate_series(1, ${run.lines})
        returning id`;
    });
  } finally {
    await sql.end();
  }
  for (let at = 0; at < ids.length; at += 200) {
    await mutate(
      set,
      setup.user,
      'mutation ($input: ApproveTimeEntriesInput!) { approveTimeEntries(input: $input) { userErrors { code message } } }',
      { ids: ids.slice(at, at + 200).map((row) => row.id) },
    );
  }
}

/** Consecutive work dates from `first`, `count` of them. */
function datesFrom(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
}

/** The ids of the client's drafts on `engagement`, oldest first (the drafts a run just made). */
async function draftIds(set: ServiceSet, setup: InvoiceSetup, after: Date): Promise<string[]> {
  const sql = postgresClient(set.dataset.adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ id: string }[]>`
      select id from billing.invoices where firm_id = ${setup.firmId} and client_id = ${setup.clientId}
        and status = 'DRAFT' and created_at >= ${after} order by created_at, id`;
    return rows.map((row) => row.id);
  } finally {
    await sql.end();
  }
}

/** Drafts every date of `run` one at a time (unmeasured), for the load. */
async function draftAll(set: ServiceSet, setup: InvoiceSetup, run: DateRun): Promise<void> {
  const operation = ops.createInvoiceDraft(setup.clientId, setup.engagementId, run.dates);
  for (let i = 0; i < run.dates.length; i += 1) {
    const response = await postGraphQL(set.gatewayUrl, ops.nextBody(operation), {
      authorization: `Bearer ${setup.user.accessToken}`,
    });
    const problem = operation.check(response);
    if (problem) throw new Error(`drafting for the load: ${problem}`);
  }
}

/** `invoice-issue`: statements per draft and per issue at 5 and 50 lines, then issuing 20-line drafts at c=8. */
export async function invoiceIssueScenario(env: BenchEnvironment): Promise<ScenarioReport> {
  const date = new Date();
  const set = await env.services({ scale: 1 });
  const setup = await prepareInvoicing(env, set);
  const target = gatewayTarget(set, setup.user);
  // Runs of work dates far apart, in the past, none in a closed period (the seed closes none).
  const runs: Record<'five' | 'fifty' | 'load', DateRun> = {
    five: { lines: 5, dates: datesFrom('2012-01-01', SEQUENTIAL_DRAFTS) },
    fifty: { lines: 50, dates: datesFrom('2013-01-01', SEQUENTIAL_DRAFTS) },
    load: { lines: LINES, dates: datesFrom('2014-01-01', LOAD_DRAFTS) },
  };
  for (const run of Object.values(runs)) await approvedTime(set, setup, run);
  const perSize: {
    lines: number;
    draft: Awaited<ReturnType<typeof sequential>>;
    issue: Awaited<ReturnType<typeof sequential>>;
  }[] = [];
  for (const run of [runs.five, runs.fifty]) {
    const started = new Date();
    const draft = await sequential(env, set, target, [
      ops.createInvoiceDraft(setup.clientId, setup.engagementId, run.dates),
    ]);
    const drafts = await draftIds(set, setup, started);
    const issue = await sequential(env, set, target, [ops.issueInvoice(drafts)]);
    perSize.push({ lines: run.lines, draft, issue });
  }
  const loadStarted = new Date();
  await draftAll(set, setup, runs.load);
  const drafts = await draftIds(set, setup, loadStarted);
  const issued = await load(env, set, target, [ops.issueInvoice(drafts)], CONNECTIONS);
  const [five, fifty] = perSize as [(typeof perSize)[0], (typeof perSize)[0]];
  const rows: Row[] = [
    ...sequentialRows('draft of 5 lines, c=1', five.draft),
    ...sequentialRows('issue of 5 lines, c=1', five.issue),
    ...sequentialRows('draft of 50 lines, c=1', fifty.draft),
    ...sequentialRows('issue of 50 lines, c=1', fifty.issue),
    {
      label: 'SQL statements per issue, 5 lines vs 50 lines',
      value: `${fixed(five.issue.statementsPerRequest, 2)} vs ${fixed(fifty.issue.statementsPerRequest, 2)}`,
      target: 'equal',
      met: five.issue.statementsPerRequest === fifty.issue.statementsPerRequest,
    },
    {
      label: 'SQL statements per draft, 5 lines vs 50 lines',
      value: `${fixed(five.draft.statementsPerRequest, 2)} vs ${fixed(fifty.draft.statementsPerRequest, 2)}`,
    },
    ...loadRows(`issue of ${LINES} lines, c=${CONNECTIONS}`, issued),
  ];
  return report(
    'invoice-issue',
    '`invoice-issue`: drafting and issuing invoices of time lines',
    date,
    rows,
    [
      `As the owner of the largest firm, on one ACTIVE engagement with PER_ENTRY time lines: each \`createInvoiceDraft(timeThrough)\` takes the approved time of the next work date (5, 50 or ${LINES} entries of 1 minute: as many TIME lines), and each \`issueInvoice\` issues the next of those drafts (number, dates, parties, PDF rendered and hashed, time BILLED, INVOICE_ISSUED posted, outbox event, audit).`,
      `The load issues ${LINES}-line drafts made one at a time beforehand (drafting takes every approved, unbilled entry up to its date, so drafts made concurrently would take each other's dates); drafting is measured one request at a time (the c=1 rows).`,
    ],
    { perSize, load: issued },
  );
}
