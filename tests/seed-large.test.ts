import { randomBytes } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { postgresClient } from '../db/client.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { SERVICES, type Service } from '../db/roles.ts';
import {
  FIRM_COUNT,
  HISTORY_DAYS,
  LARGE_SEED_PASSWORD,
  largeSeedOwnerEmail,
  PORTAL_CLIENT_SHARE,
} from '../scripts/seed-large/plan.ts';
import { booksFindings, LargeSeedError, seedLargeDataset, type LargeSeedResult } from '../scripts/seed-large/seed.ts';
import { closeServiceDatabases, connectServiceDatabases, startStack } from '../scripts/stack.ts';
import { createLogger } from '../platform/logger.ts';
import { verifyPassword } from '../subgraphs/tenancy/identity/passwords.ts';
import { postGraphQL, testConfig } from './support/stack.ts';
import { rollupMismatches } from './support/time.ts';

// seed:large writes 50 firms, so it gets a database of its own on the test server instead of
// sharing the suite's: other files' firms and counts stay untouched.
const SCALE = 0.04;
const DAY_MS = 86_400_000;

describe('seed:large', () => {
  const name = `seed_large_${randomBytes(4).toString('hex')}`;
  let adminUrl: string;
  let serviceUrls: Record<Service, string>;
  let admin: postgres.Sql;
  let result: LargeSeedResult;

  beforeAll(async () => {
    const server = postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
    await server.unsafe(`create database ${name}`);
    await server.end();
    const url = new URL(inject('adminUrl'));
    url.pathname = `/${name}`;
    adminUrl = url.toString();
    serviceUrls = Object.fromEntries(
      SERVICES.map((service) => {
        const url = new URL(inject('serviceUrls')[service]);
        url.pathname = `/${name}`;
        return [service, url.toString()];
      }),
    ) as Record<Service, string>;
    await migrateDatabase(adminUrl);
    admin = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
    result = await seedLargeDataset(adminUrl, { scale: SCALE });
  }, 120_000);

  afterAll(async () => {
    await admin?.end();
    const server = postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
    await server.unsafe(`drop database if exists ${name} with (force)`);
    await server.end();
  });

  it('rebuilds the time rollups from the loaded entries', async () => {
    expect(await rollupMismatches(admin)).toEqual([]);
    const [rollup] = await admin<{ days: number }[]>`select count(*)::int as days from billing.user_day_totals`;
    expect(rollup?.days).toBeGreaterThan(0);
  });

  it('writes books that hold every rule of the journal: balanced entries, amounts due equal to receivables, a zero trial balance', async () => {
    expect(await booksFindings(admin)).toEqual([]);
    const unbalanced = await admin`
      select firm_id, currency from billing.journal_lines group by firm_id, currency having sum(debit_minor) <> sum(credit_minor)`;
    expect(unbalanced).toEqual([]);
    // The rollups the reports read agree with the lines (rebuilt after the load, as the trigger would keep them).
    const [rollups] = await admin<{ receivables: number; months: number }[]>`
      select
        (select count(*)::int from (
          select l.firm_id, coalesce(l.client_id, '00000000-0000-0000-0000-000000000000') as client_id,
            coalesce(l.invoice_id, '00000000-0000-0000-0000-000000000000') as invoice_id, l.currency, sum(l.debit_minor - l.credit_minor) as balance
          from billing.journal_lines l join billing.accounts a on a.firm_id = l.firm_id and a.id = l.account_id and a.system_account = 'ACCOUNTS_RECEIVABLE'
          group by 1, 2, 3, 4) x
          full join billing.receivable_items r using (firm_id, client_id, invoice_id, currency)
          where r.balance_minor is distinct from x.balance) as receivables,
        (select count(*)::int from (
          select firm_id, date_trunc('month', accounting_date)::date as month, account_id, currency, sum(debit_minor) as debit, sum(credit_minor) as credit
          from billing.journal_lines group by 1, 2, 3, 4) x
          full join billing.journal_account_months m using (firm_id, month, account_id, currency)
          where (m.debit_minor, m.credit_minor) is distinct from (x.debit, x.credit)) as months`;
    expect(rollups).toEqual({ receivables: 0, months: 0 });
    // Every kind of entry the invoices' histories post, and credit notes both applied and to client credit.
    const [firm] = await admin<{ id: string }[]>`select id from tenancy.firms where slug = 'bench-01'`;
    const kinds = await admin<{ kind: string }[]>`
      select distinct kind::text from billing.journal_entries where firm_id = ${firm!.id} order by 1`;
    expect(kinds.map((row) => row.kind)).toEqual([
      'CREDIT_NOTE_ISSUED',
      'INVOICE_ISSUED',
      'INVOICE_VOIDED',
      'PAYMENT_RECEIVED',
    ]);
    const [notes] = await admin<{ applied: number; toCredit: number; gaps: number }[]>`
      select count(*) filter (where applied_minor > 0)::int as applied, count(*) filter (where to_credit_minor > 0)::int as "toCredit",
        (select count(*)::int from (select firm_id from billing.credit_notes group by firm_id
           having max(substr(number, 4)::int) <> count(*)) g) as gaps
      from billing.credit_notes`;
    expect(notes!.applied).toBeGreaterThan(0);
    expect(notes!.toCredit).toBeGreaterThan(0);
    expect(notes!.gaps).toBe(0);
    const [lines] = await admin<{ without: number }[]>`
      select count(*)::int as without from billing.invoices i
      where not exists (select 1 from billing.invoice_lines l where l.firm_id = i.firm_id and l.invoice_id = i.id)`;
    expect(lines!.without).toBe(0);
    // Each seeded firm's chart of accounts is the one billing.open_books gives a new firm.
    const charts = await admin<{ chart: string; firms: number }[]>`
      select chart, count(*)::int as firms from (
        select string_agg(code || ':' || system_account || ':' || type || ':' || name, ',' order by code) as chart
        from billing.accounts group by firm_id) c group by chart`;
    expect(charts).toHaveLength(1);
    expect(charts[0]!.firms).toBe(FIRM_COUNT);
    // A new firm's chart, read inside a transaction that is rolled back (system accounts cannot be deleted).
    let fresh: string | undefined;
    await admin
      .begin(async (tx) => {
        const id = '00000000-0000-7000-8000-000000000001';
        await tx`select set_config('app.firm_id', ${id}, true)`;
        await tx`select billing.open_books(${id})`;
        const [row] = await tx<{ chart: string }[]>`
          select string_agg(code || ':' || system_account || ':' || type || ':' || name, ',' order by code) as chart
          from billing.accounts where firm_id = ${id}`;
        fresh = row!.chart;
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(charts[0]!.chart).toBe(fresh);
  });

  it('writes 50 firms whose sizes fall off with rank, the largest at the scaled issue sizes', async () => {
    const rows = await admin<{ slug: string; clients: number; invoices: number; documents: number; staff: number }[]>`
      select f.slug,
        (select count(*)::int from crm.clients c where c.firm_id = f.id) as clients,
        (select count(*)::int from billing.invoices i where i.firm_id = f.id) as invoices,
        (select count(*)::int from documents.documents d where d.firm_id = f.id) as documents,
        (select count(*)::int from tenancy.memberships m where m.firm_id = f.id) as staff
      from tenancy.firms f order by f.slug`;
    expect(rows).toHaveLength(FIRM_COUNT);
    expect(rows[0]).toEqual({
      slug: 'bench-01',
      clients: 5000 * SCALE,
      invoices: 20_000 * SCALE,
      documents: 50_000 * SCALE,
      staff: 2,
    });
    expect(rows[1]!.clients).toBe(Math.round((5000 * SCALE) / 2));
    expect(rows[49]!.clients).toBeLessThan(rows[9]!.clients);
    expect(rows[49]!.clients).toBeGreaterThanOrEqual(1);
    expect(result.rows['crm.clients']).toBe(rows.reduce((sum, row) => sum + row.clients, 0));
    expect(result.rows['billing.invoices']).toBe(rows.reduce((sum, row) => sum + row.invoices, 0));
  });

  it('gives the largest firm its scaled engagements and time, in every status, priced as rate resolution prices it', async () => {
    const [firm] = await admin<{ id: string }[]>`select id from tenancy.firms where slug = 'bench-01'`;
    const [counts] = await admin<
      {
        engagements: number;
        withoutTeam: number;
        managerOffTeam: number;
        timeEntries: number;
        services: number;
        cards: number;
      }[]
    >`
      select (select count(*)::int from crm.engagements where firm_id = ${firm!.id}) as engagements,
             (select count(*)::int from crm.engagements e where e.firm_id = ${firm!.id}
                and not exists (select 1 from crm.engagement_team_members m where m.firm_id = e.firm_id and m.engagement_id = e.id)) as "withoutTeam",
             (select count(*)::int from crm.engagements e where e.firm_id = ${firm!.id}
                and not exists (select 1 from crm.engagement_team_members m where m.firm_id = e.firm_id and m.engagement_id = e.id and m.user_id = e.manager_user_id)) as "managerOffTeam",
             (select count(*)::int from billing.time_entries where firm_id = ${firm!.id}) as "timeEntries",
             (select count(*)::int from billing.services where firm_id = ${firm!.id}) as services,
             (select count(*)::int from billing.rates where firm_id = ${firm!.id}) as cards`;
    expect(counts).toMatchObject({
      engagements: 8000 * SCALE,
      withoutTeam: 0,
      managerOffTeam: 0,
      timeEntries: 400_000 * SCALE,
      services: 6,
    });
    expect(counts!.cards).toBeGreaterThanOrEqual(13);
    expect(result.rows['billing.time_entries']).toBeGreaterThan(400_000 * SCALE);
    const statuses = await admin<{ status: string }[]>`
      select distinct status::text from billing.time_entries where firm_id = ${firm!.id} order by 1`;
    expect(statuses.map((row) => row.status)).toEqual(['APPROVED', 'BILLED', 'DRAFT', 'REJECTED', 'SUBMITTED']);
    // Snapshots: the rate of the card named, the value minutes × rate ÷ 60 half-up, entries only by the team.
    const [bad] = await admin<{ snapshot: number; offTeam: number; draftEngagement: number; wipOver90: number }[]>`
      select
        (select count(*)::int from billing.time_entries t left join billing.rates r on r.firm_id = t.firm_id and r.id = t.rate_id
          where t.status in ('APPROVED', 'BILLED') and t.billable
            and (r.id is null or r.hourly_minor <> t.rate_hourly_minor or r.source <> t.rate_source or r.currency <> t.currency
                 or r.effective_from > t.work_date or t.value_minor <> (t.minutes * t.rate_hourly_minor + 30) / 60)) as snapshot,
        (select count(*)::int from billing.time_entries t where not exists (select 1 from crm.engagement_team_members m
           where m.firm_id = t.firm_id and m.engagement_id = t.engagement_id and m.user_id = t.user_id)) as "offTeam",
        (select count(*)::int from billing.time_entries t join crm.engagements e on e.firm_id = t.firm_id and e.id = t.engagement_id
           where e.status = 'DRAFT' or e.client_id <> t.client_id) as "draftEngagement",
        (select count(*)::int from billing.time_entries where firm_id = ${firm!.id} and status = 'APPROVED' and billable
           and work_date < current_date - 90) as "wipOver90"`;
    expect(bad).toMatchObject({ snapshot: 0, offTeam: 0, draftEngagement: 0 });
    expect(bad!.wipOver90).toBeGreaterThan(0);
  });

  it('gives a few clients most of the work', async () => {
    const [firm] = await admin<{ id: string }[]>`select id from tenancy.firms where slug = 'bench-01'`;
    const perClient = await admin<{ n: number }[]>`
      select count(i.id)::int as n from crm.clients c left join billing.invoices i on i.firm_id = c.firm_id and i.client_id = c.id
      where c.firm_id = ${firm!.id} group by c.id order by n desc`;
    const total = perClient.reduce((sum, row) => sum + row.n, 0);
    const topTenth = perClient.slice(0, Math.ceil(perClient.length / 10)).reduce((sum, row) => sum + row.n, 0);
    expect(topTenth / total).toBeGreaterThan(0.4);
    expect(perClient.filter((row) => row.n <= 1).length).toBeGreaterThan(perClient.length / 4);
  });

  it('spreads the data over three years and numbers issued invoices without gaps', async () => {
    const [span] = await admin<
      { oldest: Date; newest: Date }[]
    >`select min(created_at) as oldest, max(created_at) as newest from billing.invoices`;
    expect(span!.newest.getTime()).toBeLessThanOrEqual(Date.now());
    expect(span!.newest.getTime() - span!.oldest.getTime()).toBeGreaterThan((HISTORY_DAYS - 60) * DAY_MS);
    expect(span!.newest.getTime() - span!.oldest.getTime()).toBeLessThanOrEqual(HISTORY_DAYS * DAY_MS);
    const gaps = await admin`
      select firm_id from billing.invoices where number is not null group by firm_id
      having max(substr(number, 5)::int) <> count(*) or min(substr(number, 5)::int) <> 1`;
    expect(gaps).toHaveLength(0);
    const [draftsUnnumbered] = await admin<
      { bad: number }[]
    >`select count(*)::int as bad from billing.invoices where (status = 'DRAFT') <> (number is null)`;
    expect(draftsUnnumbered!.bad).toBe(0);
  });

  it('lets the seeded owner in with the seeded password, and RLS still separates the firms', async () => {
    const [user] = await admin<
      { password_hash: string }[]
    >`select password_hash from tenancy.users where email = ${largeSeedOwnerEmail(1)}`;
    expect(await verifyPassword(user!.password_hash, LARGE_SEED_PASSWORD)).toBe(true);
    const [firm] = await admin<{ id: string }[]>`select id from tenancy.firms where slug = 'bench-02'`;
    const app = postgresClient(serviceUrls.crm, { max: 1, onnotice: () => {} });
    try {
      const seen = await app.begin(async (tx) => {
        await tx`select set_config('app.firm_id', ${firm!.id}, true)`;
        return tx<
          { firms: number; clients: number }[]
        >`select count(distinct firm_id)::int as firms, count(*)::int as clients from crm.clients`;
      });
      expect(seen[0]).toEqual({ firms: 1, clients: Math.round((5000 * SCALE) / 2) });
    } finally {
      await app.end();
    }
  });

  it('gives every client contacts, and the heaviest fifth portal users with threads and read marks', async () => {
    const [firm] = await admin<{ id: string }[]>`select id from tenancy.firms where slug = 'bench-01'`;
    const [counts] = await admin<
      { contacts: number; unlinked: number; withoutPrimary: number; messages: number; portalUsers: number }[]
    >`
      select
        (select count(*)::int from crm.contacts where firm_id = ${firm!.id}) as contacts,
        (select count(*)::int from crm.contacts c where c.firm_id = ${firm!.id}
           and not exists (select 1 from crm.client_contacts l where l.firm_id = c.firm_id and l.contact_id = c.id)) as unlinked,
        (select count(*)::int from crm.clients c where c.firm_id = ${firm!.id}
           and not exists (select 1 from crm.client_contacts l where l.firm_id = c.firm_id and l.client_id = c.id and l.role = 'PRIMARY')) as "withoutPrimary",
        (select count(*)::int from crm.messages where firm_id = ${firm!.id}) as messages,
        (select count(*)::int from tenancy.portal_users where firm_id = ${firm!.id}) as "portalUsers"`;
    expect(counts).toMatchObject({
      contacts: 15_000 * SCALE,
      unlinked: 0,
      withoutPrimary: 0,
      messages: 100_000 * SCALE,
    });
    expect(counts!.portalUsers).toBeGreaterThan(0);
    expect(counts!.portalUsers).toBeLessThanOrEqual(Math.ceil(5000 * SCALE * PORTAL_CLIENT_SHARE));
    expect(result.rows['crm.messages']).toBeGreaterThan(100_000 * SCALE);

    // Everything the product's invitation and acceptance leave behind, for every portal user.
    const broken = await admin`
      select pu.id from tenancy.portal_users pu
      join crm.contacts c on c.firm_id = pu.firm_id and c.id = pu.contact_id
      left join tenancy.portal_logins l on l.firm_id = pu.firm_id and l.email = pu.email and l.portal_user_id = pu.id
      where pu.email <> c.email or pu.name <> c.name or pu.activated_at is null or pu.revoked_at is not null or l.email is null
         or pu.email <> lower(pu.email)
         or not exists (select 1 from tenancy.portal_client_grants g where g.firm_id = pu.firm_id and g.portal_user_id = pu.id)
         or exists (select 1 from tenancy.portal_client_grants g where g.firm_id = pu.firm_id and g.portal_user_id = pu.id
                    and not exists (select 1 from crm.client_contacts cc where cc.firm_id = g.firm_id and cc.client_id = g.client_id and cc.contact_id = pu.contact_id))`;
    expect(broken).toEqual([]);
    const [user] = await admin<
      { password_hash: string }[]
    >`select password_hash from tenancy.portal_users where firm_id = ${firm!.id} limit 1`;
    expect(await verifyPassword(user!.password_hash, LARGE_SEED_PASSWORD)).toBe(true);

    // Threads only with portal clients; each thread's last activity is its newest message; authors
    // are the client's portal users or staff of the firm; a read mark points into its own thread.
    const incoherent = await admin`
      select t.id from crm.message_threads t
      where not exists (select 1 from tenancy.portal_client_grants g where g.firm_id = t.firm_id and g.client_id = t.client_id)
         or t.last_message_at is distinct from (select max(m.sent_at) from crm.messages m where m.firm_id = t.firm_id and m.thread_id = t.id)
         or exists (select 1 from crm.messages m where m.firm_id = t.firm_id and m.thread_id = t.id and not (
              (m.author_kind = 'PORTAL' and exists (select 1 from tenancy.portal_client_grants g where g.firm_id = t.firm_id and g.client_id = t.client_id and g.portal_user_id = m.author_id))
              or (m.author_kind = 'STAFF' and exists (select 1 from tenancy.memberships s where s.firm_id = t.firm_id and s.user_id = m.author_id))))
         or exists (select 1 from crm.message_read_states r join crm.messages m on m.firm_id = r.firm_id and m.id = r.last_read_message_id
                    where r.firm_id = t.firm_id and r.thread_id = t.id and (m.thread_id <> t.id or m.sent_at <> r.last_read_sent_at))`;
    expect(incoherent).toEqual([]);
    const [states] = await admin<{ portal: number; staff: number }[]>`
      select count(*) filter (where participant_kind = 'PORTAL')::int as portal, count(*) filter (where participant_kind = 'STAFF')::int as staff
      from crm.message_read_states where firm_id = ${firm!.id}`;
    expect(states!.portal).toBeGreaterThan(0);
    expect(states!.staff).toBeGreaterThan(0);
    // Lively threads have unread messages: some portal read marks stop before the newest message.
    const [behind] = await admin<{ n: number }[]>`
      select count(*)::int as n from crm.message_read_states r join crm.message_threads t on t.firm_id = r.firm_id and t.id = r.thread_id
      where r.participant_kind = 'PORTAL' and r.last_read_sent_at < t.last_message_at`;
    expect(behind!.n).toBeGreaterThan(0);
  });

  it('lets the portal user of the heaviest portal client log in through the gateway and read its home', async () => {
    const [portal] = await admin<{ email: string; slug: string; clientIds: string[] }[]>`
      select pu.email, f.slug, array(select g2.client_id::text from tenancy.portal_client_grants g2 where g2.firm_id = pu.firm_id and g2.portal_user_id = pu.id) as "clientIds"
      from tenancy.firms f
      join tenancy.portal_client_grants g on g.firm_id = f.id
      join tenancy.portal_users pu on pu.firm_id = g.firm_id and pu.id = g.portal_user_id
      where f.slug = 'bench-01'
      order by (select count(*) from crm.messages m join crm.message_threads t on t.firm_id = m.firm_id and t.id = m.thread_id
                where t.firm_id = g.firm_id and t.client_id = g.client_id) desc
      limit 1`;
    const databases = connectServiceDatabases(serviceUrls, { max: 4, applicationName: 'seed-large-test' });
    const stack = await startStack({
      config: testConfig(),
      databases,
      log: createLogger('silent', 'test'),
      freePorts: true,
    });
    try {
      const logIn = await postGraphQL(
        stack.graphqlUrl,
        'mutation ($input: LogInPortalInput!) { logInPortal(input: $input) { session { accessToken } userErrors { code } } }',
        { input: { firmSlug: portal!.slug, email: portal!.email, password: LARGE_SEED_PASSWORD } },
      );
      expect(logIn.errors).toBeUndefined();
      expect(logIn.data!.logInPortal.userErrors).toEqual([]);
      const token = logIn.data!.logInPortal.session.accessToken as string;
      const home = await postGraphQL(
        stack.graphqlUrl,
        'query { portalViewer { clients { id unreadMessageCount messageThreads(first: 10) { edges { node { lastMessageAt unreadCount lastMessage { sentAt } } } } } } }',
        {},
        { authorization: `Bearer ${token}` },
      );
      expect(home.errors).toBeUndefined();
      const clients = home.data!.portalViewer.clients as {
        id: string;
        unreadMessageCount: number;
        messageThreads: {
          edges: { node: { lastMessageAt: string; unreadCount: number; lastMessage: { sentAt: string } } }[];
        };
      }[];
      expect(clients.map((client) => client.id).sort()).toEqual([...portal!.clientIds].sort());
      const threads = clients.flatMap((client) => client.messageThreads.edges.map((edge) => edge.node));
      expect(threads.length).toBeGreaterThan(0);
      for (const thread of threads) expect(thread.lastMessage.sentAt).toBe(thread.lastMessageAt);
      // A client's unread count covers all its threads, of which these are the 10 latest.
      for (const client of clients) {
        expect(client.unreadMessageCount).toBeGreaterThanOrEqual(
          client.messageThreads.edges.reduce((sum, edge) => sum + edge.node.unreadCount, 0),
        );
      }
    } finally {
      await stack.stop();
      await closeServiceDatabases(databases);
    }
  });

  it('refuses a database that already holds the seed, and writes nothing', async () => {
    const before = await admin<{ n: number }[]>`select count(*)::int as n from crm.clients`;
    await expect(seedLargeDataset(adminUrl, { scale: SCALE })).rejects.toThrow(LargeSeedError);
    const after = await admin<{ n: number }[]>`select count(*)::int as n from crm.clients`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('refuses a role that row-level security applies to, and a scale out of range', async () => {
    await expect(seedLargeDataset(serviceUrls.crm, { scale: SCALE })).rejects.toThrow(/superuser or BYPASSRLS/);
    await expect(seedLargeDataset(adminUrl, { scale: 0 })).rejects.toThrow(/--scale/);
  });
});
