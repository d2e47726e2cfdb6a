import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSchema, type FormattedExecutionResult } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Database } from '../../db/client.ts';
import type { BusEvent, EventBus } from '../../platform/event-bus.ts';
import { newId } from '../../platform/ids.ts';
import { createLogger } from '../../platform/logger.ts';
import type { Actor } from '../../platform/signed-context.ts';
import { testConfig } from '../../tests/support/stack.ts';
import { subscribe, subscriptionClient } from '../../tests/support/ws-client.ts';
import { queryLimits } from '../limits/query-limits.ts';
import type { FanOutDelivery } from './fan-out.ts';
import { attachSubscriptionServer } from './subscription-server.ts';

// The delivery machinery alone: a stand-in API schema, bus and supergraph, so that one event's
// resolution can be made slower than the next one's.
const SCHEMA = buildSchema(`
  type Query { message(id: ID!): Message  messageThread(id: ID!): MessageThread }
  type Subscription { messageAdded(threadId: ID!): Message }
  type Message { id: ID!  body: String }
  type MessageThread { id: ID!  client: Client! }
  type Client { id: ID! }
`);
const MESSAGE_ADDED = 'subscription ($t: ID!) { messageAdded(threadId: $t) { id body } }';

const firmId = randomUUID();
const clientId = randomUUID();
const threadId = randomUUID();
const actor: Actor = { kind: 'STAFF', userId: randomUUID(), sessionId: randomUUID(), firmId, roles: ['OWNER'] };

/** Milliseconds the stand-in supergraph takes to load each message, by id (0 unless set). */
const loadDelays = new Map<string, number>();
/** Message ids in the order their loads started, and ended. */
const loads: string[] = [];
const loaded: string[] = [];
let visibilityChecks = 0;
const handlers = new Set<(event: BusEvent) => void>();
const bus: EventBus = {
  publish: async (event) => handlers.forEach((handler) => handler(event)),
  subscribe: async (handler) => {
    handlers.add(handler);
    return async () => void handlers.delete(handler);
  },
  watchLiveness: (listener) => {
    listener(true);
    return () => {};
  },
  close: async () => handlers.clear(),
};

/** Message ids whose body the stand-in supergraph fails to load (a partial result with an error). */
const failingBodies = new Set<string>();

/** A subscription server of the stand-in machinery on its own port, delivering with `delivery`. */
async function startServer(delivery: FanOutDelivery) {
  const httpServer = createServer();
  await new Promise<void>((listening) => httpServer.listen(0, '127.0.0.1', listening));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  const subscriptions = await attachSubscriptionServer({
    httpServer,
    schema: () => SCHEMA,
    checkDocument: queryLimits({ hideSuggestions: false }).checkDocument,
    authenticate: async () => actor,
    executeAs: async (_actor, _origin, query, variables): Promise<FormattedExecutionResult> => {
      if (query.includes('messageThread(id: $id)')) {
        visibilityChecks += 1;
        return { data: { entity: { id: variables.id, client: { id: clientId } } } };
      }
      const id = String(variables.eventEntityId);
      loads.push(id);
      await sleep(loadDelays.get(id) ?? 0);
      loaded.push(id);
      if (failingBodies.has(id))
        return {
          data: { entity: { __typename: 'Message', id, body: null } },
          errors: [{ message: 'Body unavailable', path: ['entity', 'body'], extensions: { code: 'UNAVAILABLE' } }],
        };
      return { data: { entity: { __typename: 'Message', id, body: `Body of ${id}` } } };
    },
    bus,
    database,
    config: testConfig({ WS_MAX_CONNECTIONS_PER_USER: '100' }),
    log: createLogger('silent', 'subscription-server-test'),
    delivery,
  });
  return {
    url,
    close: async () => {
      await subscriptions.close();
      await new Promise((closed) => httpServer.close(closed));
    },
  };
}

