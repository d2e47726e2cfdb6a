import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connectDatabase, throughSocket } from '../../db/client.ts';
import { startEmbeddedPostgres } from '../../db/embedded.ts';
import { migrateDatabase } from '../../db/migrate.ts';
import { serviceDatabaseUrls } from '../../db/roles.ts';
import { startGateway } from '../../gateway/server.ts';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/logger.ts';
import type { SubgraphName } from '../../platform/subgraph-names.ts';
import { closeServiceDatabases, connectServiceDatabases, startStack } from '../stack.ts';
import type { Row, ScenarioReport } from './report.ts';

/** Revocations measured per bus. */
const REVOCATIONS = 100;
/** The target for the revocation-to-refusal time at p99 (README "Authentication"). */
const TARGET_P99_MS = 100;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** POSTs one operation, returning the HTTP status and the parsed body. */
async function post(url: string, query: string, variables: object, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown> } };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * The time from revoking a credential to its refusal by another gateway replica, with each bus.
 * One process: an embedded PostgreSQL, the four subgraphs and gateway A (`startStack`), and
 * gateway B, a second replica with its own pool and bus connection that reaches tenancy's
 * introspection over HTTP. For each of 100 API keys, B first answers the key from its credential
 * cache; then the clock starts, `revokeApiKey` goes to A, and B is asked with the key every
 * millisecond until it answers 401. The figure is that time: it holds the mutation, the outbox
 * dispatch, the bus and B's drop, an upper bound of the revocation's commit to B's refusal.
 */
export async function runRevocationBench(): Promise<ScenarioReport> {
  const date = new Date();
  const dataDir = mkdtempSync(join(tmpdir(), 'firmgraph-bench-revocation-'));
  const server = await startEmbeddedPostgres({
    dataDir: join(dataDir, 'postgres'),
    port: 20000 + Math.floor(Math.random() * 20000),
    password: randomBytes(12).toString('hex'),
    database: 'firmgraph_bench',
    persistent: false,
  });
  const appPassword = randomBytes(12).toString('hex');
  const rows: Row[] = [];
  const json: Record<string, unknown> = { revocations: REVOCATIONS };
  try {
    await migrateDatabase(server.adminUrl, appPassword);
    const urls = serviceDatabaseUrls(server.adminUrl, appPassword);
    const redisUp = await new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0 })
      .connect()
      .then(() => true)
      .catch(() => false);
    const buses: { name: string; redisUrl: string | null }[] = [
      { name: 'PostgreSQL LISTEN/NOTIFY', redisUrl: null },
      ...(redisUp ? [{ name: 'Redis pub/sub', redisUrl: REDIS_URL }] : []),
    ];
    for (const bus of buses) {
      const config = loadConfig({
        NODE_ENV: 'test',
        JWT_SECRET: randomBytes(32).toString('base64url'),
        CONTEXT_SIGNING_SECRET: randomBytes(32).toString('base64url'),
        LOG_LEVEL: 'silent',
        DATA_DIR: dataDir,
        RATE_LIMIT_RESTORE_RATE: '1000000',
        RATE_LIMIT_FIRM_RESTORE_RATE: '1000000',
        RATE_LIMIT_ANONYMOUS_RESTORE_RATE: '1000000',
        ...(bus.redisUrl ? { REDIS_URL: bus.redisUrl } : {}),
      });
      const log = createLogger('silent', 'bench');
      const databases = connectServiceDatabases(
        Object.fromEntries(
          Object.entries(urls).map(([service, url]) => [service, throughSocket(url, server.socketDir)]),
        ) as typeof urls,
        { max: 10, applicationName: 'bench-revocation' },
      );
      const replicaPool = connectDatabase(throughSocket(urls.gateway, server.socketDir), {
        max: 4,
        applicationName: 'bench-revocation-replica-gateway',
      });
      const stack = await startStack({ config, databases, log, freePorts: true });
      const replica = await startGateway({
        config,
        database: replicaPool,
        log,
        port: 0,
        subgraphUrls: Object.fromEntries(
          Object.entries(stack.subgraphs).map(([name, running]) => [name, `${running.url}/graphql`]),
        ) as Record<SubgraphName, string>,
      });
      const b = `${replica.url}/graphql`;
      try {
        const signUp = await post(
          stack.graphqlUrl,
          'mutation($input: SignUpInput!) { signUp(input: $input) { session { accessToken } userErrors { code } } }',
          {
            input: {
              firmName: 'Revocation Bench',
              ownerName: 'Rita Bench',
              email: `rita-${randomBytes(4).toString('hex')}@example.test`,
              password: `${randomBytes(12).toString('base64url')}-Aa1!`,
            },
          },
        );
        const ownerToken = (signUp.body.data?.signUp as { session: { accessToken: string } | null } | undefined)
          ?.session?.accessToken;
        if (!ownerToken) throw new Error(`signUp failed: ${JSON.stringify(signUp.body)}`);
        const latencies: number[] = [];
        for (let i = 0; i < REVOCATIONS; i += 1) {
          const created = await post(
            stack.graphqlUrl,
            'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } secret } }',
            {
              input: {
                name: `bench ${i}`,
                scopes: ['CLIENT_READ'],
                expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
              },
            },
            ownerToken,
          );
          const { apiKey, secret } = created.body.data!.createApiKey as { apiKey: { id: string }; secret: string };
          for (let warm = 0; warm < 3; warm += 1) {
            if ((await post(b, '{ __typename }', {}, secret)).status !== 200)
              throw new Error('key refused before revocation');
          }
          const started = performance.now();
          const revoked = post(
            stack.graphqlUrl,
            'mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { revokedAt } } }',
            { input: { id: apiKey.id } },
            ownerToken,
          );
          const deadline = started + 5000;
          while ((await post(b, '{ __typename }', {}, secret)).status === 200) {
            if (performance.now() > deadline) throw new Error('the replica still accepts a revoked key after 5 s');
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          latencies.push(performance.now() - started);
          await revoked;
        }
        const sorted = [...latencies].sort((x, y) => x - y);
        const p50 = percentile(sorted, 50);
        const p99 = percentile(sorted, 99);
        json[bus.name] = { p50, p99, max: sorted.at(-1), latencies };
        rows.push(
          { label: `${bus.name}: revocation to refusal, p50`, value: `${p50.toFixed(1)} ms` },
          {
            label: `${bus.name}: revocation to refusal, p99`,
            value: `${p99.toFixed(1)} ms`,
            target: `< ${TARGET_P99_MS} ms`,
            met: p99 < TARGET_P99_MS,
          },
        );
      } finally {
        await replica.stop();
        await stack.stop();
        await replicaPool.close();
        await closeServiceDatabases(databases);
      }
    }
    if (!redisUp) rows.push({ label: 'Redis pub/sub', value: `not measured: no Redis at ${REDIS_URL}` });
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    scenario: 'revocation',
    title: 'Revocation to refusal across gateway replicas',
    date,
    rows,
    notes: [
      `${REVOCATIONS} API keys per bus, each first answered from gateway B's credential cache; the clock runs from sending \`revokeApiKey\` to gateway A until B answers 401, asking B every millisecond. It includes the mutation itself, tenancy's outbox dispatch (woken by NOTIFY at commit), the bus, and B's drop; the revoking mutation answers only once its event has come back over the bus.`,
    ],
    json,
  };
}
