import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'drizzle-orm';
import { onCommit, type Database, type Tx } from '../db/client.ts';
import { billingOutboxEvents, crmOutboxEvents, tenancyOutboxEvents } from '../db/schema/outbox.ts';
import type { BusEvent, BusMessage, EventBus } from './event-bus.ts';
import { newId } from './ids.ts';
import type { Logger } from './logger.ts';

/** Each subgraph schema that has an outbox (db/schema/outbox.ts), and its table. */
const OUTBOX_TABLES = { tenancy: tenancyOutboxEvents, crm: crmOutboxEvents, billing: billingOutboxEvents };

/** A subgraph schema with an outbox. */
export type OutboxSchema = keyof typeof OUTBOX_TABLES;

/** The PostgreSQL channel a committed row of `schema`'s outbox wakes its dispatcher on (no payload). */
const wakeChannel = (schema: OutboxSchema) => `firmgraph_outbox_${schema}`;

/**
 * Writes events to `schema`'s outbox inside the caller's transaction (transactional outbox,
 * README "Architecture"): they commit or roll back with the change they describe, and the dispatcher publishes
 * them after commit, in the order given. The same statement queues a NOTIFY on the schema's wake
 * channel, which PostgreSQL delivers only at commit, so the dispatcher wakes at once
 * instead of at its next poll. One statement for all of a change's events: each round trip inside
 * the transaction is time before the commit, and so before delivery.
 *
 * @param tx a `withTenant` transaction acting for every event's `firmId` (RLS refuses any other firm).
 * @param schema the schema of the subgraph whose change the events describe.
 * @param events at least one: each a topic and its id-only payload (platform/event-bus.ts `TOPIC_PAYLOADS`).
 * @returns the events' ids, in order; each bus event keeps its id, so consumers can dedupe a re-publication.
 * @throws Error when `events` is empty.
 */
export async function enqueueEvents(tx: Tx, schema: OutboxSchema, events: readonly BusMessage[]): Promise<string[]> {
  if (events.length === 0) throw new Error('enqueueEvents needs at least one event');
  // UUIDv7 ids made in this order sort in it, and the dispatcher claims in (created_at, id) order.
  const rows = events.map((event) => ({
    firmId: event.firmId,
    id: newId(),
    topic: event.topic,
    payload: event.payload,
  }));
  const awaited = requestDeliveries.getStore();
  if (awaited) {
    const revocations = rows.filter((row) => row.topic === 'credential.revoked').map((row) => row.id);
    if (revocations.length > 0) onCommit(tx, () => revocations.forEach((id) => awaited.add(id)));
  }
  // PostgreSQL folds a transaction's identical notifications into one.
  await tx
    .insert(OUTBOX_TABLES[schema])
    .values(rows)
    .returning({ wake: sql`pg_notify(${wakeChannel(schema)}, '')` });
  return rows.map((row) => row.id);
}

/** The committed revocation events of the request being served (see `trackDeliveries`). */
const requestDeliveries = new AsyncLocalStorage<Set<string>>();

/**
 * Runs `work` (one request to a subgraph) tracking the `credential.revoked` events it commits to
 * an outbox, so the request's answer can wait for their delivery (`deliveryWaiter`): a client that
 * revokes a credential and at once uses it finds every gateway told already.
 * @returns `work`'s result, and the ids of the events committed while it ran (filled as it runs).
 */
export function trackDeliveries<T>(work: () => T): T {
  return requestDeliveries.run(new Set(), work);
}

/** The ids of the revocation events the current request (`trackDeliveries`) has committed so far. */
export function committedRevocations(): readonly string[] {
  return [...(requestDeliveries.getStore() ?? [])];
}

/**
 * Watches the bus for published events by id, so a request can wait until the outbox dispatcher
 * has published its revocations and the bus has carried them back to this process: by then the
 * bus has sent them to every subscriber, every gateway included (Redis pub/sub and PostgreSQL
 * NOTIFY fan out to all listeners at once; README "Authentication").
 */
export async function deliveryWaiter(eventBus: EventBus): Promise<{
  /** Resolves true when every id has come back, false after `timeoutMs` (the dispatcher or bus is slow or down). */
  delivered(ids: readonly string[], timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}> {
  const seen = new Set<string>();
  const waiting = new Map<string, Set<() => void>>();
  const unsubscribe = await eventBus.subscribe((event) => {
    if (event.topic !== 'credential.revoked') return;
    seen.add(event.id);
    if (seen.size > 10_000) seen.delete(seen.values().next().value!);
    for (const wake of waiting.get(event.id) ?? []) wake();
    waiting.delete(event.id);
  });
  const one = (id: string) =>
    seen.has(id)
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const wakers = waiting.get(id) ?? new Set();
          wakers.add(resolve);
          waiting.set(id, wakers);
        });
  return {
    delivered: async (ids, timeoutMs) => {
      if (ids.length === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const result = await Promise.race([Promise.all(ids.map(one)).then(() => true as const), timedOut]);
      clearTimeout(timer);
      if (!result) for (const id of ids) waiting.delete(id);
      return result;
    },
    close: async () => {
      await unsubscribe();
      for (const wakers of waiting.values()) for (const wake of wakers) wake();
      waiting.clear();
    },
  };
}

