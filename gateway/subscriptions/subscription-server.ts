import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { CloseCode, makeServer } from 'graphql-ws';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Database } from '../../db/client.ts';
import type { Config } from '../../platform/config.ts';
import type { BusEvent, EventBus } from '../../platform/event-bus.ts';
import { notFound } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import { principalOf, type Actor, type RequestOrigin } from '../../platform/signed-context.ts';
import type { BucketStore } from '../limits/buckets.ts';
import { chargeOperation, postgresBuckets } from '../limits/rate-limit.ts';
import {
  participantSelectionSupported,
  resolveEvent,
  SUBSCRIPTION_FIELDS,
  type QueryExecutor,
} from './event-execution.ts';

/**
 * Close codes of the gateway's WebSocket (README "Real-time messaging"). graphql-ws's own: 4400
 * malformed message, 4401 subscribe before `connection_ack`, 4406 wrong subprotocol, 4408 no
 * `connection_init` in time, 4409 duplicate subscription id, 4429 a second `connection_init`; ws's
 * 1009 for a frame over `MAX_FRAME_BYTES`; 1001 when the gateway shuts down.
 */
export const CLOSE_CODES = {
  /** No, a bad or an expired token at `connection_init`; later: the token expired or the session ended. Reconnect with a fresh token. */
  unauthorized: CloseCode.Unauthorized,
  /** The caller's identity changed (removed from the firm, roles or grants changed): reconnect to subscribe as who you are now. */
  identityChanged: CloseCode.Forbidden,
  /** More messages than the per-connection rate allows. */
  tooManyMessages: 4430,
  /** More open connections than one user (or API key, portal user, operator) may hold on this gateway. */
  tooManyConnections: 4431,
  goingAway: 1001,
  frameTooLarge: 1009,
} as const;

/** Most live subscriptions one connection may hold; the next one gets an error. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 10;
/** Largest frame a client may send (ws `maxPayload`); a larger one closes the socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Milliseconds a client has to send `connection_init` after the upgrade (4408 otherwise). */
const CONNECTION_INIT_TIMEOUT_MS = 10_000;
/** Event ids remembered for deduplication (the outbox publishes at least once). */
const DEDUPE_WINDOW = 10_000;
/**
 * Characters of subscription documents remembered once they passed parsing and validation, the
 * most recently used kept: a few hundred typical documents, and a bounded amount of memory
 * whatever clients send.
 */
const CHECKED_DOCUMENT_CHARS = 256 * 1024;

/** One round of session re-checks: token to the identity key it stands for now (null: the session ended). */
type SessionChecks = Map<string, Promise<string | null>>;

/** What a connection knows about its caller. */
interface Connection {
  socket: WebSocket;
  authorization: string;
  actor: Exclude<Actor, { kind: 'ANONYMOUS' }>;
  /** Who the caller is for authorization: two connections with the same key see the same data (no session id). */
  identityKey: string;
  /** Key of the per-user connection count. */
  principal: string;
  origin: RequestOrigin;
  subscriptions: Map<string, LiveSubscription>;
  /** Closes the connection when its token expires. */
  expiry: NodeJS.Timeout | null;
  closed: boolean;
}

/** One live subscription of one connection. */
interface LiveSubscription {
  connection: Connection;
  /** `firmId|topic|scopeId`: the events it listens to. */
  route: string;
  /**
   * Subscriptions with equal share keys get the same payload for the same event: one execution
   * and one serialization serve them all. It names the identity, document and variables, so it
   * also fixes the route.
   */
  shareKey: string;
  document: DocumentNode;
  variables: Record<string, unknown>;
  /** The client the thread or client scope belongs to, for presence. */
  clientId: string;
  /** The `next` message of this subscription up to its payload: `{"id":<id>,"type":"next","payload":`. */
  framePrefix: string;
  /** Set when the client completes it or the connection closes: nothing more is sent for it. */
  ended: boolean;
}

