import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import type { CreateEngagementInput, EngagementStatus, FirmEngagementsQueryVariables } from './gql/graphql.ts';
import { asFirm } from './support/admin-db.ts';
import { addMember, createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { onboardPortalUser } from './support/portal.ts';
import type { GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const CREATE = graphql(`
  mutation EngagementsCreate($input: CreateEngagementInput!) {
    createEngagement(input: $input) {
      engagement {
        id
        name
        code
        status
        startDate
        endDate
        description
        client {
          id
          name
        }
        manager {
          id
          name
        }
        team {
          id
          name
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
const UPDATE = graphql(`
  mutation EngagementsUpdate($input: UpdateEngagementInput!) {
    updateEngagement(input: $input) {
      engagement {
        id
        name
        code
        startDate
        endDate
        description
        manager {
          id
        }
        team {
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
const CHANGE_STATUS = graphql(`
  mutation EngagementsChangeStatus($input: ChangeEngagementStatusInput!) {
    changeEngagementStatus(input: $input) {
      engagement {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const ASSIGN = graphql(`
  mutation EngagementsAssign($input: AssignEngagementTeamMemberInput!) {
    assignEngagementTeamMember(input: $input) {
      engagement {
        id
        team {
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
const REMOVE = graphql(`
  mutation EngagementsRemove($input: RemoveEngagementTeamMemberInput!) {
    removeEngagementTeamMember(input: $input) {
      engagement {
        id
        team {
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
const ENGAGEMENT = graphql(`
  query EngagementsOne($id: ID!) {
    engagement(id: $id) {
      id
      name
      code
      status
      startDate
      endDate
      description
      createdAt
      updatedAt
      client {
        id
      }
      manager {
        id
      }
      team {
        id
      }
    }
  }
`);
const FIRM_ENGAGEMENTS = graphql(`
  query FirmEngagements($first: Int, $after: String, $status: EngagementStatus, $managerId: ID, $search: String) {
    me {
      activeFirm {
        engagements(first: $first, after: $after, status: $status, managerId: $managerId, search: $search) {
          totalCount
          edges {
            cursor
            node {
              code
            }
          }
          pageInfo {
            hasNextPage
            hasPreviousPage
            endCursor
          }
        }
      }
    }
  }
`);
const CLIENT_ENGAGEMENTS = graphql(`
  query ClientEngagements($id: ID!, $status: EngagementStatus) {
    client(id: $id) {
      engagements(first: 10, status: $status) {
        totalCount
        edges {
          node {
            code
            client {
              id
            }
          }
        }
      }
    }
  }
`);
const PORTAL_ENGAGEMENTS = graphql(`
  query PortalEngagements {
    portalViewer {
      clients {
        id
        engagements(first: 10) {
          totalCount
          edges {
            node {
              id
              name
              code
              status
              startDate
              endDate
              client {
                id
              }
            }
          }
        }
      }
    }
  }
`);
const PORTAL_ENGAGEMENT = graphql(`
  query PortalEngagement($id: ID!) {
    engagement(id: $id) {
      id
      name
      code
      status
      startDate
      endDate
      client {
        id
        name
      }
    }
  }
`);
const CREATE_THREAD = graphql(`
  mutation EngagementsCreateThread($input: CreateMessageThreadInput!) {
    createMessageThread(input: $input) {
      thread {
        id
        engagement {
          id
          code
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
const THREAD = graphql(`
  query EngagementsThread($id: ID!) {
    messageThread(id: $id) {
      id
      engagement {
        id
        name
        client {
          id
        }
      }
    }
  }
`);
const ARCHIVE_CLIENT = graphql(`
  mutation EngagementsArchiveClient($input: ArchiveClientInput!) {
    archiveClient(input: $input) {
      client {
        id
      }
    }
  }
`);
const CREATE_API_KEY = graphql(`
  mutation EngagementsCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      userErrors {
        code
      }
    }
  }
`);

const env = useStackWithAdmin();

/** The response's data, after checking it carries no errors. */
function ok<T>(result: GraphQLResponse<T>): T {
  expect(result.errors).toBeUndefined();
  return result.data!;
}

/** The codes of a response's GraphQL errors. */
const errorCodes = (result: GraphQLResponse) => (result.errors ?? []).map((error) => error.extensions?.code);

/** User errors as `[field path, code]` pairs. */
const errorPairs = (errors: { field: string[]; code: string }[]) => errors.map((e) => [e.field.join('.'), e.code]);

/** A unique engagement code. */
const uniqueCode = (prefix = 'ENG') => `${prefix}-${randomUUID().slice(0, 8).toUpperCase()}`;

/** A firm with two clients. */
async function firmWithClients(): Promise<{ owner: FirmOwner; clientId: string; otherClientId: string }> {
  const owner = await signUpFirm(env.t);
  const [clientId, otherClientId] = await createClients(env.t, owner.accessToken, ['Acme Ltd', 'Globex plc']);
  return { owner, clientId: clientId!, otherClientId: otherClientId! };
}

/** Creates an engagement managed by the owner unless said otherwise; fails the test on any error. */
async function createEngagement(owner: FirmOwner, input: Partial<CreateEngagementInput> & { clientId: string }) {
  const result = ok(
    await env.t.gql(
      CREATE,
      { input: { name: 'Year-end accounts', code: uniqueCode(), managerId: owner.userId, ...input } },
      owner.accessToken,
    ),
  );
  expect(result.createEngagement.userErrors).toEqual([]);
  return result.createEngagement.engagement!;
}

async function changeStatus(token: string, id: string, status: EngagementStatus) {
  return ok(await env.t.gql(CHANGE_STATUS, { input: { id, status } }, token)).changeEngagementStatus;
}

/** The engagement's audit records, oldest first, with their metadata. */
async function auditOf(firmId: string, engagementId: string) {
  return asFirm(
    env.admin,
    firmId,
    (tx) => tx<{ action: string; metadata: Record<string, unknown> }[]>`
      select action, metadata from tenancy.audit_log where firm_id = ${firmId} and target_id = ${engagementId} order by seq`,
  );
}

async function engagementRowCount(firmId: string): Promise<number> {
  const [row] = await asFirm(
    env.admin,
    firmId,
    (tx) => tx<{ count: number }[]>`select count(*)::int as count from crm.engagements where firm_id = ${firmId}`,
  );
  return row!.count;
}

describe('createEngagement', () => {
  it('creates a DRAFT engagement with a trimmed, upper-cased code, its manager on the team, and audits it', async () => {
    const { owner, clientId } = await firmWithClients();
    const member = await addMember(env.t, owner, 'STAFF', 'Sam Staff');
    const code = uniqueCode('acme-2026.tax_');
    const created = await createEngagement(owner, {
      clientId,
      name: '  2026 tax return  ',
      code: `  ${code.toLowerCase()} `,
      startDate: '2026-01-05',
      endDate: '2026-04-15',
      managerId: member.userId,
      teamMemberIds: [owner.userId, member.userId, owner.userId],
      description: 'Federal and state returns.',
    });
    expect(created).toMatchObject({
      name: '2026 tax return',
      code: code.toUpperCase(),
      status: 'DRAFT',
      startDate: '2026-01-05',
      endDate: '2026-04-15',
      description: 'Federal and state returns.',
      client: { id: clientId, name: 'Acme Ltd' },
      manager: { id: member.userId, name: 'Sam Staff' },
    });
    expect(created.team.map((user) => user.id).sort()).toEqual([owner.userId, member.userId].sort());

    const read = ok(await env.t.gql(ENGAGEMENT, { id: created.id }, member.accessToken)).engagement;
    expect(read).toMatchObject({ id: created.id, code: code.toUpperCase(), manager: { id: member.userId } });
    expect(await auditOf(owner.firmId, created.id)).toEqual([
      {
        action: 'engagement.create',
        metadata: { clientId, code: code.toUpperCase(), managerId: member.userId, teamSize: 2 },
      },
    ]);
  });

  it('refuses invalid input with user errors and stores nothing', async () => {
    const { owner, clientId } = await firmWithClients();
    const stranger = await signUpFirm(env.t);
    const result = ok(
      await env.t.gql(
        CREATE,
        {
          input: {
            clientId,
            name: '  ',
            code: 'not a code!',
            startDate: '2026-05-01',
            endDate: '2026-04-30',
            managerId: stranger.userId,
            teamMemberIds: [owner.userId, randomUUID(), 'not-a-uuid'],
            description: 'x'.repeat(5001),
          },
        },
        owner.accessToken,
      ),
    ).createEngagement;
    expect(result.engagement).toBeNull();
    expect(errorPairs(result.userErrors)).toEqual([
      ['input.name', 'REQUIRED'],
      ['input.code', 'INVALID'],
      ['input.description', 'TOO_LONG'],
      ['input.endDate', 'END_BEFORE_START'],
      ['input.managerId', 'UNKNOWN_USER'],
      ['input.teamMemberIds.1', 'UNKNOWN_USER'],
      ['input.teamMemberIds.2', 'UNKNOWN_USER'],
    ]);
    const tooLong = ok(
      await env.t.gql(
        CREATE,
        { input: { clientId, name: 'Audit', code: 'A'.repeat(41), managerId: owner.userId } },
        owner.accessToken,
      ),
    ).createEngagement;
    expect(errorPairs(tooLong.userErrors)).toEqual([['input.code', 'TOO_LONG']]);
    expect(await engagementRowCount(owner.firmId)).toBe(0);
  });

  it('refuses an unknown or archived client', async () => {
    const { owner, clientId } = await firmWithClients();
    const unknown = ok(
      await env.t.gql(
        CREATE,
        { input: { clientId: randomUUID(), name: 'Audit', code: uniqueCode(), managerId: owner.userId } },
        owner.accessToken,
      ),
    ).createEngagement;
    expect(errorPairs(unknown.userErrors)).toEqual([['input.clientId', 'UNKNOWN_CLIENT']]);
    ok(await env.t.gql(ARCHIVE_CLIENT, { input: { id: clientId } }, owner.accessToken));
    const archived = ok(
      await env.t.gql(
        CREATE,
        { input: { clientId, name: 'Audit', code: uniqueCode(), managerId: owner.userId } },
        owner.accessToken,
      ),
    ).createEngagement;
    expect(errorPairs(archived.userErrors)).toEqual([['input.clientId', 'ARCHIVED']]);
    expect(await engagementRowCount(owner.firmId)).toBe(0);
  });

  it('refuses a code the firm already uses, whatever its case, but another firm may use it', async () => {
    const { owner, clientId, otherClientId } = await firmWithClients();
    const code = uniqueCode('DUP');
    await createEngagement(owner, { clientId, code });
    const again = ok(
      await env.t.gql(
        CREATE,
        { input: { clientId: otherClientId, name: 'Other', code: ` ${code.toLowerCase()}`, managerId: owner.userId } },
        owner.accessToken,
      ),
    ).createEngagement;
    expect(again).toEqual({
      engagement: null,
      userErrors: [
        { field: ['input', 'code'], message: 'Another engagement of the firm has this code.', code: 'DUPLICATE' },
      ],
    });
    const other = await firmWithClients();
    expect((await createEngagement(other.owner, { clientId: other.clientId, code })).code).toBe(code);
    // updateEngagement to a taken code is refused the same way.
    const second = await createEngagement(owner, { clientId });
    const renamed = ok(
      await env.t.gql(UPDATE, { input: { id: second.id, code: code.toLowerCase() } }, owner.accessToken),
    ).updateEngagement;
    expect(errorPairs(renamed.userErrors)).toEqual([['input.code', 'DUPLICATE']]);
    expect(await engagementRowCount(owner.firmId)).toBe(2);
  });

  it('needs engagement:write: STAFF may read engagements but not create or change them', async () => {
    const { owner, clientId } = await firmWithClients();
    const staff = await addMember(env.t, owner, 'STAFF');
    const engagement = await createEngagement(owner, { clientId });
    const refused = await env.t.gql(
      CREATE,
      { input: { clientId, name: 'Nope', code: uniqueCode(), managerId: staff.userId } },
      staff.accessToken,
    );
    expect(errorCodes(refused)).toEqual(['FORBIDDEN']);
    expect(
      errorCodes(await env.t.gql(CHANGE_STATUS, { input: { id: engagement.id, status: 'ACTIVE' } }, staff.accessToken)),
    ).toEqual(['FORBIDDEN']);
    expect(ok(await env.t.gql(ENGAGEMENT, { id: engagement.id }, staff.accessToken)).engagement!.id).toBe(
      engagement.id,
    );
    const manager = await addMember(env.t, owner, 'MANAGER');
    expect((await changeStatus(manager.accessToken, engagement.id, 'ACTIVE')).engagement).toEqual({
      id: engagement.id,
      status: 'ACTIVE',
    });
    expect(await engagementRowCount(owner.firmId)).toBe(1);
  });
});

describe('updateEngagement', () => {
  it('changes the details; a new manager joins the team and the previous one stays; null clears', async () => {
    const { owner, clientId } = await firmWithClients();
    const member = await addMember(env.t, owner, 'MANAGER');
    const engagement = await createEngagement(owner, {
      clientId,
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      description: 'Scope',
    });
    const updated = ok(
      await env.t.gql(
        UPDATE,
        {
          input: {
            id: engagement.id,
            name: 'Renamed',
            code: ' new-code-1 ',
            managerId: member.userId,
            endDate: null,
            description: null,
          },
        },
        owner.accessToken,
      ),
    ).updateEngagement;
    expect(updated.userErrors).toEqual([]);
    expect(updated.engagement).toMatchObject({
      name: 'Renamed',
      code: 'NEW-CODE-1',
      startDate: '2026-01-01',
      endDate: null,
      description: null,
      manager: { id: member.userId },
    });
    expect(updated.engagement!.team.map((u) => u.id).sort()).toEqual([owner.userId, member.userId].sort());
    const audit = await auditOf(owner.firmId, engagement.id);
    expect(audit.at(-1)).toEqual({
      action: 'engagement.update',
      metadata: {
        fields: 'name,code,description,endDate,managerId',
        fromCode: engagement.code,
        code: 'NEW-CODE-1',
        fromManagerId: owner.userId,
        managerId: member.userId,
      },
    });

    const badDates = ok(
      await env.t.gql(UPDATE, { input: { id: engagement.id, endDate: '2025-12-31' } }, owner.accessToken),
    ).updateEngagement;
    expect(errorPairs(badDates.userErrors)).toEqual([['input.endDate', 'END_BEFORE_START']]);
    const badManager = ok(
      await env.t.gql(UPDATE, { input: { id: engagement.id, managerId: randomUUID() } }, owner.accessToken),
    ).updateEngagement;
    expect(errorPairs(badManager.userErrors)).toEqual([['input.managerId', 'UNKNOWN_USER']]);
  });

  it('refuses any change to a COMPLETED or CANCELLED engagement', async () => {
    const { owner, clientId } = await firmWithClients();
    const engagement = await createEngagement(owner, { clientId });
    await changeStatus(owner.accessToken, engagement.id, 'CANCELLED');
    const member = await addMember(env.t, owner, 'STAFF');
    const update = ok(
      await env.t.gql(UPDATE, { input: { id: engagement.id, name: 'Late rename' } }, owner.accessToken),
    ).updateEngagement;
    expect(errorPairs(update.userErrors)).toEqual([['input.id', 'CLOSED']]);
    const assign = ok(
      await env.t.gql(ASSIGN, { input: { engagementId: engagement.id, userId: member.userId } }, owner.accessToken),
    ).assignEngagementTeamMember;
    expect(errorPairs(assign.userErrors)).toEqual([['input.engagementId', 'CLOSED']]);
    expect(ok(await env.t.gql(ENGAGEMENT, { id: engagement.id }, owner.accessToken)).engagement).toMatchObject({
      name: 'Year-end accounts',
      team: [{ id: owner.userId }],
    });
  });
});

describe('changeEngagementStatus', () => {
  const STATUSES: EngagementStatus[] = ['DRAFT', 'ACTIVE', 'ON_HOLD', 'COMPLETED', 'CANCELLED'];
  // The legal moves (README "Engagements"), and a path from DRAFT to each status.
  const LEGAL: Record<EngagementStatus, EngagementStatus[]> = {
    DRAFT: ['ACTIVE', 'CANCELLED'],
    ACTIVE: ['ON_HOLD', 'COMPLETED', 'CANCELLED'],
    ON_HOLD: ['ACTIVE', 'CANCELLED'],
    COMPLETED: [],
    CANCELLED: [],
  };
  const PATH: Record<EngagementStatus, EngagementStatus[]> = {
    DRAFT: [],
    ACTIVE: ['ACTIVE'],
    ON_HOLD: ['ACTIVE', 'ON_HOLD'],
    COMPLETED: ['ACTIVE', 'COMPLETED'],
    CANCELLED: ['CANCELLED'],
  };

  it('follows the lifecycle: every legal move succeeds and is audited, every other one is refused', async () => {
    const { owner, clientId } = await firmWithClients();
    const at = async (status: EngagementStatus) => {
      const engagement = await createEngagement(owner, { clientId });
      for (const step of PATH[status])
        expect((await changeStatus(owner.accessToken, engagement.id, step)).userErrors).toEqual([]);
      return engagement.id;
    };
    for (const from of STATUSES) {
      const id = await at(from);
      for (const to of STATUSES.filter((status) => !LEGAL[from].includes(status))) {
        const refused = await changeStatus(owner.accessToken, id, to);
        expect(refused, `${from} → ${to}`).toEqual({
          engagement: null,
          userErrors: [
            {
              field: ['input', 'status'],
              message: `An engagement cannot move from ${from} to ${to}.`,
              code: 'INVALID_TRANSITION',
            },
          ],
        });
      }
      expect(ok(await env.t.gql(ENGAGEMENT, { id }, owner.accessToken)).engagement!.status).toBe(from);
      for (const to of LEGAL[from]) {
        const moving = await at(from);
        expect((await changeStatus(owner.accessToken, moving, to)).engagement, `${from} → ${to}`).toEqual({
          id: moving,
          status: to,
        });
        expect((await auditOf(owner.firmId, moving)).at(-1)).toEqual({
          action: 'engagement.status_change',
          metadata: { from, to },
        });
      }
    }
  });

  it('does not activate an engagement of an archived client', async () => {
    const { owner, clientId } = await firmWithClients();
    const engagement = await createEngagement(owner, { clientId });
    ok(await env.t.gql(ARCHIVE_CLIENT, { input: { id: clientId } }, owner.accessToken));
    expect(errorPairs((await changeStatus(owner.accessToken, engagement.id, 'ACTIVE')).userErrors)).toEqual([
      ['input.id', 'ARCHIVED'],
    ]);
    expect((await changeStatus(owner.accessToken, engagement.id, 'CANCELLED')).engagement!.status).toBe('CANCELLED');
  });
});

describe('engagement teams', () => {
  it('adds staff of the firm only, once; removes members but never the manager; audits each change', async () => {
    const { owner, clientId } = await firmWithClients();
    const member = await addMember(env.t, owner, 'STAFF');
    const stranger = await signUpFirm(env.t);
    const engagement = await createEngagement(owner, { clientId });
    const assign = async (userId: string) =>
      ok(await env.t.gql(ASSIGN, { input: { engagementId: engagement.id, userId } }, owner.accessToken))
        .assignEngagementTeamMember;
    const remove = async (userId: string) =>
      ok(await env.t.gql(REMOVE, { input: { engagementId: engagement.id, userId } }, owner.accessToken))
        .removeEngagementTeamMember;

    const added = await assign(member.userId);
    expect(added.userErrors).toEqual([]);
    expect(added.engagement!.team.map((u) => u.id)).toEqual([owner.userId, member.userId]);
    expect((await assign(member.userId)).engagement!.team).toHaveLength(2);
    for (const userId of [stranger.userId, randomUUID(), 'nobody']) {
      expect(errorPairs((await assign(userId)).userErrors), userId).toEqual([['input.userId', 'UNKNOWN_USER']]);
    }
    expect(errorPairs((await remove(owner.userId)).userErrors)).toEqual([['input.userId', 'IS_MANAGER']]);
    const removed = await remove(member.userId);
    expect(removed).toEqual({ engagement: { id: engagement.id, team: [{ id: owner.userId }] }, userErrors: [] });
    expect((await remove(member.userId)).engagement!.team).toEqual([{ id: owner.userId }]);
    expect(
      (await auditOf(owner.firmId, engagement.id)).map((entry) => [entry.action, entry.metadata.userId ?? null]),
    ).toEqual([
      ['engagement.create', null],
      ['engagement_team.assign', member.userId],
      ['engagement_team.remove', member.userId],
    ]);
  });
});

describe('engagement lists', () => {
  it('pages the firm’s engagements in code order and filters them by status, manager and name or code', async () => {
    const { owner, clientId, otherClientId } = await firmWithClients();
    const manager = await addMember(env.t, owner, 'MANAGER');
    const made = [
      { code: 'C-300', name: 'Payroll run', clientId },
      { code: 'A-100', name: 'Annual audit', clientId, managerId: manager.userId },
      { code: 'B-200', name: 'Tax return', clientId: otherClientId },
      { code: 'D-400', name: 'Bookkeeping', clientId: otherClientId, managerId: manager.userId },
      { code: 'E-500', name: 'Advisory (tax)', clientId },
    ];
    const ids = new Map<string, string>();
    for (const input of made) ids.set(input.code, (await createEngagement(owner, input)).id);
    await changeStatus(owner.accessToken, ids.get('B-200')!, 'ACTIVE');
    await changeStatus(owner.accessToken, ids.get('D-400')!, 'ACTIVE');

    const page = async (args: FirmEngagementsQueryVariables) =>
      ok(await env.t.gql(FIRM_ENGAGEMENTS, args, owner.accessToken)).me!.activeFirm!.engagements!;
    const codes = (connection: Awaited<ReturnType<typeof page>>) => connection.edges.map((edge) => edge.node.code);

    const first = await page({ first: 2 });
    expect(codes(first)).toEqual(['A-100', 'B-200']);
    expect(first.totalCount).toBe(5);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await page({ first: 2, after: first.pageInfo.endCursor });
    expect(codes(second)).toEqual(['C-300', 'D-400']);
    const last = await page({ first: 2, after: second.pageInfo.endCursor });
    expect(codes(last)).toEqual(['E-500']);
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    expect(codes(await page({ status: 'ACTIVE' }))).toEqual(['B-200', 'D-400']);
    expect(codes(await page({ managerId: manager.userId }))).toEqual(['A-100', 'D-400']);
    expect(codes(await page({ managerId: manager.userId, status: 'DRAFT' }))).toEqual(['A-100']);
    expect(codes(await page({ managerId: randomUUID() }))).toEqual([]);
    const tax = await page({ search: ' TAX ' });
    expect(codes(tax)).toEqual(['B-200', 'E-500']);
    expect(tax.totalCount).toBe(2);
    expect(codes(await page({ search: 'c-3' }))).toEqual(['C-300']);
    // LIKE wildcards in a search are literal characters.
    expect(codes(await page({ search: '%' }))).toEqual([]);
    expect(errorCodes(await env.t.gql(FIRM_ENGAGEMENTS, { first: 101 }, owner.accessToken))).toEqual([
      'BAD_USER_INPUT',
    ]);

    const client = ok(await env.t.gql(CLIENT_ENGAGEMENTS, { id: clientId }, owner.accessToken)).client!.engagements;
    expect(client.edges.map((edge) => edge.node)).toEqual([
      { code: 'A-100', client: { id: clientId } },
      { code: 'C-300', client: { id: clientId } },
      { code: 'E-500', client: { id: clientId } },
    ]);
    expect(client.totalCount).toBe(3);
    const active = ok(await env.t.gql(CLIENT_ENGAGEMENTS, { id: otherClientId, status: 'ACTIVE' }, owner.accessToken));
    expect(active.client!.engagements.edges.map((edge) => edge.node.code)).toEqual(['B-200', 'D-400']);
  });
});

describe('the portal', () => {
  it('sees the name, code, status and dates of its own clients’ engagements only, never their team or notes', async () => {
    const { owner, clientId, otherClientId } = await firmWithClients();
    const own = await createEngagement(owner, {
      clientId,
      code: uniqueCode('OWN'),
      startDate: '2026-02-01',
      endDate: '2026-03-01',
      description: 'Internal: fee at risk',
    });
    const neighbour = await createEngagement(owner, { clientId: otherClientId, code: uniqueCode('NEIGHBOUR') });
    const portal = await onboardPortalUser(env.t, owner, [clientId]);

    const viewer = ok(await env.t.gql(PORTAL_ENGAGEMENTS, {}, portal.accessToken)).portalViewer!;
    expect(viewer.clients).toEqual([
      {
        id: clientId,
        engagements: {
          totalCount: 1,
          edges: [
            {
              node: {
                id: own.id,
                name: 'Year-end accounts',
                code: own.code,
                status: 'DRAFT',
                startDate: '2026-02-01',
                endDate: '2026-03-01',
                client: { id: clientId },
              },
            },
          ],
        },
      },
    ]);
    expect(ok(await env.t.gql(PORTAL_ENGAGEMENT, { id: own.id }, portal.accessToken)).engagement).toMatchObject({
      id: own.id,
      client: { id: clientId, name: 'Acme Ltd' },
    });
    // Another client's engagement answers exactly like a random id.
    const other = await env.t.gql(PORTAL_ENGAGEMENT, { id: neighbour.id }, portal.accessToken);
    expect(other).toEqual(await env.t.gql(PORTAL_ENGAGEMENT, { id: randomUUID() }, portal.accessToken));
    expect(other.data).toEqual({ engagement: null });
    for (const field of ['description', 'team { id }', 'manager { id }', 'createdAt', 'updatedAt']) {
      const refused = await env.t.gql(
        `query ($id: ID!) { engagement(id: $id) { id ${field} } }`,
        { id: own.id },
        portal.accessToken,
      );
      expect(errorCodes(refused), field).toContain('FORBIDDEN');
      expect(JSON.stringify(refused.data)).not.toContain('fee at risk');
    }
  });
});

describe('threads about an engagement', () => {
  it('names an engagement of the thread’s client; another client’s, another firm’s or a random id are refused alike', async () => {
    const { owner, clientId, otherClientId } = await firmWithClients();
    const engagement = await createEngagement(owner, { clientId });
    const otherClients = await createEngagement(owner, { clientId: otherClientId });
    const stranger = await firmWithClients();
    const strangers = await createEngagement(stranger.owner, { clientId: stranger.clientId });

    const created = ok(
      await env.t.gql(
        CREATE_THREAD,
        { input: { clientId, subject: 'Engagement letter', engagementId: engagement.id } },
        owner.accessToken,
      ),
    ).createMessageThread;
    expect(created).toEqual({
      thread: { id: expect.any(String), engagement: { id: engagement.id, code: engagement.code } },
      userErrors: [],
    });
    const thread = ok(await env.t.gql(THREAD, { id: created.thread!.id }, owner.accessToken)).messageThread;
    expect(thread!.engagement).toEqual({ id: engagement.id, name: 'Year-end accounts', client: { id: clientId } });

    const refusals = [];
    for (const engagementId of [otherClients.id, strangers.id, randomUUID(), 'not-an-id']) {
      refusals.push(
        await env.t.gql(CREATE_THREAD, { input: { clientId, subject: 'Wrong', engagementId } }, owner.accessToken),
      );
    }
    for (const refused of refusals) {
      expect(refused).toEqual(refusals[2]);
      expect(ok(refused).createMessageThread).toEqual({
        thread: null,
        userErrors: [
          { field: ['input', 'engagementId'], message: 'No such engagement of this client.', code: 'NOT_FOUND' },
        ],
      });
    }
    // A thread without an engagement still works, and its engagement is null.
    const general = ok(
      await env.t.gql(CREATE_THREAD, { input: { clientId, subject: 'General' } }, owner.accessToken),
    ).createMessageThread;
    expect(general.thread!.engagement).toBeNull();
  });
});

describe('tenant isolation', () => {
  it('answers another firm’s engagement ids exactly like random ids', async () => {
    const theirs = await firmWithClients();
    const engagement = await createEngagement(theirs.owner, { clientId: theirs.clientId });
    const { owner: mine } = await firmWithClients();
    const random = randomUUID();
    const pairs: [string, (id: string) => Promise<GraphQLResponse>][] = [
      ['engagement', (id) => env.t.gql(ENGAGEMENT, { id }, mine.accessToken)],
      ['updateEngagement', (id) => env.t.gql(UPDATE, { input: { id, name: 'Taken' } }, mine.accessToken)],
      [
        'changeEngagementStatus',
        (id) => env.t.gql(CHANGE_STATUS, { input: { id, status: 'ACTIVE' } }, mine.accessToken),
      ],
      [
        'assignEngagementTeamMember',
        (id) => env.t.gql(ASSIGN, { input: { engagementId: id, userId: mine.userId } }, mine.accessToken),
      ],
      [
        'removeEngagementTeamMember',
        (id) => env.t.gql(REMOVE, { input: { engagementId: id, userId: theirs.owner.userId } }, mine.accessToken),
      ],
    ];
    for (const [name, call] of pairs) {
      const answer = await call(engagement.id);
      expect(answer, name).toEqual(await call(random));
      expect(JSON.stringify(answer), name).not.toContain(engagement.id);
    }
    expect(errorCodes(await pairs[1]![1](engagement.id))).toEqual(['NOT_FOUND']);
    // Their client and their staff as mine: refused like random ids.
    const create = (clientId: string, managerId: string) =>
      env.t.gql(
        CREATE,
        { input: { clientId, name: 'Taken', code: 'SAME-CODE', managerId, teamMemberIds: [managerId] } },
        mine.accessToken,
      );
    expect(await create(theirs.clientId, theirs.owner.userId)).toEqual(await create(randomUUID(), randomUUID()));
    // Nothing of theirs changed.
    expect(ok(await env.t.gql(ENGAGEMENT, { id: engagement.id }, theirs.owner.accessToken)).engagement).toMatchObject({
      name: 'Year-end accounts',
      status: 'DRAFT',
      team: [{ id: theirs.owner.userId }],
    });
  });

  it('lets an API key read with engagement:read and write only with engagement:write', async () => {
    const { owner, clientId } = await firmWithClients();
    const engagement = await createEngagement(owner, { clientId });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const key = ok(
      await env.t.gql(
        CREATE_API_KEY,
        { input: { name: 'Sync', scopes: ['ENGAGEMENT_READ', 'CLIENT_READ'], expiresAt } },
        owner.accessToken,
      ),
    ).createApiKey.secret!;
    const read = ok(await env.t.gql(ENGAGEMENT, { id: engagement.id }, key)).engagement;
    expect(read).toMatchObject({ id: engagement.id, manager: { id: owner.userId }, team: [{ id: owner.userId }] });
    expect(errorCodes(await env.t.gql(CHANGE_STATUS, { input: { id: engagement.id, status: 'ACTIVE' } }, key))).toEqual(
      ['FORBIDDEN'],
    );
  });
});

const CLIENT_LIST_ENGAGEMENTS = graphql(`
  query EngagementsOfClientList($status: EngagementStatus) {
    clients(first: 10) {
      edges {
        node {
          name
          engagements(first: 1, status: $status) {
            totalCount
            edges {
              node {
                code
              }
            }
            pageInfo {
              hasNextPage
            }
          }
        }
      }
    }
  }
`);

describe('engagements of a list of clients', () => {
  it('gives each client its own page and total, batched across the list', async () => {
    const { owner, clientId, otherClientId } = await firmWithClients();
    const a1 = await createEngagement(owner, { clientId, code: 'A-1' });
    await createEngagement(owner, { clientId, code: 'A-2' });
    const b1 = await createEngagement(owner, { clientId: otherClientId, code: 'B-1' });
    await changeStatus(owner.accessToken, b1.id, 'ACTIVE');
    const all = ok(await env.t.gql(CLIENT_LIST_ENGAGEMENTS, {}, owner.accessToken)).clients.edges.map((e) => ({
      name: e.node.name,
      codes: e.node.engagements.edges.map((edge) => edge.node.code),
      total: e.node.engagements.totalCount,
      more: e.node.engagements.pageInfo.hasNextPage,
    }));
    expect(all).toEqual([
      { name: 'Acme Ltd', codes: [a1.code], total: 2, more: true },
      { name: 'Globex plc', codes: ['B-1'], total: 1, more: false },
    ]);
    const active = ok(await env.t.gql(CLIENT_LIST_ENGAGEMENTS, { status: 'ACTIVE' }, owner.accessToken)).clients.edges;
    expect(active.map((e) => [e.node.name, e.node.engagements.totalCount])).toEqual([
      ['Acme Ltd', 0],
      ['Globex plc', 1],
    ]);
  });
});
