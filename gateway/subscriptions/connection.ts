import type { DocumentNode, FormattedExecutionResult } from 'graphql';
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';
import type { Actor, RequestOrigin } from '../../platform/signed-context.ts';

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

/** Runs a query through the gateway's Apollo pipeline under `actor` (shield, services and RLS apply). */
export type ExecuteAs = (
  actor: Actor,
  origin: RequestOrigin,
  query: string,
  variables: Record<string, unknown>,
) => Promise<FormattedExecutionResult>;

/** What a connection knows about its caller. */
export interface Connection {
  socket: WebSocket;
  authorization: string;
  actor: Exclude<Actor, { kind: 'ANONYMOUS' }>;
  /** Who the caller is for authorization: two connections with the same key see the same data (no session id). */
  identityKey: string;
  /** Key of the per-user connection count (`principalOf(actor).key`). */
  principal: string;
  origin: RequestOrigin;
  subscriptions: Map<string, LiveSubscription>;
  /** Closes the connection when its token expires. */
  expiry: NodeJS.Timeout | null;
  closed: boolean;
}

/** One live subscription of one connection. */
export interface LiveSubscription {
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
  /** The client the thread or client scope belongs to, for presence; null for a subscription on the subscriber's own data (`timerChanged`). */
  clientId: string | null;
  /** The `next` message of this subscription up to its payload: `{"id":<id>,"type":"next","payload":`. */
  framePrefix: string;
  /**
   * Hands one event's result to graphql-ws (delivery `'graphql-ws'` of `createFanOut`): the
   * subscription's iterator yields it, and graphql-ws frames and sends the `next` message itself.
   * Set by the protocol adapter; unused with hand-written frames.
   */
  push: (result: FormattedExecutionResult) => void;
  /** Set when the client completes it or the connection closes: nothing more is sent for it. */
  ended: boolean;
}

/** Closes the connection's socket with `code` (one of `CLOSE_CODES`) and `reason`, unless it is closed already. */
export function closeConnection(connection: Connection, code: number, reason: string): void {
  if (!connection.closed) connection.socket.close(code, reason);
}

/**
 * Everything of the actor that authorization reads (its session id aside), in a stable order, as
 * JSON: two actors with equal keys see the same data, so their subscriptions may share executions.
 */
export function identityKeyOf(actor: Actor): string {
  const { sessionId: _sessionId, ...rest } = actor as Actor & { sessionId?: string };
  const sorted = Object.fromEntries(
    Object.entries(rest)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => [key, Array.isArray(value) ? [...value].sort() : value]),
  );
  return JSON.stringify(sorted);
}
