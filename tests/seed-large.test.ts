import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateDatabase } from '../db/migrate.ts';
import { FIRM_COUNT, HISTORY_DAYS, LARGE_SEED_PASSWORD, largeSeedOwnerEmail } from '../scripts/seed-large/plan.ts';
import { LargeSeedError, seedLargeDataset, type LargeSeedResult } from '../scripts/seed-large/seed.ts';
import { verifyPassword } from '../subgraphs/tenancy/identity/passwords.ts';

// seed:large writes 50 firms, so it gets a database of its own on the test server instead of
// sharing the suite's: other files' firms and counts stay untouched.
const SCALE = 0.04;
const DAY_MS = 86_400_000;

describe('seed:large', () => {
  const name = `seed_large_${randomBytes(4).toString('hex')}`;
  let adminUrl: string;
  let appUrl: string;
  let admin: postgres.Sql;
  let result: LargeSeedResult;

  beforeAll(async () => {
    const server = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
    await server.unsafe(`create database ${name}`);
    await server.end();
    const url = new URL(inject('adminUrl'));
    url.pathname = `/${name}`;
    adminUrl = url.toString();
    const app = new URL(inject('appUrl'));
    app.pathname = `/${name}`;
    appUrl = app.toString();
    await migrateDatabase(adminUrl);
    admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    result = await seedLargeDataset(adminUrl, { scale: SCALE });
  }, 120_000);

  afterAll(async () => {
    await admin?.end();
    const server = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
    await server.unsafe(`drop database if exists ${name} with (force)`);
    await server.end();
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
    expect(rows[0]).toEqual({ slug: 'bench-01', clients: 5000 * SCALE, invoices: 20_000 * SCALE, documents: 50_000 * SCALE, staff: 2 });
    expect(rows[1]!.clients).toBe(Math.round((5000 * SCALE) / 2));
    expect(rows[49]!.clients).toBeLessThan(rows[9]!.clients);
    expect(rows[49]!.clients).toBeGreaterThanOrEqual(1);
    expect(result.rows['crm.clients']).toBe(rows.reduce((sum, row) => sum + row.clients, 0));
    expect(result.rows['billing.invoices']).toBe(rows.reduce((sum, row) => sum + row.invoices, 0));
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
    const [span] = await admin<{ oldest: Date; newest: Date }[]>`select min(created_at) as oldest, max(created_at) as newest from billing.invoices`;
    expect(span!.newest.getTime()).toBeLessThanOrEqual(Date.now());
    expect(span!.newest.getTime() - span!.oldest.getTime()).toBeGreaterThan((HISTORY_DAYS - 60) * DAY_MS);
    expect(span!.newest.getTime() - span!.oldest.getTime()).toBeLessThanOrEqual(HISTORY_DAYS * DAY_MS);
    const gaps = await admin`
      select firm_id from billing.invoices where number is not null group by firm_id
      having max(substr(number, 5)::int) <> count(*) or min(substr(number, 5)::int) <> 1`;
    expect(gaps).toHaveLength(0);
    const [draftsUnnumbered] = await admin<{ bad: number }[]>`select count(*)::int as bad from billing.invoices where (status = 'DRAFT') <> (number is null)`;
    expect(draftsUnnumbered!.bad).toBe(0);
  });

  it('lets the seeded owner in with the seeded password, and RLS still separates the firms', async () => {
    const [user] = await admin<{ password_hash: string }[]>`select password_hash from tenancy.users where email = ${largeSeedOwnerEmail(1)}`;
    expect(await verifyPassword(user!.password_hash, LARGE_SEED_PASSWORD)).toBe(true);
    const [firm] = await admin<{ id: string }[]>`select id from tenancy.firms where slug = 'bench-02'`;
    const app = postgres(appUrl, { max: 1, onnotice: () => {} });
    try {
      const seen = await app.begin(async (tx) => {
        await tx`select set_config('app.firm_id', ${firm!.id}, true)`;
        return tx<{ firms: number; clients: number }[]>`select count(distinct firm_id)::int as firms, count(*)::int as clients from crm.clients`;
      });
      expect(seen[0]).toEqual({ firms: 1, clients: Math.round((5000 * SCALE) / 2) });
    } finally {
      await app.end();
    }
  });

  it('refuses a database that already holds the seed, and writes nothing', async () => {
    const before = await admin<{ n: number }[]>`select count(*)::int as n from crm.clients`;
    await expect(seedLargeDataset(adminUrl, { scale: SCALE })).rejects.toThrow(LargeSeedError);
    const after = await admin<{ n: number }[]>`select count(*)::int as n from crm.clients`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('refuses a role that row-level security applies to, and a scale out of range', async () => {
    await expect(seedLargeDataset(appUrl, { scale: SCALE })).rejects.toThrow(/superuser or BYPASSRLS/);
    await expect(seedLargeDataset(adminUrl, { scale: 0 })).rejects.toThrow(/--scale/);
  });
});
