import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import type { WipGrouping } from './gql/graphql.ts';
import { asFirm } from './support/admin-db.ts';
import { addMember, createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { onboardPortalUser } from './support/portal.ts';
import { useStackWithAdmin } from './support/suite.ts';
import { insertService, insertStaffCapacity, insertTimeEntries, type TimeEntryFixture } from './support/time-db.ts';

const env = useStackWithAdmin();

const WIP_REPORT = graphql(`
  query WipReport($asOf: Date!, $groupBy: WipGrouping!, $first: Int, $after: String) {
    wipReport(asOf: $asOf, groupBy: $groupBy) {
      asOf
      groupBy
      rows(first: $first, after: $after) {
        edges {
          cursor
          node {
            client {
              id
            }
            engagement {
              id
              wip {
                amount
                currency
              }
            }
            staff {
              id
            }
            service {
              id
              name
            }
            currency
            minutes
            value {
              amount
              currency
            }
            aging {
              days0To30 {
                minutes
                value {
                  amount
                }
              }
              days31To60 {
                minutes
                value {
                  amount
                }
              }
              days61To90 {
                minutes
                value {
                  amount
                }
              }
              over90Days {
                minutes
                value {
                  amount
                }
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
        minutes
        value {
          amount
        }
        aging {
          days0To30 {
            minutes
          }
          days31To60 {
            minutes
          }
          days61To90 {
            minutes
          }
          over90Days {
            minutes
          }
        }
      }
    }
  }
`);

const CLIENT_WIP = graphql(`
  query ClientWip($id: ID!) {
    client(id: $id) {
      id
      wip {
        amount
        currency
      }
    }
  }
`);

const UTILIZATION = graphql(`
  query Utilization($from: Date!, $to: Date!) {
    utilizationReport(from: $from, to: $to) {
      from
      to
      weekdays
      rows {
        staff {
          id
          weeklyCapacityMinutes
        }
        weeklyCapacityMinutes
        capacityMinutes
        billableMinutes
        recordedMinutes
        utilizationBasisPoints
      }
    }
  }
`);

const SET_CAPACITY = graphql(`
  mutation SetStaffCapacity($input: SetStaffCapacityInput!) {
    setStaffCapacity(input: $input) {
      user {
        id
        weeklyCapacityMinutes
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const MY_CAPACITY = graphql(`
  query MyCapacity {
    me {
      user {
        id
        weeklyCapacityMinutes
      }
    }
  }
`);

/** Invites and signs in a member of `role`: their user id and access token. */
async function member(owner: FirmOwner, role: 'STAFF' | 'MANAGER'): Promise<{ userId: string; token: string }> {
  const { userId, accessToken } = await addMember(env.t, owner, role);
  return { userId, token: accessToken };
}

const ASOF = '2026-06-30';

/**
 * A firm with known WIP: client A (USD, with one entry in EUR, a former currency), client B (EUR),
 * client C (no time); engagements 1 and 2 of A and 3 of B; services X and Y; the owner and a
 * manager. Plus everything WIP must leave out: a later work date, BILLED, SUBMITTED, DRAFT,
 * REJECTED and non-billable time.
 */
async function firmWithTime() {
  const owner = await signUpFirm(env.t);
  const manager = await member(owner, 'MANAGER');
  const [a, b, c] = await createClients(env.t, owner.accessToken, ['Alpha Co', 'Beta GmbH', 'Gamma Ltd']);
  await asFirm(env.admin, owner.firmId, (tx) => tx`update crm.clients set currency = 'EUR' where id = ${b!}`);
  const x = await insertService(env.admin, owner.firmId, 'Advisory');
  const y = await insertService(env.admin, owner.firmId, 'Bookkeeping');
  const [e1, e2, e3] = [randomUUID(), randomUUID(), randomUUID()];
  const o = owner.userId;
  const m = manager.userId;
  const at = (engagementId: string, clientId: string, userId: string, serviceId: string) => ({
    engagementId,
    clientId,
    userId,
    serviceId,
  });
  const entries: TimeEntryFixture[] = [
    { ...at(e1, a!, o, x), workDate: '2026-06-30', minutes: 60, valueMinor: 15_000 }, // age 0
    { ...at(e1, a!, m, x), workDate: '2026-05-31', minutes: 30, valueMinor: 5_000 }, // age 30
    { ...at(e2, a!, o, y), workDate: '2026-05-30', minutes: 45, valueMinor: 7_500 }, // age 31
    { ...at(e2, a!, o, y), workDate: '2026-04-01', minutes: 15, valueMinor: 2_500 }, // age 90
    { ...at(e1, a!, m, y), workDate: '2026-03-01', minutes: 120, valueMinor: 30_000 }, // age 121
    { ...at(e1, a!, o, x), workDate: '2026-06-01', minutes: 10, valueMinor: 1_000, currency: 'EUR' }, // age 29
    { ...at(e3, b!, m, x), workDate: '2026-06-15', minutes: 90, valueMinor: 18_000, currency: 'EUR' }, // age 15
    // Not WIP as of 2026-06-30:
    { ...at(e1, a!, o, x), workDate: '2026-07-01', minutes: 20, valueMinor: 4_000 },
    { ...at(e1, a!, o, x), workDate: '2026-06-10', minutes: 100, valueMinor: 25_000, status: 'BILLED' },
    { ...at(e1, a!, o, x), workDate: '2026-06-11', minutes: 50, status: 'SUBMITTED' },
    { ...at(e1, a!, o, y), workDate: '2026-06-12', minutes: 30, billable: false },
    { ...at(e3, b!, m, x), workDate: '2026-06-16', minutes: 20, status: 'DRAFT', currency: 'EUR' },
    { ...at(e3, b!, m, x), workDate: '2026-06-17', minutes: 40, status: 'REJECTED', currency: 'EUR' },
  ];
  await insertTimeEntries(env.admin, owner.firmId, entries);
  return { owner, manager, clients: { a: a!, b: b!, c: c! }, services: { x, y }, engagements: { e1, e2, e3 } };
}

async function wip(token: string, groupBy: WipGrouping, page: { first?: number; after?: string } = {}) {
  const result = await env.t.gql(WIP_REPORT, { asOf: ASOF, groupBy, first: 10, ...page }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.wipReport;
}

const bucketMinutes = (aging: { [k: string]: { minutes: number } }) => [
  aging.days0To30!.minutes,
  aging.days31To60!.minutes,
  aging.days61To90!.minutes,
  aging.over90Days!.minutes,
];

describe('wipReport', () => {
  it('sums approved, billable, unbilled time per client and currency, with aging buckets', async () => {
    const { owner, clients } = await firmWithTime();
    const report = await wip(owner.accessToken, 'CLIENT');
    expect(report.asOf).toBe(ASOF);
    const rows = report.rows.edges.map(({ node }) => ({
      client: node.client!.id,
      currency: node.currency,
      minutes: node.minutes,
      value: node.value,
      buckets: bucketMinutes(node.aging),
      bucketValues: [node.aging.days0To30, node.aging.days31To60, node.aging.days61To90, node.aging.over90Days].map(
        (bucket) => bucket.value.amount,
      ),
    }));
    const expected = [
      {
        client: clients.a,
        currency: 'EUR',
        minutes: 10,
        value: { amount: '10.00', currency: 'EUR' },
        buckets: [10, 0, 0, 0],
        bucketValues: ['10.00', '0.00', '0.00', '0.00'],
      },
      {
        client: clients.a,
        currency: 'USD',
        minutes: 270,
        value: { amount: '600.00', currency: 'USD' },
        buckets: [90, 45, 15, 120],
        bucketValues: ['200.00', '75.00', '25.00', '300.00'],
      },
      {
        client: clients.b,
        currency: 'EUR',
        minutes: 90,
        value: { amount: '180.00', currency: 'EUR' },
        buckets: [90, 0, 0, 0],
        bucketValues: ['180.00', '0.00', '0.00', '0.00'],
      },
    ].sort((p, q) => (p.client + p.currency).localeCompare(q.client + q.currency));
    expect(rows).toEqual(expected);
    expect(
      report.rows.edges.every(({ node }) => node.engagement === null && node.staff === null && node.service === null),
    ).toBe(true);
    expect(report.totals).toEqual([
      {
        currency: 'EUR',
        minutes: 100,
        value: { amount: '190.00' },
        aging: {
          days0To30: { minutes: 100 },
          days31To60: { minutes: 0 },
          days61To90: { minutes: 0 },
          over90Days: { minutes: 0 },
        },
      },
      {
        currency: 'USD',
        minutes: 270,
        value: { amount: '600.00' },
        aging: {
          days0To30: { minutes: 90 },
          days31To60: { minutes: 45 },
          days61To90: { minutes: 15 },
          over90Days: { minutes: 120 },
        },
      },
    ]);
  });

  it('groups by engagement (with its client and WIP), staff member and service', async () => {
    const { owner, manager, clients, services, engagements } = await firmWithTime();
    const byEngagement = (await wip(owner.accessToken, 'ENGAGEMENT')).rows.edges.map(({ node }) => [
      node.engagement!.id,
      node.client!.id,
      node.currency,
      node.minutes,
      node.value.amount,
    ]);
    expect(byEngagement).toEqual(
      expect.arrayContaining([
        [engagements.e1, clients.a, 'EUR', 10, '10.00'],
        [engagements.e1, clients.a, 'USD', 210, '500.00'],
        [engagements.e2, clients.a, 'USD', 60, '100.00'],
        [engagements.e3, clients.b, 'EUR', 90, '180.00'],
      ]),
    );
    expect(byEngagement).toHaveLength(4);

    const engagementWip = Object.fromEntries(
      (await wip(owner.accessToken, 'ENGAGEMENT')).rows.edges.map(({ node }) => [
        node.engagement!.id,
        node.engagement!.wip,
      ]),
    );
    // Engagement.wip has no asOf: e1's USD includes the entry dated after the report (2026-07-01), and
    // USD is e1's currency with the latest work date.
    expect(engagementWip[engagements.e1]).toEqual({ amount: '540.00', currency: 'USD' });
    expect(engagementWip[engagements.e3]).toEqual({ amount: '180.00', currency: 'EUR' });

    const byStaff = (await wip(owner.accessToken, 'STAFF')).rows.edges.map(({ node }) => [
      node.staff!.id,
      node.currency,
      node.minutes,
    ]);
    expect(byStaff).toEqual(
      expect.arrayContaining([
        [owner.userId, 'EUR', 10],
        [owner.userId, 'USD', 120],
        [manager.userId, 'EUR', 90],
        [manager.userId, 'USD', 150],
      ]),
    );
    expect(byStaff).toHaveLength(4);

    const byService = (await wip(owner.accessToken, 'SERVICE')).rows.edges.map(({ node }) => [
      node.service!.id,
      node.currency,
      node.minutes,
      node.value.amount,
    ]);
    expect(byService).toEqual(
      expect.arrayContaining([
        [services.x, 'EUR', 100, '190.00'],
        [services.x, 'USD', 90, '200.00'],
        [services.y, 'USD', 180, '400.00'],
      ]),
    );
    expect(byService).toHaveLength(3);
  });

  it('pages through rows with cursors, in group order, without losing a currency at a page boundary', async () => {
    const { owner } = await firmWithTime();
    const all = (await wip(owner.accessToken, 'CLIENT')).rows.edges.map(
      ({ node }) => `${node.client!.id}/${node.currency}`,
    );
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await wip(owner.accessToken, 'CLIENT', { first: 1, after })).rows;
      seen.push(...page.edges.map(({ node }) => `${node.client!.id}/${node.currency}`));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor!;
    }
    expect(seen).toEqual(all);
    expect(all).toHaveLength(3);
    const wrongCursor = await env.t.gql(
      WIP_REPORT,
      { asOf: ASOF, groupBy: 'ENGAGEMENT', first: 1, after: after! },
      owner.accessToken,
    );
    expect(wrongCursor.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('leaves work dated after asOf out', async () => {
    const { owner } = await firmWithTime();
    const result = await env.t.gql(WIP_REPORT, { asOf: '2026-05-31', groupBy: 'CLIENT' }, owner.accessToken);
    const totals = result.data!.wipReport.totals;
    expect(totals.map((total) => [total.currency, total.minutes, bucketMinutes(total.aging)])).toEqual([
      // 2026-05-31: age 0, 2026-05-30: age 1, 2026-04-01: age 60, 2026-03-01: age 91.
      ['USD', 210, [75, 15, 0, 120]],
    ]);
  });

  it("never counts another firm's time, and another firm's report is empty", async () => {
    const { owner } = await firmWithTime();
    const other = await signUpFirm(env.t);
    const report = await wip(other.accessToken, 'CLIENT');
    expect(report.rows.edges).toEqual([]);
    expect(report.totals).toEqual([]);
    const before = await wip(owner.accessToken, 'STAFF');
    const [client] = await createClients(env.t, other.accessToken, ['Other Co']);
    const service = await insertService(env.admin, other.firmId, 'Advisory');
    await insertTimeEntries(env.admin, other.firmId, [
      {
        userId: other.userId,
        engagementId: randomUUID(),
        clientId: client!,
        serviceId: service,
        workDate: '2026-06-01',
        minutes: 600,
        valueMinor: 99_900,
      },
    ]);
    expect(await wip(owner.accessToken, 'STAFF')).toEqual(before);
    expect((await wip(other.accessToken, 'CLIENT')).totals.map((total) => total.minutes)).toEqual([600]);
  });
});

describe('Client.wip', () => {
  it("is the client's WIP in its billing currency, zero without any, and null-safe for other firms", async () => {
    const { owner, clients } = await firmWithTime();
    const read = async (id: string, token = owner.accessToken) => {
      const result = await env.t.gql(CLIENT_WIP, { id }, token);
      expect(result.errors).toBeUndefined();
      return result.data!.client?.wip ?? null;
    };
    // A's USD WIP of any date (2026-07-01 included); its EUR entry is in wipReport only.
    expect(await read(clients.a)).toEqual({ amount: '640.00', currency: 'USD' });
    expect(await read(clients.b)).toEqual({ amount: '180.00', currency: 'EUR' });
    expect(await read(clients.c)).toEqual({ amount: '0.00', currency: 'USD' });
    const other = await signUpFirm(env.t);
    expect(await read(clients.a, other.accessToken)).toBeNull();
  });
});

describe('utilizationReport', () => {
  it('sets billable minutes against capacity over the weekdays of the period', async () => {
    const { owner, manager } = await firmWithTime();
    const idle = await member(owner, 'STAFF');
    await insertStaffCapacity(env.admin, owner.firmId, idle.userId, 0);
    const set = await env.t.gql(
      SET_CAPACITY,
      { input: { userId: manager.userId, weeklyMinutes: 2250 } },
      owner.accessToken,
    );
    expect(set.errors).toBeUndefined();
    expect(set.data!.setStaffCapacity).toEqual({
      user: { id: manager.userId, weeklyCapacityMinutes: 2250 },
      userErrors: [],
    });
    const result = await env.t.gql(UTILIZATION, { from: '2026-06-01', to: '2026-06-30' }, owner.accessToken);
    expect(result.errors).toBeUndefined();
    const report = result.data!.utilizationReport;
    // June 2026 starts on a Monday: four whole weeks and Monday 29, Tuesday 30.
    expect(report).toMatchObject({ from: '2026-06-01', to: '2026-06-30', weekdays: 22 });
    const rows = Object.fromEntries(report.rows.map((row) => [row.staff.id, row]));
    expect(report.rows.map((row) => row.staff.id)).toEqual([owner.userId, manager.userId, idle.userId].sort());
    expect(rows[owner.userId]).toEqual({
      staff: { id: owner.userId, weeklyCapacityMinutes: 2400 },
      weeklyCapacityMinutes: 2400,
      capacityMinutes: 10_560,
      // 60 + 10 approved and 100 billed; the submitted 50 and the non-billable 30 are recorded only.
      billableMinutes: 170,
      recordedMinutes: 250,
      utilizationBasisPoints: 161,
    });
    expect(rows[manager.userId]).toEqual({
      staff: { id: manager.userId, weeklyCapacityMinutes: 2250 },
      weeklyCapacityMinutes: 2250,
      capacityMinutes: 9_900,
      billableMinutes: 90,
      recordedMinutes: 150,
      utilizationBasisPoints: 91,
    });
    expect(rows[idle.userId]).toMatchObject({
      capacityMinutes: 0,
      billableMinutes: 0,
      recordedMinutes: 0,
      utilizationBasisPoints: null,
    });
  });

  it('refuses a reversed period and one longer than 366 days', async () => {
    const owner = await signUpFirm(env.t);
    for (const [from, to] of [
      ['2026-06-02', '2026-06-01'],
      ['2026-01-01', '2027-01-02'],
    ] as const) {
      const result = await env.t.gql(UTILIZATION, { from, to }, owner.accessToken);
      expect(result.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    }
    const leapYear = await env.t.gql(UTILIZATION, { from: '2028-01-01', to: '2028-12-31' }, owner.accessToken);
    expect(leapYear.errors).toBeUndefined();
    expect(leapYear.data!.utilizationReport.weekdays).toBe(260);
  });
});

describe('setStaffCapacity', () => {
  it('validates the range and the member, and audits the change', async () => {
    const owner = await signUpFirm(env.t);
    const other = await signUpFirm(env.t);
    for (const weeklyMinutes of [-1, 10_081]) {
      const result = await env.t.gql(
        SET_CAPACITY,
        { input: { userId: owner.userId, weeklyMinutes } },
        owner.accessToken,
      );
      expect(result.data!.setStaffCapacity).toEqual({
        user: null,
        userErrors: [{ field: ['input', 'weeklyMinutes'], code: 'OUT_OF_RANGE' }],
      });
    }
    for (const userId of [other.userId, randomUUID()]) {
      const result = await env.t.gql(SET_CAPACITY, { input: { userId, weeklyMinutes: 600 } }, owner.accessToken);
      expect(result.data!.setStaffCapacity).toEqual({
        user: null,
        userErrors: [{ field: ['input', 'userId'], code: 'NOT_FOUND' }],
      });
    }
    const ok = await env.t.gql(
      SET_CAPACITY,
      { input: { userId: owner.userId, weeklyMinutes: 10_080 } },
      owner.accessToken,
    );
    expect(ok.data!.setStaffCapacity.user).toEqual({ id: owner.userId, weeklyCapacityMinutes: 10_080 });
    const again = await env.t.gql(
      SET_CAPACITY,
      { input: { userId: owner.userId, weeklyMinutes: 1200 } },
      owner.accessToken,
    );
    expect(again.data!.setStaffCapacity.userErrors).toEqual([]);
    const audit = await asFirm(
      env.admin,
      owner.firmId,
      (tx) => tx`select target_id::text, metadata from tenancy.audit_log
                 where firm_id = ${owner.firmId} and action = 'staff_capacity.set' order by seq`,
    );
    expect(audit.map((row) => [row.target_id, row.metadata])).toEqual([
      [owner.userId, { previousWeeklyMinutes: 2400, weeklyMinutes: 10_080 }],
      [owner.userId, { previousWeeklyMinutes: 10_080, weeklyMinutes: 1200 }],
    ]);
    const capacities = await asFirm(
      env.admin,
      other.firmId,
      (tx) => tx`select count(*)::int as n from billing.staff_capacities where firm_id = ${other.firmId}`,
    );
    expect(capacities[0]!.n).toBe(0);
  });
});

describe('permissions', () => {
  it('lets STAFF see their own capacity but no WIP, utilization or capacity change', async () => {
    const { owner, clients } = await firmWithTime();
    const staff = await member(owner, 'STAFF');
    const mine = await env.t.gql(MY_CAPACITY, {}, staff.token);
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.me!.user).toEqual({ id: staff.userId, weeklyCapacityMinutes: 2400 });
    const report = await env.t.gql(WIP_REPORT, { asOf: ASOF, groupBy: 'CLIENT' }, staff.token);
    expect(report.data).toBeNull();
    expect(report.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const utilization = await env.t.gql(UTILIZATION, { from: '2026-06-01', to: '2026-06-30' }, staff.token);
    expect(utilization.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const clientWip = await env.t.gql(CLIENT_WIP, { id: clients.a }, staff.token);
    expect(clientWip.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(clientWip.errors![0]!.path).toEqual(['client', 'wip']);
    const set = await env.t.gql(SET_CAPACITY, { input: { userId: staff.userId, weeklyMinutes: 0 } }, staff.token);
    expect(set.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('lets a MANAGER read WIP and utilization but not change capacity', async () => {
    const { owner, manager } = await firmWithTime();
    expect((await wip(manager.token, 'CLIENT')).totals).toHaveLength(2);
    const utilization = await env.t.gql(UTILIZATION, { from: '2026-06-01', to: '2026-06-30' }, manager.token);
    expect(utilization.errors).toBeUndefined();
    const set = await env.t.gql(SET_CAPACITY, { input: { userId: owner.userId, weeklyMinutes: 0 } }, manager.token);
    expect(set.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('shows a portal user no WIP or utilization, not even of its own client', async () => {
    const { owner, clients } = await firmWithTime();
    const portal = await onboardPortalUser(env.t, owner, [clients.a]);
    const clientWip = await env.t.gql(CLIENT_WIP, { id: clients.a }, portal.accessToken);
    expect(clientWip.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const report = await env.t.gql(WIP_REPORT, { asOf: ASOF, groupBy: 'CLIENT' }, portal.accessToken);
    expect(report.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const utilization = await env.t.gql(UTILIZATION, { from: '2026-06-01', to: '2026-06-30' }, portal.accessToken);
    expect(utilization.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
