import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import type { SetRateInput } from './gql/graphql.ts';
import { createClients } from './support/factories.ts';
import type { GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';
import { activeEngagement, createService, setRate, timeFirm } from './support/time.ts';

const SET_RATE = graphql(`
  mutation RatesSetRate($input: SetRateInput!) {
    setRate(input: $input) {
      rate {
        id
        source
        role
        effectiveFrom
        hourlyRate {
          amount
          currency
        }
        user {
          id
        }
        engagement {
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

const EFFECTIVE = graphql(`
  query RatesEffective($engagementId: ID!, $userId: ID!, $serviceId: ID!, $workDate: Date!) {
    effectiveRate(engagementId: $engagementId, userId: $userId, serviceId: $serviceId, workDate: $workDate) {
      source
      hourlyRate {
        amount
        currency
      }
    }
  }
`);

const CARD = graphql(`
  query RatesCard($first: Int, $after: String, $source: RateSource) {
    me {
      activeFirm {
        rates(first: $first, after: $after, source: $source) {
          edges {
            node {
              id
              source
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
        services {
          id
          name
          billingType
          active
        }
      }
    }
  }
`);

const DELETE_RATE = graphql(`
  mutation RatesDelete($input: DeleteRateInput!) {
    deleteRate(input: $input) {
      deletedRateId
      userErrors {
        code
      }
    }
  }
`);

const COST = graphql(`
  mutation RatesCost($input: SetCostRateInput!) {
    setCostRate(input: $input) {
      costRate {
        hourlyCost {
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

const USER_COSTS = graphql(`
  query RatesMyCosts {
    me {
      user {
        id
        costRates {
          hourlyCost {
            amount
          }
        }
      }
    }
  }
`);

const SERVICE_UPDATE = graphql(`
  mutation RatesUpdateService($input: UpdateServiceInput!) {
    updateService(input: $input) {
      service {
        name
        active
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const ARRANGEMENT = graphql(`
  mutation RatesArrangement($input: SetEngagementBillingArrangementInput!) {
    setEngagementBillingArrangement(input: $input) {
      engagement {
        id
        billingArrangement {
          arrangement
          serviceLines {
            service {
              name
            }
            billingType
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

const env = useStackWithAdmin();

function ok<T>(result: GraphQLResponse<T>): T {
  expect(result.errors).toBeUndefined();
  return result.data!;
}

const errorsOf = (payload: { userErrors: { field: string[]; code: string }[] }) =>
  payload.userErrors.map((e) => [e.field.join('.'), e.code]);

describe('services and rate cards', () => {
  it('refuses rate cards whose scope, amount or currency is wrong, writing nothing', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const [eurClient] = await createClients(env.t, firm.owner.accessToken, ['Euro GmbH']);
    const token = firm.owner.accessToken;
    const attempt = async (input: Partial<SetRateInput>) =>
      errorsOf(
        ok(
          await env.t.gql(
            SET_RATE,
            {
              input: {
                source: 'FIRM_ROLE',
                hourlyRate: { amount: '100.00', currency: 'USD' },
                effectiveFrom: '2026-01-01',
                ...input,
              } as SetRateInput,
            },
            token,
          ),
        ).setRate,
      );
    expect(await attempt({})).toEqual([['input.role', 'REQUIRED']]);
    expect(await attempt({ role: 'STAFF', userId: firm.staff.userId })).toEqual([['input.userId', 'INVALID']]);
    expect(await attempt({ role: 'STAFF', hourlyRate: { amount: '100.005', currency: 'USD' } })).toEqual([
      ['input.hourlyRate.amount', 'INVALID'],
    ]);
    expect(await attempt({ role: 'STAFF', hourlyRate: { amount: '-1', currency: 'USD' } })).toEqual([
      ['input.hourlyRate.amount', 'OUT_OF_RANGE'],
    ]);
    expect(await attempt({ source: 'STAFF_STANDARD', userId: randomUUID() })).toEqual([['input.userId', 'NOT_FOUND']]);
    expect(
      await attempt({ source: 'ENGAGEMENT_SERVICE', engagementId: firm.engagementId, serviceId: randomUUID() }),
    ).toEqual([['input.serviceId', 'NOT_FOUND']]);
    expect(
      await attempt({
        source: 'CLIENT_STAFF',
        clientId: firm.clientId,
        userId: firm.staff.userId,
        hourlyRate: { amount: '100', currency: 'EUR' },
      }),
    ).toEqual([['input.hourlyRate.currency', 'CURRENCY_MISMATCH']]);
    expect(eurClient).toBeDefined();
    const card = ok(await env.t.gql(CARD, {}, token)).me!.activeFirm!.rates!;
    expect(card.edges).toEqual([]);
    // STAFF may neither set nor read rate cards.
    const denied = await env.t.gql(
      SET_RATE,
      {
        input: {
          source: 'FIRM_ROLE',
          role: 'STAFF',
          hourlyRate: { amount: '1', currency: 'USD' },
          effectiveFrom: '2026-01-01',
        },
      },
      firm.staff.accessToken,
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('replaces the entry of the same card and date, pages the card, and resolves the effective rate', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.owner.accessToken;
    const first = await setRate(env.t, token, {
      source: 'FIRM_ROLE',
      role: 'STAFF',
      amount: '100.00',
      effectiveFrom: '2026-01-01',
    });
    const again = await setRate(env.t, token, {
      source: 'FIRM_ROLE',
      role: 'STAFF',
      amount: '110.00',
      effectiveFrom: '2026-01-01',
    });
    expect(again).toBe(first);
    await setRate(env.t, token, { source: 'FIRM_ROLE', role: 'STAFF', amount: '130.00', effectiveFrom: '2026-07-01' });
    await setRate(env.t, token, {
      source: 'ENGAGEMENT_SERVICE',
      engagementId: firm.engagementId,
      serviceId: firm.serviceId,
      amount: '95.50',
    });
    const effective = (workDate: string, userId = firm.staff.userId) =>
      env.t.gql(EFFECTIVE, { engagementId: firm.engagementId, userId, serviceId: firm.serviceId, workDate }, token);
    expect(ok(await effective('2026-03-01')).effectiveRate).toEqual({
      source: 'ENGAGEMENT_SERVICE',
      hourlyRate: { amount: '95.50', currency: 'USD' },
    });
    const otherEngagement = await activeEngagement(env.admin, firm.owner.firmId, {
      clientId: firm.clientId,
      managerId: firm.manager.userId,
    });
    const onOther = (workDate: string) =>
      env.t.gql(
        EFFECTIVE,
        { engagementId: otherEngagement, userId: firm.staff.userId, serviceId: firm.serviceId, workDate },
        token,
      );
    expect(ok(await onOther('2026-06-30')).effectiveRate?.hourlyRate.amount).toBe('110.00');
    expect(ok(await onOther('2026-07-01')).effectiveRate?.hourlyRate.amount).toBe('130.00');
    expect(ok(await onOther('2025-12-31')).effectiveRate).toBeNull();
    expect(ok(await effective('2026-03-01', randomUUID())).effectiveRate).toBeNull();

    const pageOne = ok(await env.t.gql(CARD, { first: 2 }, token)).me!.activeFirm!.rates!;
    const pageTwo = ok(await env.t.gql(CARD, { first: 2, after: pageOne.pageInfo.endCursor }, token)).me!.activeFirm!
      .rates!;
    expect([...pageOne.edges, ...pageTwo.edges]).toHaveLength(3);
    expect(pageTwo.pageInfo.hasNextPage).toBe(false);
    const roles = ok(await env.t.gql(CARD, { source: 'FIRM_ROLE' }, token)).me!.activeFirm!.rates!;
    expect(roles.edges.map((e) => e.node.source)).toEqual(['FIRM_ROLE', 'FIRM_ROLE']);

    const deleted = ok(await env.t.gql(DELETE_RATE, { input: { id: first } }, token)).deleteRate;
    expect(deleted.deletedRateId).toBe(first);
    const gone = await env.t.gql(DELETE_RATE, { input: { id: first } }, token);
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('shows cost rates to the member themself and to rate:read, never to other staff', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const set = ok(
      await env.t.gql(
        COST,
        {
          input: {
            userId: firm.staff.userId,
            hourlyCost: { amount: '42.00', currency: 'USD' },
            effectiveFrom: '2026-01-01',
          },
        },
        firm.owner.accessToken,
      ),
    ).setCostRate;
    expect(set.costRate).toEqual({ hourlyCost: { amount: '42.00', currency: 'USD' }, effectiveFrom: '2026-01-01' });
    const mine = ok(await env.t.gql(USER_COSTS, {}, firm.staff.accessToken)).me!.user.costRates;
    expect(mine).toEqual([{ hourlyCost: { amount: '42.00' } }]);
    const othersView = ok(await env.t.gql(USER_COSTS, {}, firm.otherStaff.accessToken)).me!.user.costRates;
    expect(othersView).toEqual([]);
    const unknown = ok(
      await env.t.gql(
        COST,
        { input: { userId: randomUUID(), hourlyCost: { amount: '1', currency: 'USD' }, effectiveFrom: '2026-01-01' } },
        firm.owner.accessToken,
      ),
    ).setCostRate;
    expect(errorsOf(unknown)).toEqual([['input.userId', 'NOT_FOUND']]);
  });

  it('keeps service names unique per firm, retires services, and stores MIXED service lines', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.owner.accessToken;
    const tax = await createService(env.t, token, 'Tax return preparation', 'FIXED_FEE');
    const duplicate = await env.t.gql(SERVICE_UPDATE, { input: { id: tax, name: 'ADVISORY' } }, token);
    expect(errorsOf(ok(duplicate).updateService)).toEqual([['input.name', 'DUPLICATE']]);
    const retired = ok(await env.t.gql(SERVICE_UPDATE, { input: { id: tax, active: false } }, token)).updateService;
    expect(retired.service).toEqual({ name: 'Tax return preparation', active: false });
    const active = ok(await env.t.gql(CARD, {}, token)).me!.activeFirm!.services!;
    expect(active.map((s) => s.name)).toEqual(['Advisory']);

    const mixed = ok(
      await env.t.gql(
        ARRANGEMENT,
        {
          input: {
            engagementId: firm.engagementId,
            arrangement: 'MIXED',
            serviceLines: [
              { serviceId: firm.serviceId, billingType: 'HOURLY' },
              { serviceId: tax, billingType: 'FIXED_FEE' },
            ],
          },
        },
        firm.manager.accessToken,
      ),
    ).setEngagementBillingArrangement;
    expect(mixed.userErrors).toEqual([]);
    expect(mixed.engagement!.billingArrangement).toEqual({
      arrangement: 'MIXED',
      serviceLines: expect.arrayContaining([
        { service: { name: 'Advisory' }, billingType: 'HOURLY' },
        { service: { name: 'Tax return preparation' }, billingType: 'FIXED_FEE' },
      ]),
    });
    const bad = ok(
      await env.t.gql(
        ARRANGEMENT,
        {
          input: {
            engagementId: firm.engagementId,
            arrangement: 'HOURLY',
            serviceLines: [{ serviceId: randomUUID(), billingType: 'NON_BILLABLE' }],
          },
        },
        firm.manager.accessToken,
      ),
    ).setEngagementBillingArrangement;
    expect(errorsOf(bad)).toEqual([
      ['input.serviceLines', 'INVALID'],
      ['input.serviceLines.0', 'INVALID'],
      ['input.serviceLines.0.serviceId', 'NOT_FOUND'],
    ]);
    const foreign = await env.t.gql(
      ARRANGEMENT,
      { input: { engagementId: randomUUID(), arrangement: 'HOURLY' } },
      firm.manager.accessToken,
    );
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
