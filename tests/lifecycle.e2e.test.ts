import { Writable } from 'node:stream';
import { print } from 'graphql';
import { describe, expect, inject, it } from 'vitest';
import { postgresClient } from '../db/client.ts';
import { SERVICES } from '../db/roles.ts';
import { createLogger } from '../platform/logger.ts';
import { graphql } from './gql/index.ts';
import { createClients, SIGN_UP, signUpFirm, strongPassword, uniqueEmail } from './support/factories.ts';
import { postGraphQL, startTestStack } from './support/stack.ts';

describe('logs', () => {
  it('carry the request id on every operation line and never a password, token or client data', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const t = await startTestStack({}, createLogger('info', 'test', sink));
    try {
      const password = strongPassword();
      const email = uniqueEmail('logged');
      const signUp = await t.gql(SIGN_UP, {
        input: { firmName: 'Confidential Firm', ownerName: 'Secret Person', email, password },
      });
      const { accessToken, refreshToken } = signUp.data!.signUp.session!;
      await createClients(t, accessToken, ['Highly Sensitive Client Name']);
      const requestId = 'trace-me-123456';
      await postGraphQL(
        t.graphqlUrl,
        print(
          graphql(`
            query LifecycleMe {
              me {
                user {
                  name
                }
              }
            }
          `),
        ),
        {},
        { authorization: `Bearer ${accessToken}`, 'x-request-id': requestId },
      );

      const operations = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'operation');
      // Each operation is logged by the gateway and by each subgraph it reached.
      expect(operations.length).toBeGreaterThanOrEqual(4);
      for (const entry of operations) expect(entry.requestId).toEqual(expect.any(String));
      expect(operations.filter((entry) => entry.requestId === requestId).length).toBeGreaterThanOrEqual(2);
      const everything = lines.join('\n');
      for (const secret of [
        password,
        accessToken,
        refreshToken,
        email,
        'Secret Person',
        'Highly Sensitive Client Name',
        'Confidential Firm',
      ]) {
        expect(everything).not.toContain(secret);
      }
    } finally {
      await t.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes requests that are in flight, then refuses new connections and closes the pool', async () => {
    const t = await startTestStack();
    const owner = await signUpFirm(t);
    await createClients(t, owner.accessToken, ['Drain Co']);
    const admin = postgresClient(inject('adminUrl'), { max: 2, onnotice: () => {} });
    try {
      // Hold every crm.clients reader at a lock, so requests are provably mid-execution when stop begins.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const locker = admin.begin(async (sql) => {
        await sql`lock table crm.clients in access exclusive mode`;
        await released;
      });
      const inFlight = Array.from({ length: 8 }, () =>
        t.gql(
          graphql(`
            query LifecycleClients {
              me {
                activeFirm {
                  clients(first: 5) {
                    totalCount
                    edges {
                      node {
                        name
                      }
                    }
                  }
                }
              }
            }
          `),
          {},
          owner.accessToken,
        ),
      );
      await expect
        .poll(
          async () =>
            (
              await admin`select count(*)::int as waiting from pg_stat_activity where application_name = 'firmgraph-test-crm' and wait_event_type = 'Lock'`
            )[0]!.waiting,
          { timeout: 10_000 },
        )
        .toBe(8);

      const stopping = t.stop();
      setTimeout(release, 300);
      const results = await Promise.all(inFlight);
      await stopping;
      await locker;
      for (const result of results) {
        expect(result.status).toBe(200);
        expect(result.data!.me!.activeFirm!.clients!.totalCount).toBe(1);
      }
      await expect(fetch(t.graphqlUrl, { method: 'POST', body: '{}' })).rejects.toThrow();
      for (const service of SERVICES) await expect(t.databases[service].sql`select 1`, service).rejects.toThrow();
    } finally {
      await admin.end();
    }
  });
});
