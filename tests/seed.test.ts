import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { connectDatabase, postgresClient, type Database } from '../db/client.ts';
import { DEMO_OWNER, seedDemoFirm } from '../scripts/seed-data.ts';
import type { RoleValue } from '../db/schema/tenancy.ts';
import type { RateSourceValue } from '../db/schema/time.ts';
import { resolveRate, valueOfMinutes, type RateCard } from '../subgraphs/billing/rates/rate-resolution.ts';
import { rollupMismatches } from './support/time.ts';

let database: Database;
let admin: postgres.Sql;
beforeAll(() => {
  // The demo seed writes every subgraph's tables in one transaction: it runs as the admin (scripts/seed.ts).
  database = connectDatabase(inject('adminUrl'), { max: 2 });
  admin = postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await database.close();
  await admin.end();
});

const counts = async (firmId: string) =>
  (
    await admin`
    select (select count(*)::int from tenancy.memberships where firm_id = ${firmId}) as members,
           (select count(*)::int from crm.clients where firm_id = ${firmId}) as clients,
           (select count(*)::int from billing.invoices where firm_id = ${firmId}) as invoices,
           (select count(*)::int from documents.documents where firm_id = ${firmId}) as documents`
  )[0]!;

describe('the demo seed', () => {
  it('leaves the time rollups equal to the seeded entries', async () => {
    expect(await rollupMismatches(admin)).toEqual([]);
  });

  it('creates a realistic demo firm once, and a second run writes nothing', async () => {
    const first = await seedDemoFirm(database);
    expect(first.created).toBe(true);
    const seeded = await counts(first.firmId!);
    expect(seeded).toMatchObject({ members: 5, clients: 25 });
    expect(seeded.invoices).toBeGreaterThan(10);
    expect(seeded.documents).toBeGreaterThan(10);
    const [owner] =
      await admin`select u.name, m.role from tenancy.users u join tenancy.memberships m on m.user_id = u.id where u.email = ${DEMO_OWNER.email}`;
    expect(owner).toEqual({ name: DEMO_OWNER.name, role: 'OWNER' });

    const [time] = await admin`
      select (select count(*)::int from crm.engagements where firm_id = ${first.firmId}) as engagements,
             (select count(*)::int from crm.engagements where firm_id = ${first.firmId} and status = 'ACTIVE') as active,
             (select count(distinct client_id)::int from crm.engagements where firm_id = ${first.firmId}) as "engagedClients",
             (select count(*)::int from crm.engagement_team_members where firm_id = ${first.firmId}) as "teamMembers",
             (select count(*)::int from billing.services where firm_id = ${first.firmId}) as services,
             (select count(*)::int from billing.staff_capacities where firm_id = ${first.firmId}) as capacities,
             (select time_zone from billing.firm_time_settings where firm_id = ${first.firmId}) as "timeZone",
             (select array_agg(distinct source::text order by source::text) from billing.rates where firm_id = ${first.firmId}) as sources,
             (select count(*)::int from crm.engagements where firm_id = ${first.firmId} and code !~ '^[A-Z0-9]+-2026-[A-Z]+$') as "oddCodes"`;
    expect(time).toMatchObject({
      engagements: 40,
      engagedClients: 25,
      services: 6,
      timeZone: 'America/New_York',
      oddCodes: 0,
      sources: ['CLIENT_STAFF', 'ENGAGEMENT_SERVICE', 'FIRM_ROLE', 'STAFF_STANDARD'],
    });
    expect(time!.active).toBeGreaterThan(30);
    expect(time!.teamMembers).toBeGreaterThan(40);
    expect(time!.capacities).toBeGreaterThan(0);
    const statuses = await admin<{ status: string; n: number; reasons: number }[]>`
      select status::text, count(*)::int as n, count(rejection_reason)::int as reasons from billing.time_entries
      where firm_id = ${first.firmId} group by status order by status`;
    expect(statuses.map((row) => row.status)).toEqual(['APPROVED', 'BILLED', 'DRAFT', 'REJECTED', 'SUBMITTED']);
    for (const row of statuses) expect(row.n).toBeGreaterThan(row.status === 'REJECTED' ? 0 : 10);
    expect(statuses.find((row) => row.status === 'REJECTED')!.reasons).toBe(
      statuses.find((row) => row.status === 'REJECTED')!.n,
    );

    // Every approved or billed snapshot is what rate resolution gives for the entry.
    const cards = (
      await admin<(Omit<RateCard, 'hourlyMinor'> & { hourlyMinor: string })[]>`
        select id, source::text as source, engagement_id as "engagementId", client_id as "clientId", user_id as "userId",
               service_id as "serviceId", role, currency, hourly_minor::text as "hourlyMinor", effective_from::text as "effectiveFrom"
        from billing.rates where firm_id = ${first.firmId}`
    ).map((row) => ({ ...row, source: row.source as RateSourceValue, hourlyMinor: BigInt(row.hourlyMinor) }));
    const approved = await admin<
      {
        engagementId: string;
        clientId: string;
        userId: string;
        serviceId: string;
        currency: string;
        workDate: string;
        minutes: number;
        rateId: string;
        value: string;
        role: RoleValue;
      }[]
    >`
      select t.engagement_id as "engagementId", t.client_id as "clientId", t.user_id as "userId", t.service_id as "serviceId",
             t.currency, t.work_date::text as "workDate", t.minutes, t.rate_id as "rateId", t.value_minor::text as value, m.role::text as role
      from billing.time_entries t join tenancy.memberships m on m.firm_id = t.firm_id and m.user_id = t.user_id
      where t.firm_id = ${first.firmId} and t.status in ('APPROVED', 'BILLED') and t.billable`;
    expect(approved.length).toBeGreaterThan(100);
    for (const entry of approved) {
      const rate = resolveRate(cards, entry);
      expect(rate?.id).toBe(entry.rateId);
      expect(valueOfMinutes(entry.minutes, rate!.hourlyMinor).toString()).toBe(entry.value);
    }
    const usedSources = new Set(approved.map((entry) => cards.find((c) => c.id === entry.rateId)!.source));
    expect([...usedSources].sort()).toEqual(['CLIENT_STAFF', 'ENGAGEMENT_SERVICE', 'FIRM_ROLE', 'STAFF_STANDARD']);
    // The STAFF role rate changed mid-period: approved time carries both the old and the new one.
    const staffRoleRates = new Set(
      approved
        .filter(
          (entry) =>
            cards.find((c) => c.id === entry.rateId)!.source === 'FIRM_ROLE' &&
            entry.role === 'STAFF' &&
            entry.currency === 'USD',
        )
        .map((entry) => entry.rateId),
    );
    expect(staffRoleRates.size).toBe(2);

    const second = await seedDemoFirm(database);
    expect(second.created).toBe(false);
    expect(await counts(first.firmId!)).toEqual(seeded);
  });
});
