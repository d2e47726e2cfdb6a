import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type FormattedExecutionResult } from 'graphql';
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

/** The text of a typed document, as sent over the socket (printed once per document, so always the same). */
const printed = new WeakMap<TypedDocumentNode<unknown, never>, string>();
function queryText(document: TypedDocumentNode<unknown, never>): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

/**
 * A `subscribe` message of `graphql-transport-ws` for a raw socket (`RawSocket.send`): the typed
 * document printed, with variables checked against it.
 */
export function subscribeMessage<TVariables>(
  id: string,
  document: TypedDocumentNode<unknown, TVariables>,
  variables: NoInfer<TVariables>,
): Record<string, unknown> {
  return { id, type: 'subscribe', payload: { query: queryText(document), variables } };
}

/** One subscription of a `graphql-ws` client: every result received, and its end. */
export interface Subscription<TResult = ResponseData> {
  results: FormattedExecutionResult<TResult, unknown>[];
  /** Resolves when the server completes the subscription or rejects it (errors, if any). */
  ended: Promise<unknown[] | null>;
  /** Resolves once `count` results have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<FormattedExecutionResult<TResult, unknown>[]>;
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

/**
 * Starts a subscription on `client` and collects its results, typed by the document (`graphql()`
 * of tests/gql). A query text is for documents not on the API schema (a stand-in schema's).
 */
export function subscribe<TResult, TVariables>(
  client: Client,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: NoInfer<TVariables>,
): Subscription<TResult>;
export function subscribe(client: Client, query: string, variables?: Record<string, unknown>): Subscription;
export function subscribe(
  client: Client,
  document: TypedDocumentNode<unknown, never> | string,
  variables: Record<string, unknown> = {},
): Subscription<unknown> {
  const query = typeof document === 'string' ? document : queryText(document);
  const results: FormattedExecutionResult<unknown, unknown>[] = [];
  const waiters = new Set<() => void>();
  let end!: (errors: unknown[] | null) => void;
  const ended = new Promise<unknown[] | null>((resolve) => (end = resolve));
  const unsubscribe = client.subscribe<unknown>(
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
