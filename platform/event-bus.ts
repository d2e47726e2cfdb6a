import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import type { Logger } from './logger.ts';

const id = z.uuid();
const participant = { participantKind: z.enum(['STAFF', 'PORTAL']), participantId: id };

/**
 * A credential whose cached resolution a gateway must drop (gateway/credential-cache.ts), as
 * `<kind>:<uuid>`: `user:` (every session of the user), `session:` (one staff session), `firm:` (every
 * staff and portal session acting in the firm), `api_key:`,
 * `portal_user:`, `portal_session:`, `contact:` (every portal user of the contact),
 * `operator_session:` and `grant:` (a break-glass grant).
 */
const CredentialSubjectSchema = z
  .string()
  .regex(
    /^(user|session|firm|api_key|portal_user|portal_session|contact|operator_session|grant):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  );

/**
 * Every topic the bus carries and its payload. Payloads carry ids only, never message text
 * (README "Architecture", "observability without content"; a NOTIFY payload is also limited to 8000 bytes):
 * - `message.added`, `message.updated`: an edit and a deletion (tombstone) are both `message.updated`;
 * - `thread.updated`: after anything that changes a thread's last message or a participant's
 *   unread count (a message sent, edited or deleted, a thread read);
 * - `typing`: `participantId` is the user's or portal user's id; ephemeral, never stored;
 * - `presence.changed`: ephemeral, never stored;
 * - `credential.revoked`: access of the named subjects ended or narrowed in the event's firm (log-out,
 *   refresh-token reuse, a password change, a disabled user, a role change or removal from the firm,
 *   a revoked API key, break-glass grant or portal access, an unlinked contact); gateways drop the
 *   cached resolutions of those credentials (README "Authentication");
 * - `timer.changed`: the staff member `userId`'s running timer in the event's firm was `STARTED`,
 *   `STOPPED` or `DISCARDED` (subgraphs/billing/timers); `timeEntryId` is the DRAFT entry a stop
 *   recorded (on `STARTED`, the one the previous timer was stopped into), else null;
 * - `invoice.issued`, `invoice.voided`, `credit_note.issued`: an invoice of the client `clientId`
 *   was issued or voided, or credited by the credit note `creditNoteId` (subgraphs/billing/invoices).
 */
const TOPIC_PAYLOADS = {
  'message.added': z.strictObject({ threadId: id, clientId: id, messageId: id }),
  'message.updated': z.strictObject({ threadId: id, clientId: id, messageId: id }),
  'thread.updated': z.strictObject({ threadId: id, clientId: id }),
  typing: z.strictObject({ threadId: id, clientId: id, ...participant }),
  'presence.changed': z.strictObject({ clientId: id, ...participant, online: z.boolean() }),
  'credential.revoked': z.strictObject({ subjects: z.array(CredentialSubjectSchema).min(1).max(200) }),
  'timer.changed': z.strictObject({
    userId: id,
    change: z.enum(['STARTED', 'STOPPED', 'DISCARDED']),
    timeEntryId: id.nullable(),
  }),
  'invoice.issued': z.strictObject({ invoiceId: id, clientId: id }),
  'invoice.voided': z.strictObject({ invoiceId: id, clientId: id }),
  'credit_note.issued': z.strictObject({ creditNoteId: id, invoiceId: id, clientId: id }),
} as const;

/** Each topic's payload type. */
type BusPayloads = { [T in keyof typeof TOPIC_PAYLOADS]: z.infer<(typeof TOPIC_PAYLOADS)[T]> };

/** A topic the bus carries (see `TOPIC_PAYLOADS` for each one's payload and meaning). */
export type BusTopic = keyof BusPayloads;

/**
 * What happened, before it has an id: a topic and that topic's payload, in one firm. A
 * discriminated union on `topic`, so a writer cannot pair a topic with another topic's payload.
 */
export type BusMessage = { [T in BusTopic]: { firmId: string; topic: T; payload: BusPayloads[T] } }[BusTopic];

/**
 * One event on the bus. `id` is unique per event (UUIDv7; an outbox event keeps its row's id when
 * the dispatcher publishes it again after a crash), so consumers dedupe by it. `firmId` is the
 * tenant the event belongs to; a consumer delivers it only to subscribers acting in that firm.
 */
export type BusEvent = BusMessage & { id: string };

/**
 * Publish/subscribe between processes: every process that subscribes receives every event that
 * any process publishes, its own included. Delivery is at most once per publish (a subscriber that
 * is disconnected at the time misses it), which is why messages themselves are read back through
 * GraphQL (`thread.messages(last, before)`) and the bus carries only ids.
 */
