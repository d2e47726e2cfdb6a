import type { GraphQLSchema } from 'graphql';
import type { BusEvent } from '../../platform/event-bus.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ExecuteAs, LiveSubscription } from './connection.ts';
import { channelOf, resolveEvent, routeScopeOf, type QueryExecutor } from './event-execution.ts';
import type { SessionCheck, SessionChecks } from './session-sweeper.ts';

/** Event ids remembered for deduplication (the outbox publishes at least once). */
const DEDUPE_WINDOW = 10_000;

/**
 * How a result reaches the sockets: `'frames'`, one pre-serialized `next` frame per subscription
 * written straight to its socket (the payload serialized once per share key); `'graphql-ws'`, the
 * result pushed to each subscription's graphql-ws iterator, graphql-ws serializing and sending each
 * `next` itself. The fan-out bench compares the two (docs/benchmarks.md, `fan-out`).
 */
export type FanOutDelivery = 'frames' | 'graphql-ws';

/** The live subscriptions by route, and the delivery of bus events to them. */
export interface FanOut {
  /** Starts delivering the subscription's route's events to it. */
  add(subscription: LiveSubscription): void;
  /** Marks it ended and stops delivering to it. @returns false when it was not (or no longer) registered. */
  remove(subscription: LiveSubscription): boolean;
  /** The bus handler: delivers one event to every matching subscription. */
  onEvent(event: BusEvent): void;
}

/**
 * Fan-out of bus events to subscriptions (README "Real-time messaging"). Each event, deduplicated
 * by id over the last `DEDUPE_WINDOW` events, goes to the subscriptions of its route
 * (`firmId|channel|scope`: `channelOf` and `routeScopeOf`, event-execution.ts). Per share
 * key, it is resolved once through the supergraph under that identity (`resolveEvent`) while the
 * sessions are checked again beside it (`SessionCheck`, once per token); only connections that pass
 * get it, by default as one `next` frame per subscription written straight to the socket (the
 * serialized payload is the same for the whole group; only the frame's subscription id differs),
 * which the `fan-out` bench measured cheaper than graphql-ws's own `next` (`delivery`). A null result
 * (root field not visible) sends nothing. Executions run concurrently, but each share key's
 * deliveries, so each subscription's, follow bus order. A failed delivery is logged with the event
 * id and topic, never its payload.
 */
export function createFanOut(options: {
  /** The API schema, once loaded. */
  schema: () => GraphQLSchema;
  executeAs: ExecuteAs;
  sessions: SessionCheck;
  log: Logger;
  /** `'frames'` unless given. */
  delivery?: FanOutDelivery;
}): FanOut {
  const { sessions, log } = options;
  const delivery = options.delivery ?? 'frames';
  const routes = new Map<string, Set<LiveSubscription>>();
  const recentEvents = new Set<string>();
  /** Per share key, the delivery of its latest event: the next event's delivery waits for it, so each subscription gets events in bus order. */
  const deliveries = new Map<string, Promise<void>>();

  return {
    add: (subscription) => {
      const set = routes.get(subscription.route) ?? new Set();
      set.add(subscription);
      routes.set(subscription.route, set);
    },
    remove: (subscription) => {
      subscription.ended = true;
      const set = routes.get(subscription.route);
      if (!set?.delete(subscription)) return false;
      if (set.size === 0) routes.delete(subscription.route);
      return true;
    },
    onEvent: (event) => {
      if (recentEvents.has(event.id)) return;
      recentEvents.add(event.id);
      if (recentEvents.size > DEDUPE_WINDOW) recentEvents.delete(recentEvents.values().next().value!);
      // Revocations are the credential cache's (gateway/credential-cache.ts); no subscription field carries them.
      if (event.topic === 'credential.revoked') return;
      const subscriptions = routes.get(`${event.firmId}|${channelOf(event.topic)}|${String(routeScopeOf(event))}`);
      if (!subscriptions) return;
      const checks: SessionChecks = new Map();
      const groups = new Map<string, LiveSubscription[]>();
      for (const subscription of subscriptions) {
        const group = groups.get(subscription.shareKey);
        if (group) group.push(subscription);
        else groups.set(subscription.shareKey, [subscription]);
      }
      for (const [shareKey, group] of groups) {
        // The session checks run beside the execution (one round trip less); only connections that pass get the result.
        const first = group[0]!;
        const { actor, origin } = first.connection;
        const run: QueryExecutor = (query, variables) => options.executeAs(actor, origin, query, variables);
        const work = Promise.all([
          Promise.all(group.map((subscription) => sessions.currentIdentity(subscription.connection, checks))),
          resolveEvent({
            schema: options.schema(),
            document: first.document,
            variables: first.variables,
            event,
            run,
            portal: actor.kind === 'PORTAL',
          }),
        ]);
        const delivered = (deliveries.get(shareKey) ?? Promise.resolve())
          .then(() => work)
          .then(([identities, result]) => {
            const admitted = group.filter((subscription, i) => sessions.admit(subscription.connection, identities[i]!));
            if (!result) return;
            if (delivery === 'graphql-ws') {
              for (const subscription of admitted) if (!subscription.ended) subscription.push(result);
              return;
            }
            const payload = JSON.stringify(result);
            for (const subscription of admitted) {
              const { socket } = subscription.connection;
              if (!subscription.ended && socket.readyState === socket.OPEN)
                socket.send(`${subscription.framePrefix}${payload}}`);
            }
          })
          .catch((error: unknown) =>
            log.error({ err: error, eventId: event.id, topic: event.topic }, 'event delivery failed'),
          );
        deliveries.set(shareKey, delivered);
        void delivered.then(() => {
          if (deliveries.get(shareKey) === delivered) deliveries.delete(shareKey);
        });
      }
    },
  };
}
