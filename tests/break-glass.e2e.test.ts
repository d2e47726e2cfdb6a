import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformOperator } from '../subgraphs/tenancy/break-glass/break-glass-service.ts';
import { graphql } from './gql/index.ts';
import type { ApproveBreakGlassInput, RequestBreakGlassInput, RevokeBreakGlassInput } from './gql/graphql.ts';
import { asFirm, clientRowText, countClientRows } from './support/admin-db.ts';
import { createClients, signUpFirm, strongPassword, type FirmOwner } from './support/factories.ts';
import { CLIENT, CREATE_CLIENT, UPDATE_CLIENT } from './support/operations.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const LOG_IN_OPERATOR = graphql(`
  mutation BreakGlassLogInOperator($input: LogInOperatorInput!) {
    logInOperator(input: $input) {
      session {
        accessToken
        accessTokenExpiresAt
        operator {
          id
          name
          email
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const REQUEST = graphql(`
  mutation RequestBreakGlass($input: RequestBreakGlassInput!) {
    requestBreakGlass(input: $input) {
      grant {
        id
        firmId
        reason
        minutes
        status
        requestedAt
        approvedAt
        startsAt
        expiresAt
        revokedAt
        operator {
          id
          email
        }
        approvedBy {
          id
          email
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const APPROVE = graphql(`
  mutation ApproveBreakGlass($input: ApproveBreakGlassInput!) {
    approveBreakGlass(input: $input) {
      grant {
        id
        firmId
        reason
        minutes
        status
        requestedAt
        approvedAt
        startsAt
        expiresAt
        revokedAt
        operator {
          id
          email
        }
        approvedBy {
          id
          email
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const REVOKE = graphql(`
  mutation RevokeBreakGlass($input: RevokeBreakGlassInput!) {
    revokeBreakGlass(input: $input) {
      grant {
        id
        status
        revokedAt
      }
      userErrors {
        code
      }
    }
  }
`);
const ACTIVATE = graphql(`
  mutation ActivateBreakGlass($input: ActivateBreakGlassInput!) {
    activateBreakGlass(input: $input) {
      session {
        accessToken
        accessTokenExpiresAt
      }
      grant {
        id
        status
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const GRANTS = graphql(`
  query BreakGlassGrants {
    breakGlassGrants(first: 100) {
      totalCount
      edges {
        node {
          id
          firmId
          reason
          minutes
          status
          requestedAt
          approvedAt
          startsAt
          expiresAt
          revokedAt
          operator {
            id
            email
          }
          approvedBy {
            id
            email
          }
        }
      }
    }
  }
`);
const CLIENT_NAMES = graphql(`
  query BreakGlassClientNames {
    clients(first: 50) {
      totalCount
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

interface Operator {
  id: string;
  email: string;
  password: string;
  token: string;
}

let a: FirmOwner;
let b: FirmOwner;
let aClientIds: string[];
let bClientIds: string[];
let first: Operator;
let second: Operator;

/** Creates an operator the way `npm run operator:create` does, and signs them in through the gateway. */
async function newOperator(name: string): Promise<Operator> {
  const email = `ops-${randomUUID()}@platform.example.test`;
  const password = strongPassword();
  const created = await createPlatformOperator(env.t.databases.tenancy, { email, name, password });
  expect(created.problems).toEqual([]);
  const result = await env.t.gql(LOG_IN_OPERATOR, { input: { email, password } });
  expect(result.errors).toBeUndefined();
  expect(result.data!.logInOperator.userErrors).toEqual([]);
  return { id: created.operator!.id, email, password, token: result.data!.logInOperator.session!.accessToken };
}

const env = useStackWithAdmin();
beforeAll(async () => {
  [a, b] = await Promise.all([signUpFirm(env.t), signUpFirm(env.t)]);
  aClientIds = await createClients(env.t, a.accessToken, ['Alder & Co', 'Birch Partners']);
  bClientIds = await createClients(env.t, b.accessToken, ['Other firm client']);
  first = await newOperator('Olive Operator');
  second = await newOperator('Sam Second');
});

/** Requests a grant on `firmId` as `operator`, failing the test on errors. */
async function request(operator: Operator, firmId: string, minutes = 30) {
  const result = await env.t.gql(
    REQUEST,
    { input: { firmId, reason: 'Ticket 4711: invoices show the wrong balance', minutes } },
    operator.token,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data!.requestBreakGlass.userErrors).toEqual([]);
  return result.data!.requestBreakGlass.grant!;
}

/** Requests, approves (by `second`) and activates a grant on `firmId` for `first`; returns the grant id and the grant-bound token. */
async function liveGrant(firmId: string): Promise<{ grantId: string; token: string }> {
  const grant = await request(first, firmId);
  const approved = await env.t.gql(APPROVE, { input: { firmId, grantId: grant.id } }, second.token);
  expect(approved.data!.approveBreakGlass.userErrors).toEqual([]);
  const activated = await env.t.gql(ACTIVATE, { input: { firmId, grantId: grant.id } }, first.token);
  expect(activated.data!.activateBreakGlass.userErrors).toEqual([]);
  return { grantId: grant.id, token: activated.data!.activateBreakGlass.session!.accessToken };
}

async function auditRows(firmId: string, grantId: string) {
  return asFirm(
    env.admin,
    firmId,
    (tx) =>
      tx`select action, actor_kind, actor_id, metadata from tenancy.audit_log where firm_id = ${firmId} and target_id = ${grantId} order by seq`,
  );
}

describe('platform operators', () => {
  it('refuses a wrong operator password without saying which part was wrong', async () => {
    const wrong = await env.t.gql(LOG_IN_OPERATOR, {
      input: { email: first.email, password: 'not the password at all' },
    });
    const unknown = await env.t.gql(LOG_IN_OPERATOR, {
      input: { email: 'nobody@platform.example.test', password: first.password },
    });
    for (const result of [wrong, unknown]) {
      expect(result.data!.logInOperator).toEqual({
        session: null,
        userErrors: [{ field: [], code: 'INVALID_CREDENTIALS' }],
      });
    }
  });

  it('sees no tenant data without a grant', async () => {
    const list = await env.t.gql(CLIENT_NAMES, {}, first.token);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const one = await env.t.gql(CLIENT, { id: aClientIds[0]! }, first.token);
    expect(one.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const me = await env.t.gql(
      graphql(`
        query BreakGlassMe {
          me {
            user {
              id
            }
          }
        }
      `),
      {},
      first.token,
    );
    expect(me.data!.me).toBeNull();
  });

  it('keeps staff and operator tokens apart', async () => {
    const staffAsOperator = await env.t.gql(
      REQUEST,
      { input: { firmId: a.firmId, reason: 'Staff pretending to be ops', minutes: 10 } },
      a.accessToken,
    );
    expect(staffAsOperator.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // An operator token re-labelled as a plain JWT is not a staff token either.
    const [, payload, signature] = first.token.split('.');
    const relabelled = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${payload}.${signature}`;
    const result = await env.t.gql(CLIENT_NAMES, {}, relabelled);
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('operator sessions', () => {
  it('ends every token of the session, grant-bound ones included, on logOutOperator', async () => {
    const operator = await newOperator('Lee Leaving');
    const grant = await request(operator, a.firmId);
    await env.t.gql(APPROVE, { input: { firmId: a.firmId, grantId: grant.id } }, second.token);
    const activated = await env.t.gql(ACTIVATE, { input: { firmId: a.firmId, grantId: grant.id } }, operator.token);
    const grantToken = activated.data!.activateBreakGlass.session!.accessToken;
    expect((await env.t.gql(CLIENT, { id: aClientIds[0]! }, grantToken)).data!.client!.name).toBe('Alder & Co');

    const out = await env.t.gql(
      graphql(`
        mutation BreakGlassLogOutOperator {
          logOutOperator {
            loggedOut
            userErrors {
              code
            }
          }
        }
      `),
      {},
      operator.token,
    );
    expect(out.data!.logOutOperator).toEqual({ loggedOut: true, userErrors: [] });
    for (const token of [operator.token, grantToken]) {
      const result = await env.t.gql(CLIENT, { id: aClientIds[0]! }, token);
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('locks an operator’s email after 10 failed log-ins, even for the right password', async () => {
    const operator = await newOperator('Tia Throttled');
    for (let i = 0; i < 10; i += 1) {
      const wrong = await env.t.gql(LOG_IN_OPERATOR, {
        input: { email: operator.email, password: `wrong password ${i}` },
      });
      expect(wrong.data!.logInOperator.userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
    }
    const right = await env.t.gql(LOG_IN_OPERATOR, { input: { email: operator.email, password: operator.password } });
    expect(right.data!.logInOperator).toEqual({
      session: null,
      userErrors: [{ field: [], code: 'INVALID_CREDENTIALS' }],
    });
  });

  it('refuses a disabled operator at once', async () => {
    const operator = await newOperator('Dee Disabled');
    await env.admin`update tenancy.platform_operators set disabled_at = now() where id = ${operator.id}`;
    const result = await env.t.gql(
      REQUEST,
      { input: { firmId: a.firmId, reason: 'Ticket 9: after being disabled', minutes: 5 } },
      operator.token,
    );
    expect(result.status).toBe(401);
    const again = await env.t.gql(LOG_IN_OPERATOR, { input: { email: operator.email, password: operator.password } });
    expect(again.data!.logInOperator.userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('break-glass grants', () => {
  it('rejects too many minutes and a missing or short reason with userErrors, creating nothing', async () => {
    const count = async () =>
      (
        await asFirm(
          env.admin,
          a.firmId,
          (tx) => tx`select count(*)::int as n from tenancy.break_glass_grants where firm_id = ${a.firmId}`,
        )
      )[0]!.n as number;
    const before = await count();
    const cases: [Partial<RequestBreakGlassInput>, string, string][] = [
      [{ minutes: 241 }, 'minutes', 'INVALID'],
      [{ minutes: 0 }, 'minutes', 'INVALID'],
      [{ reason: '' }, 'reason', 'REQUIRED'],
      [{ reason: '   ' }, 'reason', 'REQUIRED'],
      [{ reason: 'debugging' }, 'reason', 'INVALID'],
    ];
    for (const [override, field, code] of cases) {
      const input: RequestBreakGlassInput = {
        firmId: a.firmId,
        reason: 'Ticket 4711: balance is wrong',
        minutes: 30,
        ...override,
      };
      const result = await env.t.gql(REQUEST, { input }, first.token);
      expect(result.errors).toBeUndefined();
      expect(result.data!.requestBreakGlass.grant).toBeNull();
      expect(result.data!.requestBreakGlass.userErrors).toContainEqual(
        expect.objectContaining({ field: ['input', field], code }),
      );
    }
    expect(await count()).toBe(before);
  });

  it('needs a second operator to approve, then reads the firm read-only, auditing every access', async () => {
    const grant = await request(first, a.firmId, 45);
    expect(grant).toMatchObject({
      firmId: a.firmId,
      status: 'PENDING',
      minutes: 45,
      startsAt: null,
      operator: { id: first.id },
    });

    // Pending: not live yet.
    const early = await env.t.gql(ACTIVATE, { input: { firmId: a.firmId, grantId: grant.id } }, first.token);
    expect(early.data!.activateBreakGlass.userErrors).toEqual([
      { field: ['input', 'grantId'], code: 'GRANT_NOT_LIVE' },
    ]);
    // The requester cannot approve their own request.
    const own = await env.t.gql(APPROVE, { input: { firmId: a.firmId, grantId: grant.id } }, first.token);
    expect(own.data!.approveBreakGlass).toEqual({
      grant: null,
      userErrors: [{ field: ['input', 'grantId'], code: 'SELF_APPROVAL' }],
    });
    // Nor can a firm member approve.
    const staff = await env.t.gql(APPROVE, { input: { firmId: a.firmId, grantId: grant.id } }, a.accessToken);
    expect(staff.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const approved = await env.t.gql(APPROVE, { input: { firmId: a.firmId, grantId: grant.id } }, second.token);
    expect(approved.errors).toBeUndefined();
    const live = approved.data!.approveBreakGlass.grant;
    expect(live).toMatchObject({ status: 'ACTIVE', approvedBy: { id: second.id } });
    expect(new Date(live!.expiresAt!).getTime() - new Date(live!.startsAt!).getTime()).toBe(45 * 60_000);
    const twice = await env.t.gql(APPROVE, { input: { firmId: a.firmId, grantId: grant.id } }, second.token);
    expect(twice.data!.approveBreakGlass.userErrors[0]!.code).toBe('GRANT_NOT_PENDING');
    // Only the requester may act under it.
    const stranger = await env.t.gql(ACTIVATE, { input: { firmId: a.firmId, grantId: grant.id } }, second.token);
    expect(stranger.data!.activateBreakGlass.userErrors[0]!.code).toBe('GRANT_NOT_LIVE');

    const activated = await env.t.gql(ACTIVATE, { input: { firmId: a.firmId, grantId: grant.id } }, first.token);
    expect(activated.errors).toBeUndefined();
    const token = activated.data!.activateBreakGlass.session!.accessToken;
    expect(new Date(activated.data!.activateBreakGlass.session!.accessTokenExpiresAt).getTime()).toBeLessThanOrEqual(
      new Date(live!.expiresAt!).getTime(),
    );

    const list = await env.t.gql(CLIENT_NAMES, {}, token);
    expect(list.errors).toBeUndefined();
    expect(list.data!.clients.edges.map((e) => e.node.name).sort()).toEqual(['Alder & Co', 'Birch Partners']);
    const one = await env.t.gql(CLIENT, { id: aClientIds[0]! }, token);
    expect(one.data!.client!.name).toBe('Alder & Co');
    // Reads reach every subgraph: billing and documents too.
    const money = await env.t.gql(
      graphql(`
        query BreakGlassMoney($id: ID!) {
          client(id: $id) {
            balance {
              amount
            }
            invoices(first: 1) {
              totalCount
            }
            documents(first: 1) {
              totalCount
            }
          }
        }
      `),
      { id: aClientIds[0]! },
      token,
    );
    expect(money.errors).toBeUndefined();
    expect(money.data!.client!.balance!.amount).toMatch(/^\d+\.\d{2}$/);
    // Only that firm.
    const other = await env.t.gql(CLIENT, { id: bClientIds[0]! }, token);
    expect(other.data!.client).toBeNull();

    // Read-only: every mutation is refused and nothing changes.
    const rowBefore = await clientRowText(env.admin, a.firmId, aClientIds[0]!);
    const countBefore = await countClientRows(env.admin, a.firmId);
    const created = await env.t.gql(CREATE_CLIENT, { input: { name: 'Written under break-glass' } }, token);
    expect(created.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const updated = await env.t.gql(
      UPDATE_CLIENT,
      { input: { id: aClientIds[0]!, name: 'Renamed under break-glass' } },
      token,
    );
    expect(updated.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const another = await env.t.gql(
      REQUEST,
      { input: { firmId: b.firmId, reason: 'Still allowed to ask for another', minutes: 5 } },
      token,
    );
    expect(another.errors).toBeUndefined();
    expect(await clientRowText(env.admin, a.firmId, aClientIds[0]!)).toBe(rowBefore);
    expect(await countClientRows(env.admin, a.firmId)).toBe(countBefore);

    // Every step and every access is in firm A's own audit log, with the grant and the operation.
    const rows = await auditRows(a.firmId, grant.id);
    const actions = rows.map((r) => r.action);
    expect(actions.slice(0, 3)).toEqual(['break_glass.request', 'break_glass.approve', 'break_glass.activate']);
    const accesses = rows.filter((r) => r.action === 'break_glass.access');
    expect(accesses.length).toBe(7);
    expect(accesses.map((r) => r.metadata.operation)).toEqual([
      'query clients',
      'query client',
      'query client',
      'query client',
      'mutation createClient',
      'mutation updateClient',
      'mutation requestBreakGlass',
    ]);
    for (const row of accesses)
      expect(row).toMatchObject({ actor_kind: 'OPERATOR', actor_id: first.id, metadata: { grantId: grant.id } });
    expect(rows.find((r) => r.action === 'break_glass.approve')!.actor_id).toBe(second.id);
    // Nothing of it reaches firm B's log.
    expect(await auditRows(b.firmId, grant.id)).toEqual([]);

    // The firm's owners see the grant, who asked, who approved and why.
    const grants = await env.t.gql(GRANTS, {}, a.accessToken);
    expect(grants.errors).toBeUndefined();
    const seen = grants.data!.breakGlassGrants.edges.map((e) => e.node).find((g) => g.id === grant.id);
    expect(seen).toMatchObject({
      status: 'ACTIVE',
      reason: 'Ticket 4711: invoices show the wrong balance',
      operator: { id: first.id, email: first.email },
      approvedBy: { id: second.id, email: second.email },
    });
    const otherOwner = await env.t.gql(GRANTS, {}, b.accessToken);
    expect(otherOwner.data!.breakGlassGrants.edges.map((e) => e.node.id)).not.toContain(grant.id);
  });

  it('sees nothing once the grant has expired', async () => {
    const { grantId, token } = await liveGrant(a.firmId);
    expect((await env.t.gql(CLIENT_NAMES, {}, token)).errors).toBeUndefined();
    await asFirm(
      env.admin,
      a.firmId,
      (tx) =>
        tx`update tenancy.break_glass_grants set starts_at = now() - interval '2 hours', expires_at = now() - interval '1 second' where id = ${grantId}`,
    );
    const result = await env.t.gql(CLIENT_NAMES, {}, token);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(result.data?.clients ?? null).toBeNull();
    const reactivate = await env.t.gql(ACTIVATE, { input: { firmId: a.firmId, grantId } }, first.token);
    expect(reactivate.data!.activateBreakGlass.userErrors[0]!.code).toBe('GRANT_NOT_LIVE');
  });

  it('sees nothing once the firm’s owner revokes the grant; another firm cannot revoke it', async () => {
    const { grantId, token } = await liveGrant(a.firmId);
    expect((await env.t.gql(CLIENT, { id: aClientIds[1]! }, token)).data!.client!.name).toBe('Birch Partners');

    for (const firmId of [a.firmId, b.firmId]) {
      const foreign = await env.t.gql(REVOKE, { input: { firmId, grantId } }, b.accessToken);
      expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect((await env.t.gql(CLIENT, { id: aClientIds[1]! }, token)).data!.client!.name).toBe('Birch Partners');

    const revoked = await env.t.gql(REVOKE, { input: { firmId: a.firmId, grantId } }, a.accessToken);
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeBreakGlass.grant!.status).toBe('REVOKED');
    const result = await env.t.gql(CLIENT, { id: aClientIds[1]! }, token);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await auditRows(a.firmId, grantId)).map((r) => r.action)).toContain('break_glass.revoke');
  });

  it('lets an operator revoke a grant, and a revoked request can no longer be approved', async () => {
    const grant = await request(first, a.firmId);
    const revoked = await env.t.gql(REVOKE, { input: { firmId: a.firmId, grantId: grant.id } }, first.token);
    expect(revoked.data!.revokeBreakGlass.grant!.status).toBe('REVOKED');
    const approved = await env.t.gql(APPROVE, { input: { firmId: a.firmId, grantId: grant.id } }, second.token);
    expect(approved.data!.approveBreakGlass.userErrors[0]!.code).toBe('GRANT_NOT_PENDING');
  });

  it('answers unknown grants and firms like missing ones', async () => {
    for (const mutate of [
      (input: ApproveBreakGlassInput) => env.t.gql(APPROVE, { input }, second.token),
      (input: RevokeBreakGlassInput) => env.t.gql(REVOKE, { input }, second.token),
    ]) {
      for (const input of [
        { firmId: a.firmId, grantId: randomUUID() },
        { firmId: randomUUID(), grantId: randomUUID() },
      ]) {
        const result = await mutate(input);
        expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
    }
    // Activation answers an unknown grant as it answers any grant that is not live for the caller.
    const unknown = await env.t.gql(ACTIVATE, { input: { firmId: a.firmId, grantId: randomUUID() } }, first.token);
    expect(unknown.data!.activateBreakGlass.userErrors[0]!.code).toBe('GRANT_NOT_LIVE');
    // A real grant named with the wrong firm is not found either.
    const grant = await request(first, a.firmId);
    const wrongFirm = await env.t.gql(APPROVE, { input: { firmId: b.firmId, grantId: grant.id } }, second.token);
    expect(wrongFirm.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const result = await env.t.gql(
      REQUEST,
      { input: { firmId: randomUUID(), reason: 'Ticket 1: a firm that is not there', minutes: 5 } },
      first.token,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('with BREAK_GLASS_APPROVAL=optional', () => {
  let optional: TestStack;
  beforeAll(async () => {
    optional = await startTestStack({ BREAK_GLASS_APPROVAL: 'optional' });
  });
  afterAll(async () => {
    await optional.stop();
  });

  it('starts a grant at request, still audited and still read-only', async () => {
    const requested = await optional.gql(
      REQUEST,
      { input: { firmId: a.firmId, reason: 'Ticket 4712: single operator on call', minutes: 15 } },
      first.token,
    );
    const grant = requested.data!.requestBreakGlass.grant!;
    expect(grant).toMatchObject({ status: 'ACTIVE', approvedBy: null });
    expect(new Date(grant.expiresAt!).getTime() - new Date(grant.startsAt!).getTime()).toBe(15 * 60_000);
    const activated = await optional.gql(ACTIVATE, { input: { firmId: a.firmId, grantId: grant.id } }, first.token);
    const token = activated.data!.activateBreakGlass.session!.accessToken;
    expect((await optional.gql(CLIENT, { id: aClientIds[0]! }, token)).data!.client!.name).toBe('Alder & Co');
    expect((await optional.gql(CREATE_CLIENT, { input: { name: 'Nope' } }, token)).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    const rows = await auditRows(a.firmId, grant.id);
    expect(rows[0]).toMatchObject({
      action: 'break_glass.request',
      metadata: { approvalRequired: false, minutes: 15 },
    });
    expect(rows.filter((r) => r.action === 'break_glass.access')).toHaveLength(2);
  });
});
