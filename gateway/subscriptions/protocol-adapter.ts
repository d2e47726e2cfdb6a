import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult } from 'graphql';
import { CloseCode, makeServer, type SubscribePayload } from 'graphql-ws';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { principalOf, type Actor, type RequestOrigin } from '../../platform/signed-context.ts';
import { CLOSE_CODES, closeConnection, identityKeyOf, type Connection, type LiveSubscription } from './connection.ts';
import type { Admitted } from './subscribe-admission.ts';

/** Largest frame a client may send (ws `maxPayload`); a larger one closes the socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Milliseconds a client has to send `connection_init` after the upgrade (4408 otherwise). */
const CONNECTION_INIT_TIMEOUT_MS = 10_000;

/**
 * The graphql-ws protocol (`graphql-transport-ws`) on the gateway's HTTP server, path `/graphql`:
 * the upgrade, `connection_init`, `subscribe` and `complete`, and the socket limits. What a subscribe
 * may do is `options.admit`'s to decide; what it receives, the fan-out's. graphql-ws holds an
 * iterator per subscription: with hand-written frames (`createFanOut`'s default delivery) it stays
 * idle and serves only to learn when the subscription ends; with delivery `'graphql-ws'` it yields
 * what the fan-out pushes (`LiveSubscription.push`) and graphql-ws frames and sends each `next` itself.
 *
 * - **Upgrade**: only on `/graphql` (else HTTP 404); a browser's `Origin` must be in
 *   `WS_ALLOWED_ORIGINS` (HTTP 403 otherwise). A request without `Origin` is not a browser's
 *   (browsers always send it) and is let through: the token, not ambient cookies, authenticates, so
 *   there is nothing to forge cross-site.
 * - **Authentication**: `connectionParams.authorization` (or `Authorization`), `Bearer <token>`, the
 *   same credentials as HTTP through the same `authenticate`. Anonymous or failing: close 4401. The
 *   connection closes 4401 at the token's `exp` (JWTs; API keys have none).
 * - **Limits** (`CLOSE_CODES`): `WS_MAX_CONNECTIONS_PER_USER` connections per principal
 *   (`principalOf`) on this process (4431), `WS_MESSAGES_PER_SECOND` messages per socket, a token
 *   bucket holding one second's worth from the first message (4430), frames of `MAX_FRAME_BYTES`
 *   (1009), `connection_init` within 10 s (4408). A message that fails unexpectedly is logged and
 *   closes the socket with 4500.
 * - **Queries and mutations** never execute here (graphql-ws's `execute` answers an error; admission
 *   refuses them first).
 *
 * @returns `stopUpgrades()`, which stops accepting sockets, and `close()`, which closes every socket
 *   with 1001 and the WebSocket server.
 */
export function attachProtocolAdapter(options: {
  httpServer: Server;
  limits: Config['subscriptions'];
  /** The gateway's `authenticate`, bound to its database and key. @throws UNAUTHENTICATED */
  authenticate: (authorization: string, origin: RequestOrigin) => Promise<Actor>;
  /** Every open, authenticated connection: added at `connection_ack`, removed when its socket closes. */
  connections: Set<Connection>;
  admit: (connection: Connection, id: string, payload: SubscribePayload) => Promise<Admitted | GraphQLError[]>;
  /** A subscription passed admission and is in its connection's subscriptions. */
  onSubscribed: (subscription: LiveSubscription) => void;
  /** A subscription ended (completed, or its socket closed); may be called twice for one subscription. */
  onEnded: (subscription: LiveSubscription) => void;
  log: Logger;
}): { stopUpgrades(): void; close(): Promise<void> } {
  const { limits, connections, log } = options;
  const allowedOrigins = new Set(limits.allowedOrigins);
  const perPrincipal = new Map<string, number>();

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
      const admitted = await options.admit(connection, id, payload);
      if (Array.isArray(admitted)) return admitted;
      const { subscription, schema, document, variableValues } = admitted;
      const events = eventIterator();
      subscription.push = events.push;
      connection.subscriptions.set(id, subscription);
      options.onSubscribed(subscription);
      events.onEnd(() => {
        connection.subscriptions.delete(id);
        options.onEnded(subscription);
      });
      return { schema, document, variableValues, contextValue: { iterator: events.iterator } } as ExecutionArgs;
    },
    subscribe: (args) => (args.contextValue as { iterator: AsyncIterableIterator<ExecutionResult> }).iterator,
    // Pushed results are formatted already (resolveEvent: errors as JSON), where graphql-ws would call each error's toJSON().
    onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? (result as FormattedExecutionResult) : undefined),
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
        for (const subscription of connection.subscriptions.values()) options.onEnded(subscription);
        connection.subscriptions.clear();
      }
      void closed(code, reason.toString());
    });
  });

  return {
    stopUpgrades: () => options.httpServer.off('upgrade', onUpgrade),
    close: async () => {
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
 * The iterator a subscription hands graphql-ws: it yields the results `push`ed to it, in order (none
 * with hand-written frames, where the fan-out writes to the socket itself), and ends when graphql-ws
 * calls `return()` (the client's `complete`, or the socket closing), which runs `onEnd`. Results
 * pushed after that are dropped.
 */
function eventIterator(): {
  iterator: AsyncIterableIterator<FormattedExecutionResult>;
  push(result: FormattedExecutionResult): void;
  onEnd(fn: () => void): void;
} {
  let done = false;
  let end: (() => void) | null = null;
  const queued: FormattedExecutionResult[] = [];
  let waiting: ((result: IteratorResult<FormattedExecutionResult>) => void) | null = null;
  const iterator: AsyncIterableIterator<FormattedExecutionResult> = {
    next: () => {
      if (queued.length > 0) return Promise.resolve({ value: queued.shift()!, done: false });
      return done ? Promise.resolve({ value: undefined, done: true }) : new Promise((resolve) => (waiting = resolve));
    },
    return: () => {
      if (!done) {
        done = true;
        queued.length = 0;
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
  const push = (result: FormattedExecutionResult) => {
    if (done) return;
    if (waiting) {
      const wake = waiting;
      waiting = null;
      wake({ value: result, done: false });
    } else queued.push(result);
  };
  return { iterator, push, onEnd: (fn) => (end = fn) };
}
