import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { postgresClient } from '../db/client.ts';
import { pruneFirmAuditLog } from '../subgraphs/tenancy/audit/audit-service.ts';
import { graphql } from './gql/index.ts';
import type {
  AuditLogFilter,
  AuditLogQuery,
  AuditLogQueryVariables,
  CreateClientMutation,
  Role,
} from './gql/graphql.ts';
import { asFirm } from './support/admin-db.ts';
import { createClients, signUpFirm, strongPassword, uniqueEmail, type FirmOwner } from './support/factories.ts';
import { ARCHIVE_CLIENT, CREATE_CLIENT, UPDATE_CLIENT } from './support/operations.ts';
import { print } from 'graphql';
import { postGraphQL, type GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const AUDIT_LOG = graphql(`
  query AuditLog($first: Int, $after: String, $filter: AuditLogFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount
      edges {
        cursor
        node {
          id
          seq
          occurredAt
          actorKind
          actorId
          action
          targetType
          targetId
          requestId
          ip
          userAgent
          metadata {
            key
            value
          }
          prevHash
          hash
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        endCursor
      }
    }
  }
`);

const VERIFY = graphql(`
  query VerifyAuditLog {
    verifyAuditLog {
      ok
      checkedCount
      firstBrokenSeq
      firstBrokenEntryId
      reason
    }
  }
`);

const UPDATE_RETENTION = graphql(`
  mutation UpdateAuditRetention($input: UpdateAuditRetentionInput!) {
    updateAuditRetention(input: $input) {
      firm {
        id
        auditRetentionDays
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);

const INVITE = graphql(`
  mutation AuditLogInviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      invitation {
        id
      }
      invitationToken
      userErrors {
        code
      }
    }
  }
`);
const ACCEPT = graphql(`
  mutation AuditLogAcceptInvitation($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) {
      membership {
        id
      }
      session {
        accessToken
        refreshToken
        user {
          id
        }
      }
      userErrors {
        code
      }
    }
  }
`);
const LOG_IN = graphql(`
  mutation AuditLogLogIn($input: LogInInput!) {
    logIn(input: $input) {
      session {
        accessToken
        refreshToken
      }
      userErrors {
        code
      }
    }
  }
`);
const REFRESH = graphql(`
  mutation AuditLogRefreshSession($input: RefreshSessionInput!) {
    refreshSession(input: $input) {
      session {
        accessToken
        refreshToken
      }
      userErrors {
        code
      }
    }
  }
`);
const LOG_OUT = graphql(`
  mutation AuditLogLogOut {
    logOut {
      loggedOut
    }
  }
