import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Database } from '../../db/client.ts';
import type { Config } from '../../platform/config.ts';
import type { EventBus } from '../../platform/event-bus.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Actor, RequestOrigin } from '../../platform/signed-context.ts';
import type { BucketStore } from '../limits/buckets.ts';
import { postgresBuckets } from '../limits/rate-limit.ts';
import type { Connection, ExecuteAs } from './connection.ts';
import { createFanOut, type FanOutDelivery } from './fan-out.ts';
import { trackPresence } from './presence.ts';
import { attachProtocolAdapter } from './protocol-adapter.ts';
import { sessionCheck, startSessionSweeper } from './session-sweeper.ts';
import { subscribeAdmission, type CheckDocument } from './subscribe-admission.ts';

export { CLOSE_CODES } from './connection.ts';
export { MAX_FRAME_BYTES } from './protocol-adapter.ts';
export { MAX_SUBSCRIPTIONS_PER_CONNECTION } from './subscribe-admission.ts';

/** What `attachSubscriptionServer` needs from the gateway. */
export interface SubscriptionServerOptions {
  httpServer: Server;
  /** The gateway's API schema (the same one HTTP operations run against), once loaded. */
  schema: () => GraphQLSchema;
  /** Parses and validates with the HTTP limits (`queryLimits(...).checkDocument`). */
  checkDocument: CheckDocument;
  /** The gateway's `authenticate`, bound to its database and key. @throws UNAUTHENTICATED */
  authenticate: (authorization: string, origin: RequestOrigin) => Promise<Actor>;
  /** Runs a query through the gateway's Apollo pipeline under `actor` (shield, services and RLS apply). */
  executeAs: ExecuteAs;
  bus: EventBus;
  /** Where subscribes spend their cost: the gateway's store (Redis when `REDIS_URL` is set); PostgreSQL on `database` when absent. */
  buckets?: BucketStore;
  database: Database;
  config: Config;
  log: Logger;
  /** How events reach the sockets (`FanOutDelivery`): hand-written frames unless given; the fan-out bench sets it. */
  delivery?: FanOutDelivery;
}

/**
 * The gateway's `graphql-ws` server (README "Architecture") on the gateway's HTTP server, path `/graphql`.
 *
 * - **Upgrade**: only on `/graphql`; a browser's `Origin` must be in `WS_ALLOWED_ORIGINS` (HTTP 403
 *   otherwise). A request without `Origin` is not a browser's (browsers always send it) and is let
 *   through: the token, not ambient cookies, authenticates, so there is nothing to forge cross-site.
 * - **Authentication**: `connectionParams.authorization` (or `Authorization`), `Bearer <token>`, the
 *   same credentials as HTTP through the same `authenticate`. Anonymous or failing: close 4401.
 *   The session is checked again every `WS_SESSION_CHECK_MS`, at the token's `exp`, and before each
 *   event is delivered (once per token and event); an ended session closes 4401, a changed identity
 *   (e.g. membership removed, roles changed) 4403.
 * - **Operations**: subscriptions only; a query or mutation gets an error (send those over HTTP).
 *   Each document is parsed and validated against the API schema with the HTTP limits, its cost is
 *   spent from the caller's rate-limit buckets, and its thread or client must be visible to the
 *   caller (`messageThread(id)` / `client(id)` non-null; for a portal session, a client among its
 *   granted ones), else NOT_FOUND and no events. `timerChanged` takes no id: it is the caller's own
 *   timer, for staff with `time:write` only (FORBIDDEN otherwise).
 * - **Events**: for each bus event of a subscription's firm and thread or client (or, for
 *   `timerChanged`, the subscriber's own user id), the payload is
 *   resolved through the supergraph under the subscriber's identity (`resolveEvent`). Subscriptions
 *   whose identity (same user, API key or portal user, same firm, roles, scopes and clients),
 *   document and variables are equal share one execution and one serialized payload; results are
 *   never shared across identities. A payload goes out as a query would answer: partial data with
 *   its `errors`; one whose root field is null (not visible) is not sent. Each subscription
 *   receives its events in bus order.
 * - **Presence**: a staff or portal user is online on a client while it holds a subscription on it
 *   (or one of its threads) on this gateway; changes are published as `presence.changed`.
 * - **Limits**: see `CLOSE_CODES`, `MAX_SUBSCRIPTIONS_PER_CONNECTION`, `MAX_FRAME_BYTES`,
 *   `WS_MESSAGES_PER_SECOND`, `WS_MAX_CONNECTIONS_PER_USER` (per gateway process).
 *
 * The parts: the protocol adapter (protocol-adapter.ts: upgrade, authentication, socket limits),
 * subscribe admission (subscribe-admission.ts: limits, cost and visibility), fan-out (fan-out.ts),
 * presence (presence.ts) and the session sweeper (session-sweeper.ts).
 *
 * @returns `close()`, which closes every socket with 1001 and stops listening to the bus.
 */
export async function attachSubscriptionServer(
  options: SubscriptionServerOptions,
): Promise<{ close(): Promise<void> }> {
  const { config, bus } = options;
  const log = options.log.child({ component: 'subscriptions' });
  const connections = new Set<Connection>();
  const sessions = sessionCheck(options.authenticate);
  const presence = trackPresence(bus, log);
  const fanOut = createFanOut({
    schema: options.schema,
    executeAs: options.executeAs,
    sessions,
    log,
    delivery: options.delivery,
  });
  const unsubscribeBus = await bus.subscribe(fanOut.onEvent);
  const stopSweeper = startSessionSweeper({
    connections,
    intervalMs: config.subscriptions.sessionCheckMs,
    sessions,
    log,
  });
  const adapter = attachProtocolAdapter({
    httpServer: options.httpServer,
    limits: config.subscriptions,
    authenticate: options.authenticate,
    connections,
    admit: subscribeAdmission({
      schema: options.schema,
      checkDocument: options.checkDocument,
      executeAs: options.executeAs,
      buckets: options.buckets ?? postgresBuckets(options.database),
      rateLimits: config.rateLimits,
    }),
    onSubscribed: (subscription) => {
      fanOut.add(subscription);
      presence(subscription, 1);
    },
    onEnded: (subscription) => {
      if (fanOut.remove(subscription)) presence(subscription, -1);
    },
    log,
  });

  return {
    close: async () => {
      stopSweeper();
      adapter.stopUpgrades();
      await unsubscribeBus();
      await adapter.close();
    },
  };
}
