import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../gateway/server.ts';
import type { CostExtension } from '../gateway/limits/rate-limit.ts';
import type { RunningServer } from '../platform/http.ts';
import { createLogger } from '../platform/logger.ts';
import type { SubgraphName } from '../platform/subgraph-names.ts';
import { graphql } from './gql/index.ts';
import { connectAdmin } from './support/admin-db.ts';
import { signUpFirm, strongPassword, uniqueEmail, type FirmOwner } from './support/factories.ts';
import { startTestStack, type GraphQLResponse, type TestStack } from './support/stack.ts';
import { openAcknowledgedSocket, subscribeMessage, wsUrl } from './support/ws-client.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** One prefix per run, so parallel runs against the same Redis never share a bucket. */
const PREFIX = `firmgraph-test:${randomUUID()}:`;

// The buckets of tests/rate-limits.e2e.test.ts: a caller holds 100 points and a firm 150, both regaining 10 a second.
const LIMITS = {
  RATE_LIMIT_BUCKET_SIZE: '100',
  RATE_LIMIT_RESTORE_RATE: '10',
  RATE_LIMIT_FIRM_BUCKET_SIZE: '150',
  RATE_LIMIT_FIRM_RESTORE_RATE: '10',
  REDIS_URL,
  REDIS_KEY_PREFIX: PREFIX,
};

/** me (1) + activeFirm (1) + clients (1 + 20 × (edge 1 + node 1)) = 43 points. */
const PAGE_OF_20 = '{ me { activeFirm { clients(first: 20) { edges { node { id name } } } } } }';
const PAGE_OF_20_COST = 43;
/** Costs 1 + 20 × 2 at subscribe (a thread's first 20 messages). */
const MESSAGES_OF_THREAD = graphql(`
  subscription RateLimitsRedisMessagesOfThread($t: ID!) {
    messageAdded(threadId: $t) {
      thread {
        messages(first: 20) {
          edges {
            node {
              id
            }
          }
        }
      }
    }
  }
`);

let t: TestStack;
let second: RunningServer;
let admin: postgres.Sql;
let redis: Redis;
beforeAll(async () => {
  t = await startTestStack(LIMITS);
  const subgraphUrls = Object.fromEntries(
    Object.entries(t.stack.subgraphs).map(([name, server]) => [name, `${server.url}/graphql`]),
  ) as Record<SubgraphName, string>;
  // A second gateway replica over the same subgraphs and the same Redis.
  second = await startGateway({
    config: t.config,
    database: t.databases.gateway,
    log: createLogger('silent', 'test'),
    port: 0,
    subgraphUrls,
  });
  admin = connectAdmin();
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await admin.end();
  await second.stop();
  await t.stop();
});

const costOf = (result: GraphQLResponse): CostExtension => result.extensions!.cost as CostExtension;

/** Posts `query` as `token` to the gateway at `url` (the first replica by default), with the Retry-After header. */
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

describe('rate limits in Redis (REDIS_URL)', () => {
  it('keep the buckets in Redis under the key prefix, not in PostgreSQL', async () => {
    const owner = await signUpFirm(t);
    const result = await call(owner.accessToken, PAGE_OF_20);
    expect(result.errors).toBeUndefined();
    const cost = costOf(result);
    expect(cost.requestedQueryCost).toBe(PAGE_OF_20_COST);
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
    const keys = [`user:${owner.userId}`, `firm:${owner.firmId}`];
    for (const key of keys) {
      expect(await redis.hget(`${PREFIX}rate:${key}`, 'level'), key).not.toBeNull();
      // Expires once leaked empty: at most 43 points at 10 a second.
      expect(await redis.pttl(`${PREFIX}rate:${key}`), key).toBeLessThanOrEqual(4300);
    }
    const inPostgres =
      await admin`select bucket_key from tenancy.rate_limit_buckets where bucket_key in ${admin(keys)}`;
    expect(inPostgres).toEqual([]);
  });

  it('answer RATE_LIMITED with Retry-After once drained, and serve again after the wait', async () => {
    const owner = await signUpFirm(t);
    expect((await call(owner.accessToken, PAGE_OF_20)).status).toBe(200);
    expect((await call(owner.accessToken, PAGE_OF_20)).status).toBe(200);
    const refused = await call(owner.accessToken, PAGE_OF_20);
    expect(refused.status).toBe(429);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors).toEqual([
      { message: expect.any(String), extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } },
    ]);
    const retryAfter = refused.errors![0]!.extensions!.retryAfterSeconds as number;
    expect(refused.retryAfter).toBe(String(retryAfter));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    expect(costOf(refused).throttleStatus.currentlyAvailable).toBeLessThan(PAGE_OF_20_COST);
    await sleep(retryAfter * 1000 + 100);
    expect((await call(owner.accessToken, PAGE_OF_20)).status).toBe(200);
  });

  it('share one budget between two gateway replicas', async () => {
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

  it('charge a subscription at subscribe from the same budget, on either replica', async () => {
    const owner = await signUpFirm(t);
    await call(owner.accessToken, PAGE_OF_20);
    await call(owner.accessToken, PAGE_OF_20);
    // 14 points left, and the subscription below costs 1 + 20 × 2 (a thread's first 20 messages).
    const socket = await openAcknowledgedSocket(wsUrl(`${second.url}/graphql`), owner.accessToken);
    socket.send(subscribeMessage('s', MESSAGES_OF_THREAD, { t: randomUUID() }));
    const error = await socket.next((m) => m.id === 's');
    expect(error.type).toBe('error');
    expect(error.payload).toEqual([
      {
        message: 'Rate limit exceeded. Retry after the time given.',
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) },
      },
    ]);
    socket.ws.close();
  });

  it("limit a firm as a whole, and one firm's spending never limits another", async () => {
    const owner = await signUpFirm(t);
    const member = await addMember(owner);
    const other = await signUpFirm(t);
    // Owner and member take turns: each stays within its own 100 points, the firm's 150 run out.
    let refused: GraphQLResponse | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      const result = await call(i % 2 === 0 ? owner.accessToken : member, PAGE_OF_20);
      if (result.status === 429) refused = result;
      else expect(result.errors).toBeUndefined();
    }
    expect(refused).toBeDefined();
    expect(costOf(refused!).firmThrottleStatus!.currentlyAvailable).toBeLessThan(PAGE_OF_20_COST);
    expect(costOf(refused!).throttleStatus.currentlyAvailable).toBeGreaterThanOrEqual(PAGE_OF_20_COST);
    const elsewhere = await call(other.accessToken, PAGE_OF_20);
    expect(elsewhere.status).toBe(200);
    expect(costOf(elsewhere).firmThrottleStatus!.currentlyAvailable).toBeGreaterThanOrEqual(100);
  });
});

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
