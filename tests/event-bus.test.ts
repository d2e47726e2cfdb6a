import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Database } from '../db/client.ts';
import { BUS_CHANNEL, connectEventBus, MAX_EVENT_BYTES, type BusEvent, type EventBus } from '../platform/event-bus.ts';
import { newId } from '../platform/ids.ts';
import { createLogger } from '../platform/logger.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const log = createLogger('silent', 'test');
const pools: Database[] = [];
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

/** A separate pool on the app role, as another process would hold. */
function pool(): Database {
  const database = connectDatabase(inject('serviceUrls').gateway, { max: 2, applicationName: 'firmgraph-test-bus' });
  pools.push(database);
  return database;
}

/** Everything `bus` receives for `firmId` (tests share the channel with concurrent test files). */
async function collect(bus: EventBus, firmId: string) {
  const events: BusEvent[] = [];
  const unsubscribe = await bus.subscribe((event) => {
    if (event.firmId === firmId) events.push(event);
  });
  return { events, unsubscribe };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for bus events');
    await sleep(10);
  }
}

function event(firmId: string): BusEvent & { topic: 'message.added' } {
  return {
    id: newId(),
    firmId,
    topic: 'message.added',
    payload: { threadId: newId(), clientId: newId(), messageId: newId() },
  };
}

describe.each([
  { name: 'PostgreSQL LISTEN/NOTIFY', redisUrl: null },
  { name: 'Redis pub/sub', redisUrl: REDIS_URL },
])('$name', ({ redisUrl }) => {
  it("delivers each process's events to every process, its own included", async () => {
    const a = connectEventBus({ database: pool(), redisUrl, log });
    const b = connectEventBus({ database: pool(), redisUrl, log });
    const firmId = randomUUID();
    try {
      const atA = await collect(a, firmId);
      const atB = await collect(b, firmId);
      const fromA = event(firmId);
      const fromB: BusEvent = {
        id: newId(),
        firmId,
        topic: 'presence.changed',
        payload: { clientId: newId(), participantKind: 'PORTAL', participantId: newId(), online: true },
      };
      await a.publish(fromA);
      await b.publish(fromB);
      await until(() => atA.events.length === 2 && atB.events.length === 2);
      for (const received of [atA.events, atB.events]) {
        expect(received.sort((x, y) => x.id.localeCompare(y.id))).toEqual(
          [fromA, fromB].sort((x, y) => x.id.localeCompare(y.id)),
        );
      }

      await atB.unsubscribe();
      const later = event(firmId);
      await a.publish(later);
      await until(() => atA.events.length === 3);
      await sleep(100);
      expect(atB.events).toHaveLength(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('refuses invalid and oversized events, and drops malformed messages on the channel', async () => {
    const bus = connectEventBus({ database: pool(), redisUrl, log });
    const firmId = randomUUID();
    try {
      const received = await collect(bus, firmId);
      await expect(bus.publish({ ...event(firmId), topic: 'invoice.paid' } as unknown as BusEvent)).rejects.toThrow(
        /Invalid bus event: topic/,
      );
      await expect(bus.publish({ ...event(firmId), firmId: 'not-a-uuid' })).rejects.toThrow(
        /Invalid bus event: firmId/,
      );
      await expect(
        bus.publish({ ...event(firmId), payload: { ...event(firmId).payload, note: 'x' } } as BusEvent),
      ).rejects.toThrow(/Invalid bus event: payload/);
      const subjects = Array.from({ length: 200 }, () => `portal_session:${randomUUID()}`);
      expect(JSON.stringify(subjects).length).toBeGreaterThan(MAX_EVENT_BYTES);
      await expect(
        bus.publish({ id: newId(), firmId, topic: 'credential.revoked', payload: { subjects } }),
      ).rejects.toThrow(/over 7900 bytes/);

      // Someone else writing garbage on the channel does not stop delivery.
      if (redisUrl) {
        const raw = new Redis(redisUrl);
        await raw.publish(BUS_CHANNEL, '{"not":"an event"}');
        await raw.quit();
      } else {
        await pools.at(-1)!.sql.notify(BUS_CHANNEL, 'garbage');
      }
      const valid = event(firmId);
      await bus.publish(valid);
      await until(() => received.events.length === 1);
      expect(received.events).toEqual([valid]);
    } finally {
      await bus.close();
    }
  });
  it('reports itself live once its probe comes back, and down when its connection drops', async () => {
    const database = pool();
    const bus = connectEventBus({ database, redisUrl, log });
    const changes: boolean[] = [];
    try {
      const unwatch = bus.watchLiveness((live) => changes.push(live));
      await until(() => changes.includes(true));
      expect(changes).toEqual([false, true]);
      // Cut the listening connection: the bus reports down at once, then live again after reconnecting.
      if (redisUrl) {
        const admin = new Redis(redisUrl);
        const clients = (await admin.client('LIST')) as string;
        const subscribers = clients
          .split('\n')
          .filter((line) => / cmd=(subscribe|ping)\b/.test(line) && / sub=[1-9]/.test(line));
        for (const line of subscribers) await admin.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
        await admin.quit();
      } else {
        const admin = connectDatabase(inject('adminUrl'), { max: 1 });
        pools.push(admin);
        await admin.sql`select pg_terminate_backend(pid) from pg_stat_activity
                        where application_name = 'firmgraph-test-bus' and query ilike 'listen%'`;
      }
      await until(() => changes.length >= 4, 10_000);
      expect(changes.slice(0, 4)).toEqual([false, true, false, true]);
      unwatch();
    } finally {
      await bus.close();
    }
  });
});
