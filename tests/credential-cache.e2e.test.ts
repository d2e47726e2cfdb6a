import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Database } from '../db/client.ts';
import { startGateway } from '../gateway/server.ts';
import type { RunningServer } from '../platform/http.ts';
import { createLogger } from '../platform/logger.ts';
import type { SubgraphName } from '../platform/subgraph-names.ts';
import { graphql } from './gql/index.ts';
import { signUpFirm, type FirmOwner } from './support/factories.ts';
import { postGraphQL, startTestStack, type TestStack } from './support/stack.ts';

const CREATE_KEY = graphql(`
  mutation CacheCreateKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      apiKey {
        id
      }
      secret
      userErrors {
        code
      }
    }
  }
`);

const REVOKE_KEY = graphql(`
  mutation CacheRevokeKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      apiKey {
        revokedAt
      }
    }
  }
`);

/** How long a replica may take to refuse a revoked credential; the revocation bench's p99 is about 60 ms. */
const REFUSAL_BOUND_MS = 1_000;

const inAMonth = () => new Date(Date.now() + 30 * 86_400_000).toISOString();

/**
 * A TCP proxy in front of Redis that can stop carrying the bytes of its subscriber connections
 * (those that sent SUBSCRIBE) without closing anything: to the gateway behind it, the bus goes
 * silent, as it does when a network path fails, while its rate-limit connection keeps working.
 */
async function pausableProxy(target: { host: string; port: number }) {
  let paused = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target);
    let subscriber = false;
    const carry = (from: Socket, to: Socket, fromClient: boolean) => {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (fromClient && /subscribe/i.test(chunk.toString('latin1'))) subscriber = true;
        if (!(paused && subscriber)) to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    };
    carry(client, upstream, true);
    carry(upstream, client, false);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    pause: () => void (paused = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * The gateway caches what tenancy's introspection answered (README "Authentication"). Two gateway
 * replicas beside the test stack's own, each with its own pool and bus connection, reaching
 * tenancy over HTTP; changes are made through the stack's gateway. `{ __typename }` needs no
 * subgraph and a replica spends its rate limits on its own pool, so the only SQL on the services'
 * pool (`statementCount`) a replica's request causes is tenancy's introspection: none means the
 * request was answered from the cache.
 */
describe.each([
  { bus: 'PostgreSQL LISTEN/NOTIFY', env: {} as Record<string, string> },
  { bus: 'Redis pub/sub', env: { REDIS_URL: 'redis://127.0.0.1:6379' } },
])('the credential cache over $bus', ({ env }) => {
  let t: TestStack;
  let database: Database;
  const replicas: RunningServer[] = [];
  let owner: FirmOwner;

  const replicaGateway = (redisUrl: string | null) =>
    startGateway({
      config: { ...t.config, redisUrl },
      database,
      log: createLogger('silent', 'replica'),
      port: 0,
      subgraphUrls: Object.fromEntries(
        Object.entries(t.stack.subgraphs).map(([name, server]) => [name, `${server.url}/graphql`]),
      ) as Record<SubgraphName, string>,
    });

  /** The SQL statements tenancy ran to answer one `{ __typename }` with `token` at `url`, and its status. */
  const probe = async (url: string, token: string) => {
    const before = t.statementCount();
    const { status } = await postGraphQL(url, '{ __typename }', {}, { authorization: `Bearer ${token}` });
    return { status, statements: t.statementCount() - before };
  };

  /** Waits until `token` is answered from `url`'s cache (no SQL), so the test starts from a cached resolution. */
  const untilCached = async (url: string, token: string) => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const { status, statements } = await probe(url, token);
      expect(status).toBe(200);
      if (statements === 0) return;
      await sleep(50);
    }
    throw new Error(`${url} never cached the credential`);
  };

  /**
   * Waits until `url` refuses `token`, and returns how long that took. Delivery to a replica other than the
   * revoking request's own is asynchronous (the mutation waits only for its own subgraph's echo), so the
   * replica is given up to `REFUSAL_BOUND_MS`; the bench (`npm run bench -- revocation`) measures the p99.
   */
  const untilRefused = async (url: string, token: string) => {
    const started = performance.now();
    while (performance.now() - started < REFUSAL_BOUND_MS) {
      if ((await probe(url, token)).status === 401) return performance.now() - started;
      await sleep(10);
    }
    throw new Error(`${url} still accepted the revoked credential after ${REFUSAL_BOUND_MS} ms`);
  };

  const newKey = async () => {
    const created = await t.gql(
      CREATE_KEY,
      { input: { name: 'Cache test', scopes: ['CLIENT_READ'], expiresAt: inAMonth() } },
      owner.accessToken,
    );
    expect(created.data!.createApiKey.userErrors).toEqual([]);
    return { id: created.data!.createApiKey.apiKey!.id, secret: created.data!.createApiKey.secret! };
  };

  beforeAll(async () => {
    t = await startTestStack(env);
    database = connectDatabase(inject('serviceUrls').gateway, {
      max: 2,
      applicationName: 'firmgraph-test-cache-replica',
    });
    for (let i = 0; i < 2; i += 1) replicas.push(await replicaGateway(env.REDIS_URL ?? null));
    owner = await signUpFirm(t);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await database?.close();
    await t?.stop();
  });

  it('answers a repeated credential from the cache, and refuses it on both replicas once revoked', async () => {
    const key = await newKey();
    const urls = replicas.map((replica) => `${replica.url}/graphql`);
    for (const url of urls) await untilCached(url, key.secret);

    const revoked = await t.gql(REVOKE_KEY, { input: { id: key.id } }, owner.accessToken);
    expect(revoked.data!.revokeApiKey.apiKey!.revokedAt).not.toBeNull();
    for (const url of urls) expect(await untilRefused(url, key.secret)).toBeLessThan(REFUSAL_BOUND_MS);
  });

  it('drops a staff session on the other replica once it logs out', async () => {
    const member = await signUpFirm(t);
    await untilCached(`${replicas[1]!.url}/graphql`, member.accessToken);
    const out = await t.gql('mutation { logOut { loggedOut } }', {}, member.accessToken);
    expect(out.data).toEqual({ logOut: { loggedOut: true } });
    expect(await untilRefused(`${replicas[1]!.url}/graphql`, member.accessToken)).toBeLessThan(REFUSAL_BOUND_MS);
  });
});

