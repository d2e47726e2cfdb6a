import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../db/roles.ts';
import { startGateway } from '../gateway/server.ts';
import { pruneBuckets, type CostExtension } from '../gateway/limits/rate-limit.ts';
import type { RunningServer } from '../platform/http.ts';
import { createLogger } from '../platform/logger.ts';
import type { SubgraphName } from '../platform/subgraph-names.ts';
import { connectAdmin, countClientRows } from './support/admin-db.ts';
import { signUpFirm, strongPassword, uniqueEmail, type FirmOwner } from './support/factories.ts';
import { postGraphQL, startTestStack, testConfig, type GraphQLResponse, type TestStack } from './support/stack.ts';

// Small buckets: a caller holds 100 points and a firm 150, both regaining 10 points a second.
const LIMITS = {
  RATE_LIMIT_BUCKET_SIZE: '100',
  RATE_LIMIT_RESTORE_RATE: '10',
  RATE_LIMIT_FIRM_BUCKET_SIZE: '150',
  RATE_LIMIT_FIRM_RESTORE_RATE: '10',
};

/** me (1) + activeFirm (1) + clients (1 + 20 × (edge 1 + node 1)) = 43 points. */
const PAGE_OF_20 = '{ me { activeFirm { clients(first: 20) { edges { node { id name } } } } } }';
const PAGE_OF_20_COST = 43;

let t: TestStack;
let second: RunningServer;
let admin: postgres.Sql;
beforeAll(async () => {
  t = await startTestStack(LIMITS);
  const subgraphUrls = Object.fromEntries(
    Object.entries(t.stack.subgraphs).map(([name, server]) => [name, `${server.url}/graphql`]),
  ) as Record<SubgraphName, string>;
  // A second gateway replica over the same subgraphs and database.
  second = await startGateway({
    config: t.config,
    database: t.databases.gateway,
    log: createLogger('silent', 'test'),
    port: 0,
    subgraphUrls,
  });
  admin = connectAdmin();
});
afterAll(async () => {
  await admin.end();
  await second.stop();
  await t.stop();
});

const costOf = (result: GraphQLResponse): CostExtension => result.extensions!.cost as CostExtension;

/** Posts `query` as `token` to the gateway at `url` (the first replica by default), with the response headers. */
async function call(
  token: string,
  query: string,
  url = t.graphqlUrl,
): Promise<GraphQLResponse & { retryAfter: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    ...((await response.json()) as object),
  };
}

/** Spends PAGE_OF_20 as `token` until refused; returns the refusal. */
async function drain(token: string): Promise<GraphQLResponse & { retryAfter: string | null }> {
  for (let i = 0; i < 10; i++) {
    const result = await call(token, PAGE_OF_20);
    if (result.status === 429) return result;
    expect(result.errors).toBeUndefined();
  }
  throw new Error('never rate limited');
}

/** Invites a MANAGER into the owner's firm and returns the new member's access token. */
async function addMember(owner: FirmOwner): Promise<string> {
  const invited = await t.gql(
    'mutation I($input: InviteMemberInput!) { inviteMember(input: $input) { invitationToken userErrors { code } } }',
    { input: { email: uniqueEmail('member'), role: 'MANAGER' } },
    owner.accessToken,
  );
  expect(invited.data!.inviteMember.userErrors).toEqual([]);
  const accepted = await t.gql(
    'mutation A($input: AcceptInvitationInput!) { acceptInvitation(input: $input) { session { accessToken } userErrors { code } } }',
    { input: { token: invited.data!.inviteMember.invitationToken, name: 'Morgan Member', password: strongPassword() } },
  );
  expect(accepted.data!.acceptInvitation.userErrors).toEqual([]);
  return accepted.data!.acceptInvitation.session.accessToken as string;
}