`);

type AuditPage = AuditLogQuery['auditLog'];
type Entry = AuditPage['edges'][number]['node'];

const env = useStackWithAdmin();

/** One page of the token's firm's audit log, failing the test on any error. */
async function auditLog(token: string, args: AuditLogQueryVariables = {}): Promise<AuditPage> {
  const result = await env.t.gql(AUDIT_LOG, { first: 100, ...args }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.auditLog;
}

/** The firm's records, newest first (at most 100). */
async function entries(token: string, filter?: AuditLogFilter): Promise<Entry[]> {
  return (await auditLog(token, { filter })).edges.map((edge) => edge.node);
}

async function verify(token: string) {
  const result = await env.t.gql(VERIFY, {}, token);
  expect(result.errors).toBeUndefined();
  return result.data!.verifyAuditLog;
}

const meta = (entry: Entry) => Object.fromEntries(entry.metadata.map((m) => [m.key, m.value]));

function expectCode(result: GraphQLResponse, code: string) {
  expect(result.errors?.map((e) => e.extensions?.code)).toEqual([code]);
}

/** Invites a new person with `role` into the owner's firm and returns their user id and session. */
async function addMember(
  owner: FirmOwner,
  role: Role,
): Promise<{ userId: string; email: string; password: string; accessToken: string }> {
  const email = uniqueEmail(role.toLowerCase());
  const password = strongPassword();
  const invited = await env.t.gql(INVITE, { input: { email, role } }, owner.accessToken);
  expect(invited.data!.inviteMember.userErrors).toEqual([]);
  const accepted = await env.t.gql(ACCEPT, {
    input: { token: invited.data!.inviteMember.invitationToken!, name: 'Morgan Member', password },
  });
  expect(accepted.data!.acceptInvitation.userErrors).toEqual([]);
  const { session } = accepted.data!.acceptInvitation;
  return { userId: session!.user.id, email, password, accessToken: session!.accessToken };
}

/**
 * Runs `work` as the owner role (which owns the table) with the audit triggers disabled, the way
 * someone with database access would tamper with the log, then re-enables them.
 */
async function asOwnerWithoutTriggers(
  firmId: string,
  work: (tx: postgres.TransactionSql) => Promise<unknown>,
): Promise<void> {
  await env.admin.begin(async (tx) => {
    await tx`set local role firmgraph_owner`;
    await tx`select set_config('app.firm_id', ${firmId}, true)`;
    await tx`alter table tenancy.audit_log disable trigger audit_log_refuse_update_delete`;
    await work(tx);
    await tx`alter table tenancy.audit_log enable trigger audit_log_refuse_update_delete`;
  });
}

describe('what the audit log records', () => {
  it('records client mutations with actor, request id, IP, user agent and metadata, newest first', async () => {
    const owner = await signUpFirm(env.t);
    const requestId = `audit-${randomUUID()}`;
    const headers = {
      authorization: `Bearer ${owner.accessToken}`,
      'x-request-id': requestId,
      'user-agent': 'AuditSuite/1.0 (vitest)',
    };
    const created = await postGraphQL<CreateClientMutation>(
      env.t.graphqlUrl,
      print(CREATE_CLIENT),
      { input: { name: 'Birch & Co', email: 'ap@birch.test' } },
      headers,
    );
    expect(created.data!.createClient.userErrors).toEqual([]);
    const clientId = created.data!.createClient.client!.id;
    const updated = await env.t.gql(
      UPDATE_CLIENT,
      { input: { id: clientId, name: 'Birch & Co Ltd', email: 'ap2@birch.test' } },
      owner.accessToken,
    );
    expect(updated.data!.updateClient.userErrors).toEqual([]);
    const archived = await env.t.gql(ARCHIVE_CLIENT, { input: { id: clientId } }, owner.accessToken);
    expect(archived.data!.archiveClient.userErrors).toEqual([]);

    const log = await entries(owner.accessToken);
    expect(log.map((e) => e.action)).toEqual(['client.archive', 'client.update', 'client.create', 'firm.create']);
    expect(log.map((e) => e.seq)).toEqual(['4', '3', '2', '1']);
    const [archive, update, create, firmCreate] = log as [Entry, Entry, Entry, Entry];
    for (const entry of log) {
      expect(entry).toMatchObject({ actorKind: 'STAFF', actorId: owner.userId });
      expect(entry.ip).toMatch(/127\.0\.0\.1|::1/);
    }
    expect(create).toMatchObject({
      targetType: 'client',
      targetId: clientId,
      requestId,
      userAgent: 'AuditSuite/1.0 (vitest)',
    });
    expect(meta(create)).toEqual({ currency: 'USD' });
    // Field names only: the new name and email are personal data and stay out of the log.
    expect(meta(update)).toEqual({ fields: 'name,email' });
    expect(JSON.stringify(update)).not.toContain('birch.test');
    expect(archive).toMatchObject({ action: 'client.archive', targetId: clientId });
    expect(update.requestId).not.toBe(requestId);
    expect(firmCreate).toMatchObject({ targetType: 'firm', targetId: owner.firmId, prevHash: '0'.repeat(64) });
    // Each record links to the one before it.
    expect(create.prevHash).toBe(firmCreate.hash);
    expect(archive.prevHash).toBe(update.hash);
    expect(Date.parse(archive.occurredAt)).toBeGreaterThanOrEqual(Date.parse(firmCreate.occurredAt));
    expect(await verify(owner.accessToken)).toEqual({
      ok: true,
      checkedCount: 4,
      firstBrokenSeq: null,
      firstBrokenEntryId: null,
      reason: null,
    });
  });

  it('a mutation refused with a user error leaves no record, because nothing changed', async () => {
    const owner = await signUpFirm(env.t);
    const result = await env.t.gql(CREATE_CLIENT, { input: { name: '   ' } }, owner.accessToken);
    expect(result.data!.createClient.userErrors).not.toEqual([]);
    expect((await entries(owner.accessToken)).map((e) => e.action)).toEqual(['firm.create']);
  });

  it('records log-in successes and failures in every firm of the user, and session events in the active firm', async () => {
    const ownerA = await signUpFirm(env.t);
    const ownerB = await signUpFirm(env.t);
    // A member of both firms: joins A, then B.
    const member = await addMember(ownerA, 'ADMIN');
    const invited = await env.t.gql(INVITE, { input: { email: member.email, role: 'ADMIN' } }, ownerB.accessToken);
    const joined = await env.t.gql(ACCEPT, {
      input: { token: invited.data!.inviteMember.invitationToken!, password: member.password },
    });
    expect(joined.data!.acceptInvitation.userErrors).toEqual([]);

    const failed = await env.t.gql(LOG_IN, { input: { email: member.email, password: 'Not-The-Password-123' } });
    expect(failed.data!.logIn.userErrors.map((e) => e.code)).toEqual(['INVALID_CREDENTIALS']);
    const loggedIn = await env.t.gql(LOG_IN, { input: { email: member.email, password: member.password } });
    const { refreshToken } = loggedIn.data!.logIn.session!;
    const refreshed = await env.t.gql(REFRESH, { input: { refreshToken } });
    expect(refreshed.data!.refreshSession.session).not.toBeNull();
    // Reusing the first refresh token is a theft signal: the session ends, and the firm hears of it.
    const reused = await env.t.gql(REFRESH, { input: { refreshToken } });
    expect(reused.data!.refreshSession.userErrors.map((e) => e.code)).toEqual(['INVALID_TOKEN']);
    const second = await env.t.gql(LOG_IN, { input: { email: member.email, password: member.password } });
    expect((await env.t.gql(LOG_OUT, {}, second.data!.logIn.session!.accessToken)).data!.logOut.loggedOut).toBe(true);

    for (const owner of [ownerA, ownerB]) {
      const auth = await entries(owner.accessToken, { actionPrefix: 'auth.login' });
      expect(auth.map((e) => [e.action, e.actorKind, e.actorId, e.targetId])).toEqual([
        ['auth.login', 'STAFF', member.userId, member.userId],
        ['auth.login', 'STAFF', member.userId, member.userId],
        ['auth.login.failed', 'ANONYMOUS', null, member.userId],
      ]);
    }
    // The session's active firm is A, the firm joined first.
    const sessionEvents = (await entries(ownerA.accessToken, { actionPrefix: 'auth' })).filter(
      (e) => !e.action.startsWith('auth.login'),
    );
    expect(sessionEvents.map((e) => e.action)).toEqual([
      'auth.logout',
      'auth.refresh_token.reused',
      'auth.session.refresh',
    ]);
    expect(meta(sessionEvents[1]!)).toEqual({ sessionRevoked: 'true' });
    expect((await entries(ownerB.accessToken, { actionPrefix: 'auth' })).map((e) => e.action)).not.toContain(
      'auth.session.refresh',
    );
    // Joining is recorded in each firm with the new member as the actor.
    const joins = await entries(ownerB.accessToken, { actionPrefix: 'member' });
    expect(joins.map((e) => [e.action, e.actorId])).toEqual([
      ['member.join', member.userId],
      ['member.invite', ownerB.userId],
    ]);
    expect(meta(joins[0]!)).toMatchObject({ role: 'ADMIN', newUser: 'false' });
  });

  it('records a permission denial in its own transaction, with the field path, while the refused change rolls back', async () => {
    const owner = await signUpFirm(env.t);
    const staff = await addMember(owner, 'STAFF');
    const refused = await env.t.gql(CREATE_CLIENT, { input: { name: 'Not allowed' } }, staff.accessToken);
    expectCode(refused, 'FORBIDDEN');
    const readLog = await env.t.gql(AUDIT_LOG, { first: 5 }, staff.accessToken);
    expectCode(readLog, 'FORBIDDEN');

    const denials = await entries(owner.accessToken, { actionPrefix: 'permission.denied' });
    expect(denials.map((e) => [e.actorId, meta(e).code, meta(e).path])).toEqual([
      [staff.userId, 'FORBIDDEN', 'auditLog'],
      [staff.userId, 'FORBIDDEN', 'createClient'],
    ]);
    expect(meta(denials[1]!)).toMatchObject({ count: '1', operationName: 'CreateClient' });
    expect((await entries(owner.accessToken, { actionPrefix: 'client' })).length).toBe(0);
  });
});

describe('reading the log', () => {
  it('pages newest first with cursors and filters by action prefix, actor, target and time', async () => {
    const owner = await signUpFirm(env.t);
    const [first, second] = await createClients(env.t, owner.accessToken, ['Alder', 'Rowan', 'Hazel']);
    const page1 = await auditLog(owner.accessToken, { first: 2 });
    expect(page1.totalCount).toBe(4);
    expect(page1.edges.map((e) => e.node.seq)).toEqual(['4', '3']);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const page2 = await auditLog(owner.accessToken, { first: 2, after: page1.pageInfo.endCursor });
    expect(page2.edges.map((e) => e.node.seq)).toEqual(['2', '1']);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    expect((await entries(owner.accessToken, { actionPrefix: 'client' })).length).toBe(3);
    expect((await entries(owner.accessToken, { actionPrefix: 'client.create' })).length).toBe(3);
    expect((await entries(owner.accessToken, { actionPrefix: 'client.cre' })).length).toBe(0);
    expect(
      (await entries(owner.accessToken, { targetType: 'client', targetId: second })).map((e) => e.targetId),
    ).toEqual([second]);
    expect((await entries(owner.accessToken, { actorId: owner.userId })).length).toBe(4);
    expect((await entries(owner.accessToken, { actorId: randomUUID() })).length).toBe(0);
    const created = (await entries(owner.accessToken, { targetId: first }))[0]!;
    const at = await entries(owner.accessToken, {
      occurredFrom: created.occurredAt,
      occurredBefore: new Date(Date.parse(created.occurredAt) + 1).toISOString(),
    });
    expect(at.map((e) => e.id)).toContain(created.id);
    expect(await entries(owner.accessToken, { occurredBefore: '2000-01-01T00:00:00Z' })).toEqual([]);

    expectCode(
      await env.t.gql(AUDIT_LOG, { filter: { actionPrefix: 'Client; drop' } }, owner.accessToken),
      'BAD_USER_INPUT',
    );
    expectCode(await env.t.gql(AUDIT_LOG, { filter: { actorId: 'nope' } }, owner.accessToken), 'BAD_USER_INPUT');
    expectCode(await env.t.gql(AUDIT_LOG, { first: 101 }, owner.accessToken), 'BAD_USER_INPUT');
    expectCode(await env.t.gql(AUDIT_LOG, { after: 'garbage' }, owner.accessToken), 'BAD_USER_INPUT');
  });

  it("keeps firms apart: firm B reads and verifies only its own log, and cannot write into firm A's", async () => {
    const ownerA = await signUpFirm(env.t);
    const ownerB = await signUpFirm(env.t);
    await createClients(env.t, ownerA.accessToken, ['Only in A']);
    const logB = await entries(ownerB.accessToken);
    expect(logB.map((e) => e.action)).toEqual(['firm.create']);
    expect(logB[0]!.targetId).toBe(ownerB.firmId);
    expect(await entries(ownerB.accessToken, { actorId: ownerA.userId })).toEqual([]);
    expect(await verify(ownerB.accessToken)).toMatchObject({ ok: true, checkedCount: 1 });

    const app = postgresClient(inject('serviceUrls').tenancy, { max: 1, onnotice: () => {} });
    try {
      await app.begin(async (tx) => {
        await tx`select set_config('app.firm_id', ${ownerB.firmId}, true)`;
        expect(await tx`select 1 from tenancy.audit_log where firm_id = ${ownerA.firmId}`).toHaveLength(0);
      });
      // The append function is the one way in, and it appends only to the transaction's own firm.
      await expect(
        app.begin(async (tx) => {
          await tx`select set_config('app.firm_id', ${ownerB.firmId}, true)`;
          await tx`select tenancy.append_audit_record(${ownerA.firmId}, ${randomUUID()}, 'ANONYMOUS', null,
                   'client.create', null, null, 'forged', null, null, '{}')`;
        }),
      ).rejects.toThrow(/row-level security/);
      await expect(
        app.begin(async (tx) => {
          await tx`select set_config('app.firm_id', ${ownerA.firmId}, true)`;
          await tx`insert into tenancy.audit_log (firm_id, id, actor_kind, action, request_id, metadata)
                   values (${ownerA.firmId}, ${randomUUID()}, 'ANONYMOUS', 'client.create', 'forged', '{}')`;
        }),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
    expect((await entries(ownerA.accessToken)).map((e) => e.action)).toEqual(['client.create', 'firm.create']);
  });
});

describe('append-only and tamper-evident', () => {
  it('the app role cannot update, delete or truncate records, nor touch the chain heads; even the owner is refused by the triggers', async () => {
    const owner = await signUpFirm(env.t);
    const app = postgresClient(inject('serviceUrls').tenancy, { max: 1, onnotice: () => {} });
    try {
      for (const statement of [
        `update tenancy.audit_log set action = 'client.delete'`,
        `delete from tenancy.audit_log`,
        `truncate tenancy.audit_log`,
        `select * from tenancy.audit_chain_heads`,
        `update tenancy.audit_chain_heads set last_seq = 0`,
      ]) {
        await expect(
          app.begin(async (tx) => {
            await tx`select set_config('app.firm_id', ${owner.firmId}, true)`;
            await tx.unsafe(statement);
          }),
          statement,
        ).rejects.toMatchObject({ code: '42501' });
      }
      // Pruning is the one way to delete, and only for the transaction's own firm.
      const other = await signUpFirm(env.t);
      await expect(
        app.begin(async (tx) => {
          await tx`select set_config('app.firm_id', ${owner.firmId}, true)`;
          await tx`select tenancy.prune_audit_log(${other.firmId}, ${randomUUID()}, 'x')`;
        }),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await app.end();
    }
    for (const statement of [
      `update tenancy.audit_log set action = 'client.delete'`,
      `delete from tenancy.audit_log`,
      `truncate tenancy.audit_log`,
    ]) {
      await expect(
        env.admin.begin(async (tx) => {
          await tx`set local role firmgraph_owner`;
          await tx`select set_config('app.firm_id', ${owner.firmId}, true)`;
          await tx.unsafe(statement);
        }),
        statement,
      ).rejects.toThrow(/append-only/);
    }
    expect(await verify(owner.accessToken)).toMatchObject({ ok: true, checkedCount: 1 });
  });

  it('20 concurrent writers of one firm produce one unbroken chain without duplicate seq', async () => {
    const owner = await signUpFirm(env.t);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        env.t.gql(CREATE_CLIENT, { input: { name: `Parallel ${i}` } }, owner.accessToken),
      ),
    );
    for (const result of results) expect(result.data!.createClient.userErrors).toEqual([]);
    const rows = await asFirm(
      env.admin,
      owner.firmId,
      (tx) =>
        tx`select seq::int as seq, encode(prev_hash, 'hex') as prev, encode(hash, 'hex') as hash from tenancy.audit_log where firm_id = ${owner.firmId} order by seq`,
    );
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i += 1) expect(rows[i]!.prev).toBe(rows[i - 1]!.hash);
    expect(await verify(owner.accessToken)).toEqual({
      ok: true,
      checkedCount: 21,
      firstBrokenSeq: null,
      firstBrokenEntryId: null,
      reason: null,
    });
  });

  it('verifyAuditLog names the record an owner-role edit changed', async () => {
    const owner = await signUpFirm(env.t);
    const [clientId] = await createClients(env.t, owner.accessToken, ['Elm', 'Oak', 'Ash']);
    const target = (await entries(owner.accessToken, { targetId: clientId }))[0]!;
    expect(target.seq).toBe('2');
    await asOwnerWithoutTriggers(
      owner.firmId,
      (tx) => tx`update tenancy.audit_log set actor_id = null where firm_id = ${owner.firmId} and id = ${target.id}`,
    );
    expect(await verify(owner.accessToken)).toEqual({
      ok: false,
      checkedCount: 1,
      firstBrokenSeq: '2',
      firstBrokenEntryId: target.id,
      reason: "the record's contents do not match its hash",
    });
  });

  it('verifyAuditLog notices a record rewritten with a fresh hash, one deleted from the middle, and ones cut from the end', async () => {
    const rehashed = await signUpFirm(env.t);
    await createClients(env.t, rehashed.accessToken, ['One', 'Two', 'Three']);
    // Rewriting a record and recomputing its own hash still breaks the next record's link.
    await asOwnerWithoutTriggers(rehashed.firmId, async (tx) => {
      await tx`update tenancy.audit_log set actor_id = null where firm_id = ${rehashed.firmId} and seq = 2`;
      await tx`update tenancy.audit_log l set hash = sha256(l.prev_hash || convert_to(jsonb_build_array(
                 l.firm_id, l.seq, l.id, to_char(l.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                 l.actor_kind, l.actor_id, l.action, l.target_type, l.target_id, l.request_id, l.ip, l.user_agent, l.metadata)::text, 'UTF8'))
               where firm_id = ${rehashed.firmId} and seq = 2`;
    });
    expect(await verify(rehashed.accessToken)).toMatchObject({
      ok: false,
      checkedCount: 2,
      firstBrokenSeq: '3',
      reason: 'prev_hash is not the hash of the record before it',
    });

    const gap = await signUpFirm(env.t);
    await createClients(env.t, gap.accessToken, ['One', 'Two', 'Three']);
    await asOwnerWithoutTriggers(
      gap.firmId,
      (tx) => tx`delete from tenancy.audit_log where firm_id = ${gap.firmId} and seq = 2`,
    );
    expect(await verify(gap.accessToken)).toMatchObject({
      ok: false,
      checkedCount: 1,
      firstBrokenSeq: '3',
      reason: 'seq 3 follows seq 1: records are missing',
    });

    const tail = await signUpFirm(env.t);
    await createClients(env.t, tail.accessToken, ['One', 'Two']);
    await asOwnerWithoutTriggers(
      tail.firmId,
      (tx) => tx`delete from tenancy.audit_log where firm_id = ${tail.firmId} and seq = 3`,
    );
    expect(await verify(tail.accessToken)).toMatchObject({
      ok: false,
      checkedCount: 2,
      firstBrokenSeq: '3',
      firstBrokenEntryId: null,
      reason: 'the chain head is at seq 3, but the log ends at seq 2: records are missing',
    });
  });
});

describe('retention', () => {
  it('updateAuditRetention needs firm:update, accepts 30 to 36500 days, and is itself recorded', async () => {
    const owner = await signUpFirm(env.t);
    const manager = await addMember(owner, 'MANAGER');
    expectCode(await env.t.gql(UPDATE_RETENTION, { input: { retentionDays: 90 } }, manager.accessToken), 'FORBIDDEN');
    for (const retentionDays of [29, 36_501, -1]) {
      const result = await env.t.gql(UPDATE_RETENTION, { input: { retentionDays } }, owner.accessToken);
      expect(result.data!.updateAuditRetention).toEqual({
        firm: null,
        userErrors: [
          {
            field: ['input', 'retentionDays'],
            message: 'Keep audit records between 30 and 36500 days.',
            code: 'INVALID',
          },
        ],
      });
    }
    const result = await env.t.gql(UPDATE_RETENTION, { input: { retentionDays: 30 } }, owner.accessToken);
    expect(result.data!.updateAuditRetention).toEqual({
      firm: { id: owner.firmId, auditRetentionDays: 30 },
      userErrors: [],
    });
    const [record] = await entries(owner.accessToken, { actionPrefix: 'audit' });
    expect(record).toMatchObject({
      action: 'audit.retention.update',
      actorId: owner.userId,
      targetType: 'firm',
      targetId: owner.firmId,
    });
    expect(meta(record!)).toEqual({ previousDays: '2555', retentionDays: '30' });
  });

  it('pruning drops only the records past retention, records its run, and the chain still verifies', async () => {
    const owner = await signUpFirm(env.t);
    await createClients(env.t, owner.accessToken, ['Old 1', 'Old 2', 'Old 3', 'New 1', 'New 2']);
    await env.t.gql(UPDATE_RETENTION, { input: { retentionDays: 30 } }, owner.accessToken);
    // Nothing is old yet: a run drops nothing and still records itself.
    expect(await pruneFirmAuditLog(env.t.databases.tenancy, { firmId: owner.firmId, requestId: 'prune-run-1' })).toBe(
      0,
    );
    // Age the first four records (firm.create and three clients) past the 30 days.
    await asOwnerWithoutTriggers(
      owner.firmId,
      (tx) =>
        tx`update tenancy.audit_log set occurred_at = occurred_at - interval '31 days' where firm_id = ${owner.firmId} and seq <= 4`,
    );
    expect((await verify(owner.accessToken)).ok).toBe(false);

    expect(await pruneFirmAuditLog(env.t.databases.tenancy, { firmId: owner.firmId, requestId: 'prune-run-2' })).toBe(
      4,
    );
    const log = await entries(owner.accessToken);
    expect(log.map((e) => e.seq)).toEqual(['9', '8', '7', '6', '5']);
    expect(log.map((e) => e.action)).toEqual([
      'audit.prune',
      'audit.prune',
      'audit.retention.update',
      'client.create',
      'client.create',
    ]);
    const [run2, run1] = log as [Entry, Entry];
    expect(run2).toMatchObject({
      actorKind: 'SYSTEM',
      actorId: null,
      requestId: 'prune-run-2',
      targetType: 'firm',
      targetId: owner.firmId,
    });
    expect(meta(run2)).toMatchObject({ prunedCount: '4', prunedThroughSeq: '4', retentionDays: '30' });
    expect(meta(run2).lastPrunedHash).toMatch(/^[0-9a-f]{64}$/);
    expect(meta(run1)).toMatchObject({ prunedCount: '0', prunedThroughSeq: null, lastPrunedHash: null });
    expect(log.at(-1)!.prevHash).toBe(meta(run2).lastPrunedHash);
    expect(await verify(owner.accessToken)).toEqual({
      ok: true,
      checkedCount: 5,
      firstBrokenSeq: null,
      firstBrokenEntryId: null,
      reason: null,
    });

    // Another run finds nothing more to drop; the chain keeps verifying from the same anchor.
    expect(await pruneFirmAuditLog(env.t.databases.tenancy, { firmId: owner.firmId, requestId: 'prune-run-3' })).toBe(
      0,
    );
    expect(await verify(owner.accessToken)).toMatchObject({ ok: true, checkedCount: 6 });
  });
});