export interface EventBus {
  /**
   * Sends `event` to every subscriber of every process.
   * @throws Error when the event is not a valid `BusEvent` or its JSON exceeds `MAX_EVENT_BYTES`.
   */
  publish(event: BusEvent): Promise<void>;
  /**
   * Calls `handler` for every event from every process, once per publish, from the moment the
   * returned promise resolves. A handler's exception is logged and does not stop delivery.
   * @returns a function that removes `handler`.
   */
  subscribe(handler: (event: BusEvent) => void): Promise<() => Promise<void>>;
  /**
   * Watches whether this process is receiving the bus, for consumers that must not trust what
   * they have not heard (the gateway's credential cache). While watched, the bus sends itself a
   * probe every `PROBE_INTERVAL_MS` on the same channel: it is live from the first probe it
   * receives back, and down when a probe is not back within `PROBE_TIMEOUT_MS`, or at once when
   * its transport reports a lost or re-established connection (events may have been missed). A
   * reconnection is reported as down, then live at the next probe received.
   * @returns a function that stops watching; the listener is called on every change, starting down.
   */
  watchLiveness(listener: (live: boolean) => void): () => void;
  /** Stops receiving and closes the bus's own connections (never the database pool it was given). */
  close(): Promise<void>;
}

/** The PostgreSQL channel and the Redis channel the bus uses. */
export const BUS_CHANNEL = 'firmgraph_events';

/** Milliseconds between liveness probes, and how long one may take before the bus counts as down. */
const PROBE_INTERVAL_MS = 500;
const PROBE_TIMEOUT_MS = 1500;

/** Largest event, as UTF-8 JSON: PostgreSQL's NOTIFY payload limit is 8000 bytes, less some headroom. */
export const MAX_EVENT_BYTES = 7900;

const eventOf = <T extends BusTopic>(topic: T) =>
  z.object({ id: z.uuid(), firmId: z.uuid(), topic: z.literal(topic), payload: TOPIC_PAYLOADS[topic] });

const EventSchema = z.discriminatedUnion('topic', [
  eventOf('message.added'),
  eventOf('message.updated'),
  eventOf('thread.updated'),
  eventOf('typing'),
  eventOf('presence.changed'),
  eventOf('credential.revoked'),
  eventOf('timer.changed'),
  eventOf('invoice.issued'),
  eventOf('invoice.voided'),
  eventOf('credit_note.issued'),
]);

/**
 * Validates and serializes an event.
 * @throws Error naming the problem (never the payload's values) when invalid or larger than `MAX_EVENT_BYTES`.
 */
