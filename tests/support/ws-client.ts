import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { ResponseData } from './stack.ts';

/** The gateway's WebSocket URL for its HTTP `/graphql` URL. */
export function wsUrl(graphqlUrl: string): string {
  return graphqlUrl.replace(/^http/, 'ws');
}

/** How a socket ended. */
export interface Closed {
  code: number;
  reason: string;
}

/**
 * A raw `graphql-transport-ws` socket, for tests that need exact frames and close codes:
 * `messages` collects every parsed server message, `closed` resolves with the close code.
 */
export interface RawSocket {
  ws: WebSocket;
  messages: ResponseData[];
  closed: Promise<Closed>;
  send(message: Record<string, unknown>): void;
  /** Resolves with the first message (already received or future) that `match` accepts; rejects after `timeoutMs`. */
  next(match: (message: ResponseData) => boolean, timeoutMs?: number): Promise<ResponseData>;
}

/** Opens a raw socket (optionally with an `Origin` header); resolves once open, rejects with the HTTP status when the upgrade is refused. */
export async function openRawSocket(url: string, options: { origin?: string } = {}): Promise<RawSocket> {
  const ws = new WebSocket(url, 'graphql-transport-ws', options.origin ? { origin: options.origin } : {});
  const messages: ResponseData[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString()));
    for (const wake of waiters) wake();
  });
  const closed = new Promise<Closed>((resolve) =>
    ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    next: (match, timeoutMs = 10_000) =>
      waitUntil(
        waiters,
        () => messages.find(match),
        timeoutMs,
        () => `no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`,
      ),
  };
}

/** Opens a raw socket and completes `connection_init` with the token; resolves after `connection_ack`. */
export async function openAcknowledgedSocket(url: string, token: string): Promise<RawSocket> {
  const socket = await openRawSocket(url);
  socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  await socket.next((m) => m.type === 'connection_ack');
  return socket;
}

/** One subscription of a `graphql-ws` client: every result received, and its end. */
export interface Subscription {
  results: FormattedExecutionResult<ResponseData, unknown>[];
  /** Resolves when the server completes the subscription or rejects it (errors, if any). */
  ended: Promise<unknown[] | null>;
  /** Resolves once `count` results have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<FormattedExecutionResult<ResponseData, unknown>[]>;
  unsubscribe(): void;
}

/** A `graphql-ws` client (the package's own) for the gateway, authenticated with `token`. */
export function subscriptionClient(graphqlUrl: string, token: string, onClosed?: (event: Closed) => void): Client {
  return createClient({
    url: wsUrl(graphqlUrl),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
    on: { closed: (event) => onClosed?.(event as Closed) },
    onNonLazyError: () => {},
  });
}

/** Starts a subscription on `client` and collects its results. */
export function subscribe(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription {
  const results: FormattedExecutionResult<ResponseData, unknown>[] = [];
  const waiters = new Set<() => void>();
  let end!: (errors: unknown[] | null) => void;
  const ended = new Promise<unknown[] | null>((resolve) => (end = resolve));
  const unsubscribe = client.subscribe<ResponseData>(
    { query, variables },
    {
      next: (result) => {
        results.push(result);
        for (const wake of waiters) wake();
      },
      error: (error) => end(Array.isArray(error) ? error : [error]),
      complete: () => end(null),
    },
  );
  return {
    results,
    ended,
    unsubscribe,
    waitFor: (count, timeoutMs = 10_000) =>
      waitUntil(
        waiters,
        () => (results.length >= count ? results : undefined),
        timeoutMs,
        () => `expected ${count} results within ${timeoutMs} ms, got ${JSON.stringify(results)}`,
      ),
  };
}

/**
 * Resolves with `answer()`'s first defined value, asked now and again each time a wake function in
 * `waiters` is called (on each new message or result); rejects with `failure()` after `timeoutMs`.
 */
function waitUntil<T>(
  waiters: Set<() => void>,
  answer: () => T | undefined,
  timeoutMs: number,
  failure: () => string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(failure()));
    }, timeoutMs);
    const check = () => {
      const value = answer();
      if (value === undefined) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve(value);
    };
    waiters.add(check);
    check();
  });
}
