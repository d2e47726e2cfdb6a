import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, postgresClient, type Database } from '../db/client.ts';
import { connectEventBus, type BusEvent, type EventBus } from '../platform/event-bus.ts';
import { newId } from '../platform/ids.ts';
import { createLogger } from '../platform/logger.ts';
import { enqueueEvents, pruneOutbox, startOutboxDispatcher, type OutboxDispatcher } from '../platform/outbox.ts';
import { asFirm, connectAdmin } from './support/admin-db.ts';
import { createClients, signUpFirm } from './support/factories.ts';
import { startTestStack, type TestStack } from './support/stack.ts';

const log = createLogger('silent', 'test');
let database: Database;
let listenerPool: Database;
let bus: EventBus;
let admin: postgres.Sql;
const received: BusEvent[] = [];

beforeAll(async () => {
  database = connectDatabase(inject('serviceUrls').crm, { max: 4, applicationName: 'firmgraph-test-outbox' });
  listenerPool = connectDatabase(inject('serviceUrls').crm, {
    max: 1,
    applicationName: 'firmgraph-test-outbox-listener',
  });
  // The subscriber is another process's bus: it sees whatever any dispatcher publishes.
  bus = connectEventBus({ database: listenerPool, log });
  await bus.subscribe((event) => received.push(event));
  admin = connectAdmin();
});
afterAll(async () => {
  await bus.close();
  await admin.end();
  await database.close();
  await listenerPool.close();
});