/** What `attachSubscriptionServer` needs from the gateway. */
export interface SubscriptionServerOptions {
  httpServer: Server;
  /** The gateway's API schema (the same one HTTP operations run against), once loaded. */
  schema: () => GraphQLSchema;
  /** Parses and validates with the HTTP limits (`queryLimits(...).checkDocument`). */
  checkDocument: (
    schema: GraphQLSchema,
    source: string,
  ) => { document: DocumentNode | null; errors: readonly GraphQLError[] };
  /** The gateway's `authenticate`, bound to its database and key. @throws UNAUTHENTICATED */
  authenticate: (authorization: string, origin: RequestOrigin) => Promise<Actor>;
  /** Runs a query through the gateway's Apollo pipeline under `actor` (shield, services and RLS apply). */
  executeAs: (
    actor: Actor,
    origin: RequestOrigin,
    query: string,
    variables: Record<string, unknown>,
  ) => Promise<FormattedExecutionResult>;
  bus: EventBus;
  /** Where subscribes spend their cost: the gateway's store (Redis when `REDIS_URL` is set); PostgreSQL on `database` when absent. */
  buckets?: BucketStore;
  database: Database;
  config: Config;
  log: Logger;
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
 *   granted ones), else NOT_FOUND and no events.
 * - **Events**: for each bus event of a subscription's firm and thread or client, the payload is
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
 * @returns `close()`, which closes every socket with 1001 and stops listening to the bus.
 */