function encode(event: BusEvent): string {
  const parsed = EventSchema.safeParse(event);
  if (!parsed.success)
    throw new Error(`Invalid bus event: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  const json = JSON.stringify(parsed.data);
  if (Buffer.byteLength(json) > MAX_EVENT_BYTES)
    throw new Error(`Bus event ${event.topic} is over ${MAX_EVENT_BYTES} bytes`);
  return json;
}

/**
 * Connects the event bus: Redis pub/sub on `redisUrl` when given (scale-out, README "Scale-out"),
 * otherwise PostgreSQL LISTEN/NOTIFY through `database`'s postgres.js client, which holds one
 * dedicated listening connection outside the pool and sends NOTIFY through the pool.
 *
 * Connections open lazily: a process that only publishes on PostgreSQL never listens.
 * Received messages that are not valid events (e.g. someone else publishing on the channel) are
 * dropped with a warning.
 */
export function connectEventBus(options: { database: Database; redisUrl?: string | null; log: Logger }): EventBus {
  const log = options.log.child({ component: 'event-bus' });
  const handlers = new Set<(event: BusEvent) => void>();
  const liveness = livenessProbe((json) => transport.send(json), log);
  const deliver = (raw: string) => {
    if (liveness.received(raw)) return;
    let parsed: BusEvent;
    try {
      parsed = EventSchema.parse(JSON.parse(raw));
    } catch {
      log.warn('dropped a malformed bus message');
      return;
    }
    for (const handler of handlers) {
      try {
        handler(parsed);
      } catch (error) {
        log.error({ err: error, topic: parsed.topic, eventId: parsed.id }, 'bus event handler failed');
      }
    }
  };
  const transport = options.redisUrl
    ? redisTransport(options.redisUrl, deliver, liveness.interrupted, log)
    : postgresTransport(options.database, deliver, liveness.interrupted);
  let listening: Promise<void> | null = null;
  const listen = () => {
    listening ??= transport.listen().catch((error: unknown) => {
      listening = null;
      throw error;
    });
    return listening;
  };

  return {
    publish: async (event) => transport.send(encode(event)),
    subscribe: async (handler) => {
      handlers.add(handler);
      await listen();
      return async () => {
        handlers.delete(handler);
      };
    },
    watchLiveness: (listener) => {
      listen().catch((error: unknown) => log.warn({ err: error }, 'bus listen failed; down until it succeeds'));
      return liveness.watch(listener, () => void listen().catch(() => {}));
    },
    close: async () => {
      handlers.clear();
      liveness.stop();
      await transport.close();
    },
  };
}

/**
 * The bus's liveness (see `EventBus.watchLiveness`): probes are `{"probe":"<process nonce>:<n>"}`
 * on the bus channel, which no event validates as, so other processes drop them unseen.
 */
function livenessProbe(send: (json: string) => Promise<void>, log: Logger) {
  const nonce = randomUUID();
  const listeners = new Set<(live: boolean) => void>();
  let live = false;
  let sequence = 0;
  let outstanding: { n: number; sentAt: number } | null = null;
  let timer: NodeJS.Timeout | null = null;
  const set = (next: boolean) => {
    if (next === live) return;
    live = next;
    if (!live) log.warn('event bus is down: consumers stop trusting what they have not heard');
    for (const listener of listeners) listener(live);
  };
  const tick = (retryListen: () => void) => {
    if (outstanding && Date.now() - outstanding.sentAt > PROBE_TIMEOUT_MS) {
      set(false);
      retryListen();
    }
    if (!outstanding || Date.now() - outstanding.sentAt > PROBE_TIMEOUT_MS) {
      outstanding = { n: ++sequence, sentAt: Date.now() };
      send(JSON.stringify({ probe: `${nonce}:${outstanding.n}` })).catch(() => set(false));
    }
  };
  return {
    /** True when `raw` was a probe (this process's or another's), which is then not an event. */
    received(raw: string): boolean {
      if (!raw.startsWith('{"probe":')) return false;
      const probe = /^\{"probe":"([0-9a-f-]{36}):(\d+)"\}$/.exec(raw);
      if (probe?.[1] === nonce && outstanding && Number(probe[2]) === outstanding.n) {
        outstanding = null;
        set(true);
      }
      return true;
    },
    /** The transport lost its connection or re-established it: what was sent meanwhile may be lost. */
    interrupted(): void {
      outstanding = null;
      set(false);
    },
    watch(listener: (live: boolean) => void, retryListen: () => void): () => void {
      listeners.add(listener);
      listener(live);
      if (!timer) {
        tick(retryListen);
        timer = setInterval(() => tick(retryListen), PROBE_INTERVAL_MS);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      };
    },
    stop(): void {
      listeners.clear();
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

interface Transport {
  send(json: string): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

function postgresTransport(database: Database, deliver: (raw: string) => void, interrupted: () => void): Transport {
  let unlisten: (() => Promise<void>) | null = null;
  let connected = false;
  return {
    send: async (json) => {
      await database.sql.notify(BUS_CHANNEL, json);
    },
    listen: async () => {
      // postgres.js re-listens on a new connection after losing one and calls this again.
      const request = await database.sql.listen(BUS_CHANNEL, deliver, () => {
        if (connected) interrupted();
        connected = true;
      });
      unlisten = () => request.unlisten();
    },
    close: async () => {
      await unlisten?.();
    },
  };
}

function redisTransport(url: string, deliver: (raw: string) => void, interrupted: () => void, log: Logger): Transport {
  // A Redis connection in subscriber mode cannot publish, so publishing and listening use one each.
  const options = { lazyConnect: true, maxRetriesPerRequest: 3 };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  for (const connection of [publisher, subscriber]) {
    connection.on('error', (error: Error) => log.warn({ err: error }, 'redis connection error'));
  }
  subscriber.on('message', (_channel: string, message: string) => deliver(message));
  // ioredis re-subscribes after reconnecting; whatever was published meanwhile is lost.
  subscriber.on('close', interrupted);
  return {
    send: async (json) => {
      await publisher.publish(BUS_CHANNEL, json);
    },
    listen: async () => {
      await subscriber.subscribe(BUS_CHANNEL);
    },
    // Disconnecting needs no reply from Redis, so closing never waits on a server that is gone.
    close: async () => {
      for (const connection of [publisher, subscriber]) connection.disconnect();
    },
  };
}