function receivedFor(firmId: string): BusEvent[] {
  return received.filter((event) => event.firmId === firmId);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

async function enqueue(
  firmId: string,
  payload = { threadId: newId(), clientId: newId(), messageId: newId() },
): Promise<string> {
  return database.withTenant(
    { firmId },
    async (tx) => (await enqueueEvents(tx, 'crm', [{ firmId, topic: 'message.added', payload }]))[0]!,
  );
}

async function publishedAt(firmId: string, id: string): Promise<Date | null> {
  const rows = await asFirm(
    admin,
    firmId,
    (tx) => tx`select published_at from crm.outbox_events where firm_id = ${firmId} and id = ${id}`,
  );
  return rows[0]!.published_at as Date | null;
}

/** A dispatcher on its own pool and bus, as a crm process runs it. */
async function dispatcher(): Promise<{ dispatcher: OutboxDispatcher; stop: () => Promise<void> }> {
  const pool = connectDatabase(inject('serviceUrls').crm, { max: 3, applicationName: 'firmgraph-test-dispatcher' });
  const ownBus = connectEventBus({ database: pool, log });
  const started = await startOutboxDispatcher({
    schema: 'crm',
    database: pool,
    eventBus: ownBus,
    log,
    pollIntervalMs: 60_000,
  });
  return {
    dispatcher: started,
    stop: async () => {
      await started.stop();
      await ownBus.close();
      await pool.close();
    },
  };
}

describe('writing events', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('commits a message and its events in one transaction, and the dispatcher publishes them with their ids', async () => {
    const owner = await signUpFirm(t);
    const [clientId] = await createClients(t, owner.accessToken, ['Acme']);
    const thread = await t.gql(
      `mutation ($input: CreateMessageThreadInput!) { createMessageThread(input: $input) { thread { id } } }`,
      { input: { clientId, subject: 'Hello' } },
      owner.accessToken,
    );
    const threadId = thread.data!.createMessageThread.thread.id;
    const sent = await t.gql(
      `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }`,
      { input: { threadId, body: 'Hi' } },
      owner.accessToken,
    );
    const messageId = sent.data!.sendMessage.message.id;

    const rows = await asFirm(
      admin,
      owner.firmId,
      (tx) =>
        tx`select id, topic, payload from crm.outbox_events where firm_id = ${owner.firmId} order by created_at, id`,
    );
    expect(rows.map((row) => [row.topic, row.payload])).toEqual([
      ['thread.updated', { threadId, clientId }],
      ['message.added', { threadId, clientId, messageId }],
      ['thread.updated', { threadId, clientId }],
    ]);
    // The stack's own crm dispatcher publishes them; the ids are the rows' ids.
    await until(() => receivedFor(owner.firmId).length === 3);
    expect(
      receivedFor(owner.firmId)
        .map((event) => event.id)
        .sort(),
    ).toEqual(rows.map((row) => row.id).sort());
    expect(receivedFor(owner.firmId).find((event) => event.topic === 'message.added')!.payload).toEqual({
      threadId,
      clientId,
      messageId,
    });
    expect(JSON.stringify(receivedFor(owner.firmId))).not.toContain('Hi"');
  });

  it('rolls the events back with the change they describe', async () => {
    const firmId = randomUUID();
    const eventId = newId();
    await expect(
      database.withTenant({ firmId }, async (tx) => {
        await tx.execute(
          sql`insert into crm.outbox_events (firm_id, id, topic, payload) values (${firmId}, ${eventId}, 'typing', '{}')`,
        );
        await enqueueEvents(tx, 'crm', [
          { firmId, topic: 'thread.updated', payload: { threadId: newId(), clientId: newId() } },
        ]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const rows = await asFirm(
      admin,
      firmId,
      (tx) => tx`select count(*)::int as n from crm.outbox_events where firm_id = ${firmId}`,
    );
    expect(rows[0]!.n).toBe(0);
  });
});

describe('dispatching', () => {
  it('publishes committed events in order and marks them published', async () => {
    const { dispatcher: running, stop } = await dispatcher();
    try {
      const firmId = randomUUID();
      const ids = [await enqueue(firmId), await enqueue(firmId), await enqueue(firmId)];
      await running.flush();
      await until(() => receivedFor(firmId).length === 3);
      expect(receivedFor(firmId).map((event) => event.id)).toEqual(ids);
      for (const id of ids) expect(await publishedAt(firmId, id)).not.toBeNull();
    } finally {
      await stop();
    }
  });

  it('loses nothing when a dispatcher dies between commit and publish, and re-publishes after a death between publish and mark', async () => {
    const firmId = randomUUID();
    const first = await enqueue(firmId);
    const second = await enqueue(firmId);
    // A dispatcher that claimed the events and died: its claim is the row locks of an open
    // transaction, held here on a connection of its own, which is then killed.
    const crashed = postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
    const connection = await crashed.reserve();
    await connection`begin`;
    await connection`select set_config('app.firm_id', ${firmId}, true)`;
    await connection`select id from crm.outbox_events where firm_id = ${firmId} for update`;
    const [backend] = await connection<{ pid: number }[]>`select pg_backend_pid() as pid`;
    // It had published the first event before dying, but not marked it.
    await bus.publish({
      id: first,
      firmId,
      topic: 'message.added',
      payload: { threadId: newId(), clientId: newId(), messageId: newId() },
    });
    await until(() => receivedFor(firmId).length === 1);

    const { dispatcher: survivor, stop } = await dispatcher();
    try {
      // While the dead one's transaction is open, its events are skipped, not published twice.
      await survivor.flush();
      await sleep(200);
      expect(receivedFor(firmId).map((event) => event.id)).toEqual([first]);
      expect(await publishedAt(firmId, second)).toBeNull();

      await admin`select pg_terminate_backend(${backend!.pid})`;
      await until(() => {
        void survivor.flush();
        return receivedFor(firmId).length === 3;
      });
      await survivor.flush();
      // At least once: the first event comes again with the same id, so consumers dedupe it.
      expect(receivedFor(firmId).map((event) => event.id)).toEqual([first, first, second]);
      expect(new Set(receivedFor(firmId).map((event) => event.id))).toEqual(new Set([first, second]));
      expect(await publishedAt(firmId, first)).not.toBeNull();
      expect(await publishedAt(firmId, second)).not.toBeNull();
    } finally {
      await stop();
      await crashed.end({ timeout: 1 }).catch(() => undefined);
    }
  });

  it("lets the app role neither read other firms' events nor mark events published directly", async () => {
    const firmId = randomUUID();
    await enqueue(firmId);
    const seen = await database.withTenant({ firmId: randomUUID() }, (tx) =>
      tx.execute<{ n: number }>(sql`select count(*)::int as n from crm.outbox_events where firm_id = ${firmId}`),
    );
    expect(seen[0]!.n).toBe(0);
    const refused = await database
      .withTenant({ firmId }, (tx) =>
        tx.execute(sql`update crm.outbox_events set published_at = now() where firm_id = ${firmId}`),
      )
      .catch((error: Error) => error);
    expect((refused as Error & { cause?: Error }).cause?.message).toMatch(/permission denied for table outbox_events/);
  });

  it('prunes events published longer ago than the retention, and never unpublished ones', async () => {
    const firmId = randomUUID();
    const [old, recent, pending] = [await enqueue(firmId), await enqueue(firmId), await enqueue(firmId)];
    await asFirm(admin, firmId, async (tx) => {
      await tx`update crm.outbox_events set published_at = now() - interval '2 days' where firm_id = ${firmId} and id = ${old}`;
      await tx`update crm.outbox_events set published_at = now() - interval '1 hour' where firm_id = ${firmId} and id = ${recent}`;
      await tx`update crm.outbox_events set created_at = now() - interval '3 days' where firm_id = ${firmId} and id = ${pending}`;
    });
    expect(await pruneOutbox(database, 'crm', '1 day')).toBeGreaterThanOrEqual(1);
    const left = await asFirm(
      admin,
      firmId,
      (tx) => tx`select id from crm.outbox_events where firm_id = ${firmId} order by id`,
    );
    expect(left.map((row) => row.id)).toEqual([recent, pending].sort());
  });
});