export async function attachSubscriptionServer(
  options: SubscriptionServerOptions,
): Promise<{ close(): Promise<void> }> {
  const { config, bus } = options;
  const buckets = options.buckets ?? postgresBuckets(options.database);
  const log = options.log.child({ component: 'subscriptions' });
  const limits = config.subscriptions;
  const allowedOrigins = new Set(limits.allowedOrigins);
  const connections = new Set<Connection>();
  const perPrincipal = new Map<string, number>();
  const routes = new Map<string, Set<LiveSubscription>>();
  const presence = new Map<string, number>();
  const recentEvents = new Set<string>();
  /** Per share key, the delivery of its latest event: the next event's delivery waits for it, so each subscription gets events in bus order. */
  const deliveries = new Map<string, Promise<void>>();

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (path !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  options.httpServer.on('upgrade', onUpgrade);

  /**
   * Authenticates a connection's token again: resolves to the identity key it stands for now, or
   * null once its session has ended (UNAUTHENTICATED). One check per token in `checks`, so the
   * connections sharing a token (one sweep, one event) cost one lookup.
   */
  const currentIdentity = (connection: Connection, checks: SessionChecks): Promise<string | null> => {
    let check = checks.get(connection.authorization);
    if (!check) {
      check = options
        .authenticate(connection.authorization, connection.origin)
        .then(identityKeyOf, (error: unknown) => {
          if ((error as GraphQLError).extensions?.code !== 'UNAUTHENTICATED') throw error;
          return null;
        });
      checks.set(connection.authorization, check);
    }
    return check;
  };

  /** True while `connection` may go on as `identity` (from `currentIdentity`); otherwise closes it: 4401 when the session ended, 4403 when the identity changed. */
  const admit = (connection: Connection, identity: string | null): boolean => {
    if (connection.closed) return false;
    if (identity === null) closeConnection(connection, CLOSE_CODES.unauthorized, 'Session ended or token expired');
    else if (identity !== connection.identityKey)
      closeConnection(connection, CLOSE_CODES.identityChanged, 'Identity changed; reconnect');
    return identity === connection.identityKey;
  };

  const closeConnection = (connection: Connection, code: number, reason: string) => {
    if (!connection.closed) connection.socket.close(code, reason);
  };

  const changePresence = (subscription: LiveSubscription, delta: 1 | -1) => {
    const { actor } = subscription.connection;
    if (actor.kind !== 'STAFF' && actor.kind !== 'PORTAL') return;
    const participantKind = actor.kind;
    const participantId = actor.kind === 'STAFF' ? actor.userId : actor.portalUserId;
    const key = `${actor.firmId}|${subscription.clientId}|${participantKind}|${participantId}`;
    const count = (presence.get(key) ?? 0) + delta;
    if (count === 0) presence.delete(key);
    else presence.set(key, count);
    if ((delta === 1 && count === 1) || count === 0) {
      const event: BusEvent = {
        id: newId(),
        firmId: actor.firmId!,
        topic: 'presence.changed',
        payload: { clientId: subscription.clientId, participantKind, participantId, online: count > 0 },
      };
      bus.publish(event).catch((error: unknown) => log.warn({ err: error }, 'presence publish failed'));
    }
  };

  const removeSubscription = (subscription: LiveSubscription) => {
    subscription.ended = true;
    const set = routes.get(subscription.route);
    if (!set?.delete(subscription)) return;
    if (set.size === 0) routes.delete(subscription.route);
    changePresence(subscription, -1);
  };

  /**
   * Delivers one bus event to every matching subscription: one execution and one serialization
   * per share key, then one `next` frame per subscription, written straight to its socket (the
   * payload is the same for the whole group; only the frame's subscription id differs).
   */
  const onEvent = (event: BusEvent) => {
    if (recentEvents.has(event.id)) return;
    recentEvents.add(event.id);
    if (recentEvents.size > DEDUPE_WINDOW) recentEvents.delete(recentEvents.values().next().value!);
    const scope =
      event.topic === 'presence.changed' || event.topic === 'thread.updated'
        ? event.payload.clientId
        : event.payload.threadId;
    const subscriptions = routes.get(`${event.firmId}|${event.topic}|${String(scope)}`);
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
        Promise.all(group.map((subscription) => currentIdentity(subscription.connection, checks))),
        resolveEvent({
          schema: options.schema(),
          document: first.document,
          variables: first.variables,
          event,
          run,
          portal: actor.kind === 'PORTAL',
        }),
      ]);
      // Executions run concurrently, but each share key's deliveries (so each subscription's) follow bus order.
      const delivery = (deliveries.get(shareKey) ?? Promise.resolve())
        .then(() => work)
        .then(([identities, result]) => {
          const admitted = group.filter((subscription, i) => admit(subscription.connection, identities[i]!));
          if (!result) return;
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
      deliveries.set(shareKey, delivery);
      void delivery.then(() => {
        if (deliveries.get(shareKey) === delivery) deliveries.delete(shareKey);
      });
    }
  };
  const unsubscribeBus = await bus.subscribe(onEvent);
  // Every connection's session, checked once per token per sweep.
  const sweep = setInterval(() => {
    const checks: SessionChecks = new Map();
    for (const connection of connections) {
      if (connection.closed) continue;
      currentIdentity(connection, checks).then(
        (identity) => admit(connection, identity),
        (error: unknown) => log.warn({ err: error }, 'session re-check failed'),
      );
    }
  }, limits.sessionCheckMs);
  sweep.unref();

  /**
   * `options.checkDocument`, remembering documents that passed (up to `CHECKED_DOCUMENT_CHARS` of
   * them, for the current schema): clients reconnecting after a deploy or a network blip send the
   * same few documents, and parsing and validating each again was the largest part of a
   * subscribe's CPU. Refusals are not remembered. ASTs are never mutated, so one document serves
   * every subscription of it.
   */
  let passed = { schema: null as GraphQLSchema | null, documents: new Map<string, DocumentNode>(), chars: 0 };
  const checkDocument = (
    schema: GraphQLSchema,
    source: string,
  ): ReturnType<SubscriptionServerOptions['checkDocument']> => {
    if (passed.schema !== schema) passed = { schema, documents: new Map(), chars: 0 };
    const known = passed.documents.get(source);
    if (known) {
      passed.documents.delete(source);
      passed.documents.set(source, known);
      return { document: known, errors: [] };
    }
    const checked = options.checkDocument(schema, source);
    if (checked.document) {
      passed.documents.set(source, checked.document);
      passed.chars += source.length;
      for (const oldest of passed.documents.keys()) {
        if (passed.chars <= CHECKED_DOCUMENT_CHARS) break;
        passed.documents.delete(oldest);
        passed.chars -= oldest.length;
      }
    }
    return checked;
  };

  /** Refuses a subscribe message with these errors (the socket stays open). */
  const refuse = (message: string, code: string): GraphQLError[] => [
    new GraphQLError(message, { extensions: { code } }),
  ];

  const server = makeServer<
    Record<string, unknown>,
    { connection?: Connection; socket: WebSocket; request: IncomingMessage }
  >({
    connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
    onConnect: async (ctx) => {
      const { socket, request } = ctx.extra;
      const params = ctx.connectionParams ?? {};
      const authorization = params.authorization ?? params.Authorization;
      const origin: RequestOrigin = {
        ip: request.socket.remoteAddress ?? null,
        userAgent: request.headers['user-agent'] ?? null,
      };
      let actor: Actor = { kind: 'ANONYMOUS' };
      if (typeof authorization === 'string' && authorization !== '') {
        try {
          actor = await options.authenticate(authorization, origin);
        } catch (error) {
          if ((error as GraphQLError).extensions?.code !== 'UNAUTHENTICATED') throw error;
        }
      }
      if (actor.kind === 'ANONYMOUS' || typeof authorization !== 'string') {
        socket.close(CLOSE_CODES.unauthorized, 'Unauthorized');
        return false;
      }
      const principal = principalOf(actor)!.key;
      if ((perPrincipal.get(principal) ?? 0) >= limits.maxConnectionsPerUser) {
        socket.close(CLOSE_CODES.tooManyConnections, 'Too many connections');
        return false;
      }
      if (socket.readyState !== socket.OPEN) return false;
      perPrincipal.set(principal, (perPrincipal.get(principal) ?? 0) + 1);
      const connection: Connection = {
        socket,
        authorization,
        actor,
        identityKey: identityKeyOf(actor),
        principal,
        origin,
        subscriptions: new Map(),
        expiry: null,
        closed: false,
      };
      (ctx.extra as { connection?: Connection }).connection = connection;
      connections.add(connection);
      const expiresAt = tokenExpiry(authorization);
      if (expiresAt !== null) {
        connection.expiry = setTimeout(
          () => closeConnection(connection, CLOSE_CODES.unauthorized, 'Token expired'),
          Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())),
        );
      }
      return true;
    },
    onSubscribe: async (ctx, id, payload) => {
      const connection = ctx.extra.connection!;
      if (connection.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        return refuse(
          `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection; complete one first.`,
          'SUBSCRIPTION_LIMIT',
        );
      }
      const schema = options.schema();
      const checked = checkDocument(schema, payload.query);
      if (!checked.document)
        return checked.errors.map(
          (e) =>
            new GraphQLError(e.message, { extensions: { code: e.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED' } }),
        );
      const document = checked.document;
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      const operation =
        operations.find((o) => o.name?.value === payload.operationName) ??
        (operations.length === 1 ? operations[0] : undefined);
      if (!operation) return refuse('Send one operation, or name the one to run with `operationName`.', 'BAD_REQUEST');
      if (operation.operation !== 'subscription') {
        return refuse(
          'Only subscriptions are served over WebSocket; send queries and mutations over HTTP POST /graphql.',
          'BAD_REQUEST',
        );
      }
      const rootField = operation.selectionSet.selections[0];
      const spec = rootField?.kind === Kind.FIELD ? SUBSCRIPTION_FIELDS[rootField.name.value] : undefined;
      if (!spec || rootField?.kind !== Kind.FIELD)
        return refuse('Select the subscription field directly, not through a fragment.', 'BAD_REQUEST');
      if (operation.variableDefinitions?.some((d) => d.variable.name.value === 'eventEntityId')) {
        return refuse('The variable name `$eventEntityId` is reserved; choose another.', 'BAD_REQUEST');
      }
      const rawVariables = payload.variables ?? {};
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
      if (coerced.errors)
        return coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } }));
      const fieldDefinition = schema.getSubscriptionType()!.getFields()[rootField.name.value]!;
      const scopeId = String(getArgumentValues(fieldDefinition, rootField, coerced.coerced)[spec.scope]);

      // The same cost and buckets as HTTP: a subscription is charged once, when it starts.
      const fragments = Object.fromEntries(
        document.definitions
          .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
          .map((d) => [d.name.value, d]),
      );
      let charge: Awaited<ReturnType<typeof chargeOperation>>;
      try {
        charge = await chargeOperation({
          store: buckets,
          limits: config.rateLimits,
          actor: connection.actor,
          ip: connection.origin.ip,
          schema,
          document,
          operation,
          variables: rawVariables,
        });
      } catch (error) {
        if (!(error instanceof GraphQLError) || error.extensions.code !== 'BAD_USER_INPUT') throw error;
        return [error];
      }
      // Over the socket the refusal keeps its code (and `retryAfterSeconds`), not its HTTP status and headers.
      if (charge.refusal) {
        const { http: _http, ...extensions } = charge.refusal.extensions;
        return [new GraphQLError(charge.refusal.message, { extensions })];
      }

      // Authorization at subscribe: the thread or client must be visible to this caller (NOT_FOUND alike for foreign and missing ids).
      // A portal session reaches exactly its granted clients (the actor's clientIds); root `client(id)` is staff-only.
      const visibility =
        spec.scope === 'threadId'
          ? await options.executeAs(
              connection.actor,
              connection.origin,
              'query ($id: ID!) { entity: messageThread(id: $id) { id client { id } } }',
              { id: scopeId },
            )
          : connection.actor.kind === 'PORTAL'
            ? { data: { entity: connection.actor.clientIds.includes(scopeId) ? { id: scopeId } : null } }
            : await options.executeAs(
                connection.actor,
                connection.origin,
                'query ($id: ID!) { entity: client(id: $id) { id } }',
                { id: scopeId },
              );
      const entity = visibility.data?.entity as { id: string; client?: { id: string } } | null | undefined;
      if (!entity)
        // The same message a query gets for the same missing id (platform/errors.ts `notFound`).
        return refuse(notFound(spec.scope === 'threadId' ? 'Thread' : 'Client').message, 'NOT_FOUND');
      // After the visibility check, so this refusal never tells a foreign thread from a missing one.
      if (
        (spec.topic === 'typing' || spec.topic === 'presence.changed') &&
        !participantSelectionSupported(document, rootField)
      ) {
        return refuse(
          'Only `id` and `__typename` of `participant` can be selected in typing and presence events.',
          'BAD_USER_INPUT',
        );
      }
      if (connection.closed || connection.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
        return refuse(
          `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection; complete one first.`,
          'SUBSCRIPTION_LIMIT',
        );
      }

      const events = idleIterator();
      const subscription: LiveSubscription = {
        connection,
        route: `${connection.actor.firmId}|${spec.topic}|${scopeId}`,
        shareKey: `${connection.identityKey}\n${payload.query}\n${operation.name?.value ?? ''}\n${JSON.stringify(rawVariables)}`,
        document: { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(fragments)] },
        variables: rawVariables,
        clientId: entity.client?.id ?? entity.id,
        framePrefix: `{"id":${JSON.stringify(id)},"type":"next","payload":`,
        ended: false,
      };
      connection.subscriptions.set(id, subscription);
      const set = routes.get(subscription.route) ?? new Set();
      set.add(subscription);
      routes.set(subscription.route, set);
      changePresence(subscription, 1);
      events.onEnd(() => {
        connection.subscriptions.delete(id);
        removeSubscription(subscription);
      });
      return {
        schema,
        document,
        variableValues: rawVariables,
        contextValue: { iterator: events.iterator },
      } as ExecutionArgs;
    },
    // Events are written by onEvent; graphql-ws holds this iterator only to learn when the subscription ends.
    subscribe: (args) => (args.contextValue as { iterator: AsyncIterableIterator<ExecutionResult> }).iterator,
    execute: () => ({ errors: [new GraphQLError('Only subscriptions are served over WebSocket.')] }),
  });

  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    // Token bucket of this socket's incoming messages, from the first one (connection_init included).
    const bucket = { allowance: limits.messagesPerSecond, refilledAt: Date.now() };
    // ws reports protocol violations (e.g. a frame over maxPayload) here, then closes the socket itself (1009, 1002).
    socket.on('error', (error: Error) => log.debug({ err: error }, 'websocket error'));
    const extra: { connection?: Connection; socket: WebSocket; request: IncomingMessage } = { socket, request };
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handler) => {
          socket.on('message', (data: Buffer) => {
            if (!takeMessageAllowance(bucket, limits.messagesPerSecond)) {
              socket.close(CLOSE_CODES.tooManyMessages, 'Too many messages');
              return;
            }
            handler(data.toString()).catch((error: unknown) => {
              log.error({ err: error }, 'subscription message failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          });
        },
      },
      extra,
    );
    socket.once('close', (code: number, reason: Buffer) => {
      const connection = extra.connection;
      if (connection) {
        connection.closed = true;
        if (connection.expiry) clearTimeout(connection.expiry);
        connections.delete(connection);
        const left = (perPrincipal.get(connection.principal) ?? 1) - 1;
        if (left === 0) perPrincipal.delete(connection.principal);
        else perPrincipal.set(connection.principal, left);
        for (const subscription of connection.subscriptions.values()) removeSubscription(subscription);
        connection.subscriptions.clear();
      }
      void closed(code, reason.toString());
    });
  });

  return {
    close: async () => {
      clearInterval(sweep);
      options.httpServer.off('upgrade', onUpgrade);
      await unsubscribeBus();
      for (const socket of wss.clients) socket.close(CLOSE_CODES.goingAway, 'Server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Spends one message from a socket's token bucket (`rate` a second, holding at most `rate`); false when empty. */
function takeMessageAllowance(bucket: { allowance: number; refilledAt: number }, rate: number): boolean {
  const now = Date.now();
  bucket.allowance = Math.min(rate, bucket.allowance + ((now - bucket.refilledAt) / 1000) * rate);
  bucket.refilledAt = now;
  if (bucket.allowance < 1) return false;
  bucket.allowance -= 1;
  return true;
}

/** Everything of the actor that authorization reads (its session id aside), in a stable order. */
function identityKeyOf(actor: Actor): string {
  const { sessionId: _sessionId, ...rest } = actor as Actor & { sessionId?: string };
  const sorted = Object.fromEntries(
    Object.entries(rest)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => [key, Array.isArray(value) ? [...value].sort() : value]),
  );
  return JSON.stringify(sorted);
}

/** When a JWT bearer token expires (ms since epoch), or null for credentials without an expiry claim (API keys). */
function tokenExpiry(authorization: string): number | null {
  try {
    const { exp } = decodeJwt(authorization.replace(/^Bearer /, ''));
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * The iterator a subscription hands graphql-ws: it yields nothing (onEvent writes the events) and
 * ends when graphql-ws calls `return()` (the client's `complete`, or the socket closing), which runs `onEnd`.
 */
function idleIterator(): { iterator: AsyncIterableIterator<never>; onEnd(fn: () => void): void } {
  let done = false;
  let end: (() => void) | null = null;
  let waiting: ((result: IteratorResult<never>) => void) | null = null;
  const iterator: AsyncIterableIterator<never> = {
    next: () =>
      done ? Promise.resolve({ value: undefined, done: true }) : new Promise((resolve) => (waiting = resolve)),
    return: () => {
      if (!done) {
        done = true;
        end?.();
        waiting?.({ value: undefined, done: true });
        waiting = null;
      }
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return { iterator, onEnd: (fn) => (end = fn) };
}