describe('query cost', () => {
  it('returns the requested cost and both buckets in extensions.cost', async () => {
    const owner = await signUpFirm(t);
    const result = await call(owner.accessToken, PAGE_OF_20);
    expect(result.errors).toBeUndefined();
    const cost = costOf(result);
    expect(cost.requestedQueryCost).toBe(PAGE_OF_20_COST);
    // A fresh user bucket: 100 - 43, plus at most a few points restored meanwhile.
    expect(cost.throttleStatus).toEqual({
      maximumAvailable: 100,
      currentlyAvailable: expect.any(Number),
      restoreRate: 10,
    });
    expect(cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(57);
    expect(cost.throttleStatus.currentlyAvailable).toBeLessThan(80);
    expect(cost.firmThrottleStatus).toEqual({
      maximumAvailable: 150,
      currentlyAvailable: expect.any(Number),
      restoreRate: 10,
    });

    // A mutation costs 10 more than its selection: 10 + payload 1 + client 1.
    const mutation = await call(
      owner.accessToken,
      `mutation { createClient(input: { name: "Cost ${randomUUID()}" }) { client { id } } }`,
    );
    expect(mutation.errors).toBeUndefined();
    expect(costOf(mutation).requestedQueryCost).toBe(12);
  });

  it('refuses first: 101 before spending anything', async () => {
    const owner = await signUpFirm(t);
    const refused = await call(owner.accessToken, '{ clients(first: 101) { totalCount } }');
    expect(refused.status).toBe(400);
    expect(refused.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    const next = await call(owner.accessToken, '{ clients(first: 1) { totalCount } }');
    // clients (1) only: totalCount is a scalar. The refused query took nothing from the fresh bucket.
    expect(costOf(next).requestedQueryCost).toBe(1);
    expect(costOf(next).throttleStatus.currentlyAvailable).toBe(99);
  });

  it('answers RATE_LIMITED with Retry-After once the bucket is drained, executes nothing, and serves again after the wait', async () => {
    const owner = await signUpFirm(t);
    const refused = await drain(owner.accessToken);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors).toEqual([
      { message: expect.any(String), extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } },
    ]);
    const retryAfter = refused.errors![0]!.extensions!.retryAfterSeconds as number;
    expect(refused.retryAfter).toBe(String(retryAfter));
    // At most 43 points missing at 10 a second.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    expect(costOf(refused).throttleStatus.currentlyAvailable).toBeLessThan(PAGE_OF_20_COST);

    // A mutation refused for lack of points writes nothing: 10 + 1 + 1 + invoices (1 + 20 × 2) = 53 points.
    const name = `Throttled ${randomUUID()}`;
    const mutation = await call(
      owner.accessToken,
      `mutation { createClient(input: { name: "${name}" }) { client { id invoices(first: 20) { edges { node { id } } } } } }`,
    );
    expect(mutation.status).toBe(429);
    expect(costOf(mutation).requestedQueryCost).toBe(53);
    expect(await countClientRows(admin, owner.firmId)).toBe(0);

    await sleep(retryAfter * 1000 + 100);
    const again = await call(owner.accessToken, PAGE_OF_20);
    expect(again.status).toBe(200);
    expect(again.errors).toBeUndefined();
  });

  it('shares one bucket between two gateway replicas', async () => {
    const owner = await signUpFirm(t);
    const onFirst = await call(owner.accessToken, PAGE_OF_20);
    const onSecond = await call(owner.accessToken, PAGE_OF_20, `${second.url}/graphql`);
    expect(onSecond.errors).toBeUndefined();
    // The second replica saw the first one's spending: ~57 left after one query, ~14 after two.
    expect(costOf(onFirst).throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(PAGE_OF_20_COST);
    expect(costOf(onSecond).throttleStatus.currentlyAvailable).toBeLessThan(PAGE_OF_20_COST);
    const refused = await call(owner.accessToken, PAGE_OF_20, `${second.url}/graphql`);
    expect(refused.status).toBe(429);
  });

  it("limits a firm as a whole, and one firm's spending never limits another", async () => {
    const owner = await signUpFirm(t);
    const member = await addMember(owner);
    const other = await signUpFirm(t);
    // Owner and member take turns: each stays within its own 100 points, the firm's 150 run out.
    let refused: (GraphQLResponse & { retryAfter: string | null }) | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      const result = await call(i % 2 === 0 ? owner.accessToken : member, PAGE_OF_20);
      if (result.status === 429) refused = result;
      else expect(result.errors).toBeUndefined();
    }
    expect(refused).toBeDefined();
    const cost = costOf(refused!);
    expect(cost.firmThrottleStatus!.currentlyAvailable).toBeLessThan(PAGE_OF_20_COST);
    expect(cost.throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(PAGE_OF_20_COST);

    const elsewhere = await call(other.accessToken, PAGE_OF_20);
    expect(elsewhere.status).toBe(200);
    expect(costOf(elsewhere).firmThrottleStatus!.currentlyAvailable).toBeGreaterThanOrEqual(100);
  });
});

describe('idle buckets', () => {
  it('are pruned once idle past the threshold; fresh ones stay', async () => {
    const [stale, fresh] = [`test:stale:${randomUUID()}`, `test:fresh:${randomUUID()}`];
    await admin`insert into tenancy.rate_limit_buckets (bucket_key, level, updated_at)
      values (${stale}, 0, now() - interval '2 hours'), (${fresh}, 5, now())`;
    expect(await pruneBuckets(t.databases.gateway, 3600)).toBeGreaterThanOrEqual(1);
    const left =
      await admin`select bucket_key from tenancy.rate_limit_buckets where bucket_key in (${stale}, ${fresh})`;
    expect(left.map((row) => row.bucket_key)).toEqual([fresh]);
  });

  it('are reachable by no service role but through the spend and prune functions', async () => {
    for (const service of SERVICES) {
      const { sql } = t.databases[service];
      await expect(sql`select * from tenancy.rate_limit_buckets limit 1`, service).rejects.toThrow(/permission denied/);
      await expect(sql`delete from tenancy.rate_limit_buckets`, service).rejects.toThrow(/permission denied/);
    }
  });
});

describe('anonymous callers', () => {
  let proxied: RunningServer;
  beforeAll(async () => {
    // A replica behind a trusted proxy on loopback: X-Forwarded-For names the client, so each test
    // address has an anonymous bucket of its own (other test files all come from 127.0.0.1 itself).
    // 40 points: three log-ins.
    const config = testConfig({
      ...LIMITS,
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_ANONYMOUS_BUCKET_SIZE: '40',
      RATE_LIMIT_ANONYMOUS_RESTORE_RATE: '0.5',
    });
    const subgraphUrls = Object.fromEntries(
      Object.entries(t.stack.subgraphs).map(([name, server]) => [name, `${server.url}/graphql`]),
    ) as Record<SubgraphName, string>;
    proxied = await startGateway({
      config,
      database: t.databases.gateway,
      log: createLogger('silent', 'test'),
      port: 0,
      subgraphUrls,
    });
  });
  afterAll(async () => {
    await proxied.stop();
  });

  it('limits log-in attempts per client IP address', async () => {
    // logIn: 10 + payload 1 + session 1 + userErrors 1 = 13 points.
    const logIn =
      'mutation L($input: LogInInput!) { logIn(input: $input) { session { accessToken } userErrors { code } } }';
    const attempt = (ip: string) =>
      postGraphQL(
        `${proxied.url}/graphql`,
        logIn,
        { input: { email: uniqueEmail('guess'), password: 'not-the-password' } },
        { 'x-forwarded-for': ip },
      );
    const [guesser, bystander] = [1, 2].map(() => `2001:db8::${randomUUID().slice(0, 4)}:${randomUUID().slice(0, 4)}`);
    const attempts: GraphQLResponse[] = [];
    for (let i = 0; i < 4; i++) attempts.push(await attempt(guesser!));
    for (const allowed of attempts.slice(0, 3)) {
      expect(allowed.data!.logIn.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
      expect(costOf(allowed).requestedQueryCost).toBe(13);
      expect(costOf(allowed).firmThrottleStatus).toBeUndefined();
    }
    expect(attempts[3]!.status).toBe(429);
    expect(attempts[3]!.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    // Another address is not held back by the first one's attempts.
    const other = await attempt(bystander!);
    expect(other.data!.logIn.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
  });
});