/** A running dispatcher. */
export interface OutboxDispatcher {
  /** Publishes whatever is pending now, then resolves (tests, and the loop itself). */
  flush(): Promise<void>;
  /** Stops polling and listening; an in-flight batch finishes first. */
  stop(): Promise<void>;
}

/**
 * Starts `schema`'s outbox dispatcher: it claims unpublished events of every firm, publishes each to
 * `eventBus` in commit order, and marks them published, all in one transaction per batch.
 *
 * Delivery is at least once, and nothing is lost:
 * - a process that dies between a change's commit and the publication leaves the row unpublished,
 *   and the next dispatcher (this process restarted, or another replica) publishes it;
 * - a process that dies after publishing but before its batch commits leaves the rows unpublished
 *   too, so they are published again with the same event ids; consumers dedupe by id.
 *
 * Reading every firm's rows: the tenant policy forbids that to the app role, so the batch goes
 * through `<schema>.claim_outbox_events` and `<schema>.mark_outbox_events_published` (migrations 0003, 0008, 0013),
 * SECURITY DEFINER functions that act as the owner on the outbox alone and return only ids, topics
 * and id-only payloads. The claim locks rows `FOR UPDATE SKIP LOCKED`, so replicas' dispatchers
 * share the work without publishing one event twice while both are alive.
 *
 * It wakes on the schema's wake channel (see `enqueueEvents`) and also polls every `pollIntervalMs`
 * (default 1000 ms), which covers missed notifications and rows left by a crashed process.
 * A failed batch is logged (event ids and topics only) and retried at the next wake or poll.
 * Every `pruneIntervalMs` (default an hour) it deletes events published more than a day ago
 * (`<schema>.prune_outbox_events`).
 *
 * @param batchSize events per transaction, 1-1000 (default 100).
 */
export async function startOutboxDispatcher(options: {
  schema: OutboxSchema;
  database: Database;
  eventBus: EventBus;
  log: Logger;
  pollIntervalMs?: number;
  pruneIntervalMs?: number;
  batchSize?: number;
}): Promise<OutboxDispatcher> {
  const { schema, database, eventBus } = options;
  const log = options.log.child({ component: 'outbox-dispatcher', schema });
  const functions = database.sql(schema);
  const batchSize = options.batchSize ?? 100;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;

  /** One batch; true when it was full, so more may be waiting. */
  const publishBatch = async (): Promise<boolean> =>
    database.sql.begin(async (tx) => {
      // The row was written from a `BusMessage`; `publish` validates it again before it leaves.
      const rows = await tx<{ firm_id: string; id: string; topic: BusEvent['topic']; payload: BusEvent['payload'] }[]>`
        select firm_id, id, topic, payload from ${functions}.claim_outbox_events(${batchSize})`;
      for (const row of rows) {
        await eventBus.publish({ id: row.id, firmId: row.firm_id, topic: row.topic, payload: row.payload } as BusEvent);
      }
      if (rows.length > 0) {
        await tx`select ${functions}.mark_outbox_events_published(${rows.map((row) => row.firm_id)}::uuid[], ${rows.map((row) => row.id)}::uuid[])`;
      }
      return rows.length === batchSize;
    });

  // One drain at a time; a wake-up during a drain runs one more after it.
  const flush = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          while (!stopped && (await publishBatch()));
        } while (again && !stopped);
      } catch (error) {
        log.error({ err: error }, 'outbox batch failed; retrying at the next poll');
      } finally {
        running = null;
      }
    })();
    return running;
  };

  const listener = await database.sql.listen(
    wakeChannel(schema),
    () => void flush(),
    () => void flush(),
  );
  const timer = setInterval(() => void flush(), options.pollIntervalMs ?? 1000);
  timer.unref();
  const pruner = setInterval(() => {
    pruneOutbox(database, schema, OUTBOX_RETENTION).catch((error: Error) =>
      log.error({ err: error }, 'outbox pruning failed'),
    );
  }, options.pruneIntervalMs ?? 3_600_000);
  pruner.unref();
  await flush();

  return {
    flush,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      clearInterval(pruner);
      await listener.unlisten();
      await running;
    },
  };
}

/** How long published events are kept before pruning: one day, as a PostgreSQL interval. */
const OUTBOX_RETENTION = '1 day';

/**
 * Deletes events of every firm from `schema`'s outbox published longer ago than `keep` (a
 * PostgreSQL interval, at least one minute; unpublished events are never deleted) through
 * `<schema>.prune_outbox_events`.
 * @returns how many were deleted.
 */
export async function pruneOutbox(database: Database, schema: OutboxSchema, keep: string): Promise<number> {
  const [row] = await database.sql<
    { pruned: number }[]
  >`select ${database.sql(schema)}.prune_outbox_events(${keep}::interval) as pruned`;
  return row!.pruned;
}