describe('the credential cache when the bus is down', () => {
  let t: TestStack;
  let database: Database;
  let replica: RunningServer;
  let proxy: Awaited<ReturnType<typeof pausableProxy>>;

  beforeAll(async () => {
    t = await startTestStack({ REDIS_URL: 'redis://127.0.0.1:6379' });
    database = connectDatabase(inject('serviceUrls').gateway, { max: 2, applicationName: 'firmgraph-test-cache-down' });
    proxy = await pausableProxy({ host: '127.0.0.1', port: 6379 });
    replica = await startGateway({
      config: { ...t.config, redisUrl: proxy.url },
      database,
      log: createLogger('silent', 'replica'),
      port: 0,
      subgraphUrls: Object.fromEntries(
        Object.entries(t.stack.subgraphs).map(([name, server]) => [name, `${server.url}/graphql`]),
      ) as Record<SubgraphName, string>,
    });
  });

  afterAll(async () => {
    await replica?.stop();
    await proxy?.close();
    await database?.close();
    await t?.stop();
  });

  it('neither caches nor trusts a cached resolution, so a revocation it did not hear still refuses', async () => {
    const owner = await signUpFirm(t);
    const url = `${replica.url}/graphql`;
    const created = await t.gql(
      CREATE_KEY,
      { input: { name: 'Down', scopes: ['CLIENT_READ'], expiresAt: inAMonth() } },
      owner.accessToken,
    );
    const { id } = created.data!.createApiKey.apiKey!;
    const secret = created.data!.createApiKey.secret!;
    /** The SQL tenancy ran for one request of the key on the replica. */
    const statementsOf = async () => {
      const before = t.statementCount();
      const { status } = await postGraphQL(url, '{ __typename }', {}, { authorization: `Bearer ${secret}` });
      expect(status).toBe(200);
      return t.statementCount() - before;
    };
    // Positive control: with the bus live, the replica answers the key from its cache.
    const cachedSoon = async () => {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        if ((await statementsOf()) === 0) return true;
        await sleep(50);
      }
      return false;
    };
    expect(await cachedSoon()).toBe(true);

    proxy.pause();
    // Once its probe goes unanswered the replica asks tenancy on every request, twice in a row.
    const askingSoon = async () => {
      for (let attempt = 0; attempt < 100; attempt += 1) {
        if ((await statementsOf()) > 0 && (await statementsOf()) > 0) return true;
        await sleep(100);
      }
      return false;
    };
    expect(await askingSoon()).toBe(true);

    // The revocation's event never reaches the replica; tenancy's answer refuses the key all the same.
    await t.gql(REVOKE_KEY, { input: { id } }, owner.accessToken);
    const { status } = await postGraphQL(url, '{ __typename }', {}, { authorization: `Bearer ${secret}` });
    expect(status).toBe(401);
  });
});
