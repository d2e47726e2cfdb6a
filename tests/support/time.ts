import type postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { expect } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { RateSource, Role } from '../gql/graphql.ts';
import { asFirm } from './admin-db.ts';
import { addMember, createClients, signUpFirm, type FirmMember, type FirmOwner } from './factories.ts';
import type { TestStack } from './stack.ts';

const CREATE_SERVICE = graphql(`
  mutation TimeCreateService($input: CreateServiceInput!) {
    createService(input: $input) {
      service {
        id
      }
      userErrors {
        field
        code
      }
    }
  }
`);

/** The setRate mutation with the fields the time suites read. */
const SET_RATE = graphql(`
  mutation TimeSetRate($input: SetRateInput!) {
    setRate(input: $input) {
      rate {
        id
        source
        hourlyRate {
          amount
          currency
        }
        effectiveFrom
      }
      userErrors {
        field
        code
      }
    }
  }
`);

/** Adds a service to the owner's firm through the gateway and returns its id. */
export async function createService(
  t: TestStack,
  token: string,
  name: string,
  billingType: 'HOURLY' | 'FIXED_FEE' | 'NON_BILLABLE' = 'HOURLY',
): Promise<string> {
  const result = await t.gql(CREATE_SERVICE, { input: { name, billingType } }, token);
  expect(result.errors).toBeUndefined();
  expect(result.data!.createService.userErrors).toEqual([]);
  return result.data!.createService.service!.id;
}

/** Sets a rate card entry through the gateway (amount in major units, e.g. `"150.00"`). */
export async function setRate(
  t: TestStack,
  token: string,
  input: {
    source: RateSource;
    amount: string;
    currency?: string;
    effectiveFrom?: string;
    engagementId?: string;
    clientId?: string;
    userId?: string;
    serviceId?: string;
    role?: Role;
  },
): Promise<string> {
  const { amount, currency = 'USD', effectiveFrom = '2020-01-01', ...scope } = input;
  const result = await t.gql(SET_RATE, { input: { ...scope, hourlyRate: { amount, currency }, effectiveFrom } }, token);
  expect(result.errors).toBeUndefined();
  expect(result.data!.setRate.userErrors).toEqual([]);
  return result.data!.setRate.rate!.id;
}

/**
 * Inserts an ACTIVE engagement of `clientId` with `managerId` and `teamIds` on its team, as the
 * admin connection (engagements themselves are exercised in tests/engagements.e2e.test.ts).
 */
export async function activeEngagement(
  admin: postgres.Sql,
  firmId: string,
  {
    clientId,
    managerId,
    teamIds = [],
    status = 'ACTIVE',
  }: {
    clientId: string;
    managerId: string;
    teamIds?: string[];
    status?: 'DRAFT' | 'ACTIVE' | 'ON_HOLD' | 'COMPLETED' | 'CANCELLED';
  },
): Promise<string> {
  const id = uuidv7();
  await asFirm(admin, firmId, async (tx) => {
    await tx`insert into crm.engagements (firm_id, id, client_id, name, code, status, manager_user_id)
      values (${firmId}, ${id}, ${clientId}, 'Engagement', ${`E-${id.slice(-12).toUpperCase()}`}, ${status}, ${managerId})`;
    for (const userId of new Set([managerId, ...teamIds])) {
      await tx`insert into crm.engagement_team_members (firm_id, engagement_id, user_id) values (${firmId}, ${id}, ${userId})`;
    }
  });
  return id;
}

/** A firm for time tests: its owner, a MANAGER and two STAFF, a USD client, an hourly service and an engagement all four are on. */
export interface TimeFirm {
  owner: FirmOwner;
  manager: FirmMember;
  staff: FirmMember;
  otherStaff: FirmMember;
  clientId: string;
  serviceId: string;
  engagementId: string;
}

/** Builds a `TimeFirm` through the gateway (and the engagement through `activeEngagement`). */
export async function timeFirm(t: TestStack, admin: postgres.Sql): Promise<TimeFirm> {
  const owner = await signUpFirm(t);
  const [manager, staff, otherStaff] = [
    await addMember(t, owner, 'MANAGER'),
    await addMember(t, owner, 'STAFF'),
    await addMember(t, owner, 'STAFF'),
  ];
  const [clientId] = await createClients(t, owner.accessToken, ['Acme Ltd']);
  const serviceId = await createService(t, owner.accessToken, 'Advisory');
  const engagementId = await activeEngagement(admin, owner.firmId, {
    clientId: clientId!,
    managerId: manager.userId,
    teamIds: [staff.userId, otherStaff.userId, owner.userId],
  });
  return { owner, manager, staff, otherStaff, clientId: clientId!, serviceId, engagementId };
}

/**
 * Every rollup row that disagrees with the sums of `billing.time_entries` (migration 0015's
 * triggers keep them equal), over the whole database in one statement, so one consistent snapshot
 * whatever other tests are writing. Each finding names the rollup and the key; zero rows count as absent.
 */
export async function rollupMismatches(admin: postgres.Sql): Promise<string[]> {
  const rows = await admin<{ finding: string }[]>`
    with day_sums as (
      select firm_id, user_id, work_date, sum(minutes)::int as recorded,
        coalesce(sum(minutes) filter (where billable and status in ('APPROVED', 'BILLED')), 0)::int as billable
      from billing.time_entries group by 1, 2, 3
    ), wip_user as (
      select firm_id, user_id, currency, work_date, sum(minutes)::int as minutes, sum(value_minor) as value
      from billing.time_entries where status = 'APPROVED' and billable group by 1, 2, 3, 4
    ), wip_firm as (
      select firm_id, currency, work_date, sum(minutes)::int as minutes, sum(value_minor) as value
      from billing.time_entries where status = 'APPROVED' and billable group by 1, 2, 3
    )
    select 'user_day_totals ' || coalesce(s.firm_id, r.firm_id) || ' ' || coalesce(s.user_id, r.user_id) || ' '
      || coalesce(s.work_date, r.work_date) as finding
    from day_sums s full join (select * from billing.user_day_totals where recorded_minutes <> 0) r
      using (firm_id, user_id, work_date)
    where s.recorded is distinct from r.recorded_minutes or s.billable is distinct from r.billable_minutes
    union all
    select 'wip_user_days ' || coalesce(s.firm_id, r.firm_id) || ' ' || coalesce(s.work_date, r.work_date)
    from wip_user s full join (select * from billing.wip_user_days where minutes <> 0 or value_minor <> 0) r
      using (firm_id, user_id, currency, work_date)
    where s.minutes is distinct from r.minutes or s.value is distinct from r.value_minor
    union all
    select 'wip_firm_days ' || coalesce(s.firm_id, r.firm_id) || ' ' || coalesce(s.work_date, r.work_date)
    from wip_firm s full join (select * from billing.wip_firm_days where minutes <> 0 or value_minor <> 0) r
      using (firm_id, currency, work_date)
    where s.minutes is distinct from r.minutes or s.value is distinct from r.value_minor`;
  return rows.map((row) => row.finding);
}
