/**
 * The time scenarios of docs/benchmarks.md: `time-entry` (recording and submitting time at 16
 * concurrent clients, against `createClient` in the same run) and `approval-queue` (the approval
 * queue page across four subgraphs: SQL statements per request at 10 and at 50 rows). Both run as
 * the owner of the largest seeded firm, on time this module sets up for itself: a service, a role
 * rate, five ACTIVE engagements made through the API, and drafts and submitted entries stored in
 * bulk (setting up is not measured).
 */
import { randomUUID } from 'node:crypto';
import { postgresClient } from '../../db/client.ts';
import { logInOwner, postGraphQL, type BenchEnvironment, type BenchUser, type ServiceSet } from './bench-stack.ts';
import { load, sequential } from './measure.ts';
import * as ops from './operations.ts';
import { fixed, loadRows, type Row, type ScenarioReport } from './report.ts';
import { gatewayTarget, largestFirmClients, report, sequentialRows } from './scenarios.ts';

/** Recording time must keep up with creating clients: at least this share of its requests/s. */
const TIME_ENTRY_RATIO = 0.8;
const CONNECTIONS = 16;
/** Drafts stored for `submitTimeEntries` to take one each: more than 16 connections can submit in the run. */
const DRAFTS = 60_000;
/** Distinct work dates `createTimeEntry` cycles through, one minute each, far below 1,440 a date. */
const WORK_DATES = 2_000;

/** What the time scenarios work on in the largest firm. */
interface TimeSetup {
  user: BenchUser;
  engagementIds: string[];
  serviceId: string;
  draftIds: string[];
}

export async function mutate(set: ServiceSet, user: BenchUser, query: string, input: Record<string, unknown>) {
  const result = await postGraphQL<Record<string, { userErrors: unknown[] } & Record<string, { id: string }>>>(
    set.gatewayUrl,
    { query, variables: { input } },
    { authorization: `Bearer ${user.accessToken}` },
  );
  const payload = result.data ? Object.values(result.data)[0] : undefined;
  if (!payload || payload.userErrors.length > 0)
    throw new Error(`${query}: ${JSON.stringify(result.errors ?? payload)}`);
  return payload;
}

/**
 * Gives the largest firm's owner a service, a role rate and five ACTIVE engagements of five clients
 * through the API, then stores `DRAFTS` drafts and 60 SUBMITTED entries straight in the database.
 */
async function prepareTime(env: BenchEnvironment, set: ServiceSet): Promise<TimeSetup> {
  const user = await logInOwner(env, set);
  if (user.actor.kind !== 'STAFF') throw new Error('the bench owner is not a staff actor');
  const ownerId = user.actor.userId;
  const { firmId } = await largestFirmClients(set);
  const sql = postgresClient(set.dataset.adminUrl, { max: 1, onnotice: () => {} });
  try {
    const clients = await sql<{ id: string; currency: string }[]>`
      select id, currency from crm.clients where firm_id = ${firmId} and status = 'ACTIVE' order by id limit 5`;
    const marker = randomUUID().slice(0, 6).toUpperCase();
    const { service } = await mutate(
      set,
      user,
      'mutation ($input: CreateServiceInput!) { createService(input: $input) { service { id } userErrors { code } } }',
      { name: `Bench time ${marker}`, billingType: 'HOURLY' },
    );
    for (const currency of new Set(clients.map((client) => client.currency))) {
      await mutate(
        set,
        user,
        'mutation ($input: SetRateInput!) { setRate(input: $input) { rate { id } userErrors { code } } }',
        { source: 'FIRM_ROLE', role: 'OWNER', hourlyRate: { amount: '150', currency }, effectiveFrom: '2000-01-01' },
      );
    }
    const engagementIds: string[] = [];
    for (const [index, client] of clients.entries()) {
      const { engagement } = await mutate(
        set,
        user,
        'mutation ($input: CreateEngagementInput!) { createEngagement(input: $input) { engagement { id } userErrors { code } } }',
        {
          clientId: client.id,
          name: `Bench engagement ${index}`,
          code: `BENCH-${marker}-${index}`,
          managerId: ownerId,
        },
      );
      await mutate(
        set,
        user,
        'mutation ($input: ChangeEngagementStatusInput!) { changeEngagementStatus(input: $input) { engagement { id } userErrors { code } } }',
        { id: engagement!.id, status: 'ACTIVE' },
      );
      engagementIds.push(engagement!.id);
    }
    // As the firm (app.firm_id): the time rollups' triggers write under its tenant policy.
    const insert = (status: 'DRAFT' | 'SUBMITTED', count: number, firstDate: string) =>
      sql.begin(async (tx) => {
        await tx`select set_config('app.firm_id', ${firmId}, true)`;
        return tx<{ id: string }[]>`
      insert into billing.time_entries (firm_id, id, user_id, engagement_id, client_id, service_id, work_date, minutes,
        billable, currency, status, created_by_id, submitted_at, submitted_by_id)
      select ${firmId}, gen_random_uuid(), ${ownerId}, e.engagement_id, e.client_id, ${service!.id},
        ${firstDate}::date + (n / 100), 1, true, e.currency, ${status}::billing.time_entry_status, ${ownerId},
        case when ${status} = 'SUBMITTED' then now() end, case when ${status} = 'SUBMITTED' then ${ownerId}::uuid end
      from generate_series(0, ${count - 1}) n
      join (select * from unnest(${engagementIds}::uuid[], ${clients.map((c) => c.id)}::uuid[], ${clients.map((c) => c.currency)}::text[])
        with ordinality as x(engagement_id, client_id, currency, position)) e on e.position = n % ${clients.length} + 1
      returning id`;
      });
    const drafts = await insert('DRAFT', DRAFTS, '2010-01-01');
    await insert('SUBMITTED', 60, '2009-01-01');
    return { user, engagementIds, serviceId: service!.id, draftIds: drafts.map((row) => row.id) };
  } finally {
    await sql.end();
  }
}