let database: Database;
/** The server with the production delivery (hand-written frames), and one with graphql-ws's own `next`. */
let servers: Record<FanOutDelivery, Awaited<ReturnType<typeof startServer>>>;
const clients: Client[] = [];

beforeAll(async () => {
  database = connectDatabase(inject('serviceUrls').gateway, { max: 2 });
  servers = { frames: await startServer('frames'), 'graphql-ws': await startServer('graphql-ws') };
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});

afterAll(async () => {
  await Promise.all(Object.values(servers ?? {}).map((server) => server.close()));
  await database?.close();
});

/**
 * Opens `count` connections of the actor to the server of `delivery` (hand-written frames unless
 * given), each subscribed to the thread's new messages, and waits until all are live.
 */
async function subscribers(count: number, delivery: FanOutDelivery = 'frames') {
  const expected = visibilityChecks + count;
  const subscribed = Array.from({ length: count }, () => {
    const client = subscriptionClient(servers[delivery].url, 'test-token');
    clients.push(client);
    return subscribe(client, MESSAGE_ADDED, { t: threadId });
  });
  while (visibilityChecks < expected) await sleep(10);
  // Each subscription joins its route right after its visibility check.
  await sleep(20);
  return subscribed;
}

function messageAdded(messageId: string): BusEvent {
  return { id: newId(), firmId, topic: 'message.added', payload: { threadId, clientId, messageId } };
}

describe('event delivery', () => {
  it("delivers each subscription's events in bus order, though a later event resolves first", async () => {
    const [subscription] = await subscribers(1);
    const slow = randomUUID();
    const fast = randomUUID();
    loadDelays.set(slow, 300);
    await bus.publish(messageAdded(slow));
    await bus.publish(messageAdded(fast));
    const results = await subscription!.waitFor(2);
    expect(results.map((result) => result.data!.messageAdded.id)).toEqual([slow, fast]);
    // The two executions ran side by side: the fast one ended first and waited to be sent.
    expect(loads.slice(-2)).toEqual([slow, fast]);
    expect(loaded.slice(-2)).toEqual([fast, slow]);
  });

  it('resolves an event once for identical subscriptions of one identity, and sends each the same payload', async () => {
    const subscribed = await subscribers(3);
    const messageId = randomUUID();
    await bus.publish(messageAdded(messageId));
    for (const subscription of subscribed) {
      expect(await subscription.waitFor(1)).toEqual([
        { data: { messageAdded: { id: messageId, body: `Body of ${messageId}` } } },
      ]);
    }
    expect(loads.filter((id) => id === messageId)).toHaveLength(1);
  });

  it('delivers an event published twice (the outbox publishes at least once) once', async () => {
    const [subscription] = await subscribers(1);
    const event = messageAdded(randomUUID());
    await bus.publish(event);
    await bus.publish(event);
    await subscription!.waitFor(1);
    await sleep(100);
    expect(subscription!.results).toHaveLength(1);
  });
});

describe("graphql-ws's own next (the fan-out bench's other delivery)", () => {
  it('sends what the hand-written frames send, in bus order, partial results with their errors included', async () => {
    const [frames] = await subscribers(1, 'frames');
    const [own] = await subscribers(1, 'graphql-ws');
    const partial = randomUUID();
    const whole = randomUUID();
    failingBodies.add(partial);
    loadDelays.set(partial, 100);
    await bus.publish(messageAdded(partial));
    await bus.publish(messageAdded(whole));
    const expected = [
      {
        data: { messageAdded: { id: partial, body: null } },
        errors: [{ message: 'Body unavailable', path: ['messageAdded', 'body'], extensions: { code: 'UNAVAILABLE' } }],
      },
      { data: { messageAdded: { id: whole, body: `Body of ${whole}` } } },
    ];
    expect(await frames!.waitFor(2)).toEqual(expected);
    expect(await own!.waitFor(2)).toEqual(expected);
  });
});