function workDates(): string[] {
  const first = Date.UTC(2020, 0, 1);
  return Array.from({ length: WORK_DATES }, (_, i) => new Date(first + i * 86_400_000).toISOString().slice(0, 10));
}

/** `time-entry`: createTimeEntry and submitTimeEntries in turn at c=16, against createClient at c=16, one run. */
export async function timeEntryScenario(env: BenchEnvironment): Promise<ScenarioReport> {
  const date = new Date();
  const set = await env.services({ scale: 1 });
  const setup = await prepareTime(env, set);
  const target = gatewayTarget(set, setup.user);
  const mix = [
    ops.createTimeEntry(setup.engagementIds[0]!, setup.serviceId, workDates()),
    ops.submitTimeEntry(setup.draftIds),
  ];
  const seq = await sequential(env, set, target, mix);
  const time = await load(env, set, target, mix, CONNECTIONS);
  const clients = await load(env, set, target, [ops.createClient()], CONNECTIONS);
  const ratio = time.measured.requestsPerSecond / clients.measured.requestsPerSecond;
  const rows: Row[] = [
    ...sequentialRows('time, c=1', seq),
    ...loadRows(`time, c=${CONNECTIONS}`, time),
    ...loadRows(`createClient, c=${CONNECTIONS}`, clients),
    {
      label: `time requests/s ÷ createClient requests/s, c=${CONNECTIONS}`,
      value: fixed(ratio, 2),
      target: `≥ ${TIME_ENTRY_RATIO}, no errors`,
      met: ratio >= TIME_ENTRY_RATIO && time.failures === 0 && clients.failures === 0,
    },
  ];
  return report(
    'time-entry',
    '`time-entry`: recording and submitting time, against createClient',
    date,
    rows,
    [
      `Each connection alternates \`createTimeEntry\` (one minute on one of ${WORK_DATES} work dates, a different date each request, so the per-day lock of the 1,440-minute rule is rarely contended) and \`submitTimeEntries\` of one draft (a different one each request, from ${DRAFTS} stored drafts). \`createClient\` runs on the same stack right after, at the same concurrency.`,
    ],
    { sequential: seq, loads: [time, clients], ratio },
  );
}

/** `approval-queue`: the SUBMITTED entries page with engagement, client, user and service names, at 10 and 50 rows. */
export async function approvalQueueScenario(env: BenchEnvironment): Promise<ScenarioReport> {
  const date = new Date();
  const set = await env.services({ scale: 1 });
  const setup = await prepareTime(env, set);
  const target = gatewayTarget(set, setup.user);
  const ten = await sequential(env, set, target, [ops.approvalQueue(10)]);
  const fifty = await sequential(env, set, target, [ops.approvalQueue(50)]);
  const equal = ten.statementsPerRequest === fifty.statementsPerRequest;
  return report(
    'approval-queue',
    '`approval-queue`: the approval queue page across subgraphs',
    date,
    [
      ...sequentialRows('10 rows', ten),
      ...sequentialRows('50 rows', fifty),
      {
        label: 'SQL statements per request, 10 rows vs 50 rows',
        value: `${fixed(ten.statementsPerRequest, 2)} vs ${fixed(fifty.statementsPerRequest, 2)}`,
        target: 'equal',
        met: equal,
      },
    ],
    [
      "`timeEntries(filter: { status: SUBMITTED })` on the active firm, each entry with its engagement (code, name), the engagement's client (name), its user (name) and service (name): billing, crm and tenancy. Entries spread over five engagements of five clients.",
    ],
    { sequential: [ten, fifty] },
  );
}
