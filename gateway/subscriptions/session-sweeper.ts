import type { GraphQLError } from 'graphql';
import type { Logger } from '../../platform/logger.ts';
import type { Actor, RequestOrigin } from '../../platform/signed-context.ts';
import { CLOSE_CODES, closeConnection, identityKeyOf, type Connection } from './connection.ts';

/** One round of session re-checks: token to the identity key it stands for now (null: the session ended). */
export type SessionChecks = Map<string, Promise<string | null>>;

/** Re-authentication of open connections, shared by the sweeper and by event delivery (`createFanOut`). */
export interface SessionCheck {
  /**
   * Authenticates a connection's token again: resolves to the identity key it stands for now, or
   * null once its session has ended (UNAUTHENTICATED). One check per token in `checks`, so the
   * connections sharing a token (one sweep, one event) cost one lookup.
   * @throws (rejects with) any other error of `authenticate`.
   */
  currentIdentity(connection: Connection, checks: SessionChecks): Promise<string | null>;
  /**
   * True while `connection` may go on as `identity` (from `currentIdentity`); otherwise closes it:
   * 4401 when the session ended, 4403 when the identity changed (`CLOSE_CODES`).
   */
  admit(connection: Connection, identity: string | null): boolean;
}

/** The session check over the gateway's `authenticate` (UNAUTHENTICATED when the session ended). */
export function sessionCheck(
  authenticate: (authorization: string, origin: RequestOrigin) => Promise<Actor>,
): SessionCheck {
  return {
    currentIdentity: (connection, checks) => {
      let check = checks.get(connection.authorization);
      if (!check) {
        check = authenticate(connection.authorization, connection.origin).then(identityKeyOf, (error: unknown) => {
          if ((error as GraphQLError).extensions?.code !== 'UNAUTHENTICATED') throw error;
          return null;
        });
        checks.set(connection.authorization, check);
      }
      return check;
    },
    admit: (connection, identity) => {
      if (connection.closed) return false;
      if (identity === null) closeConnection(connection, CLOSE_CODES.unauthorized, 'Session ended or token expired');
      else if (identity !== connection.identityKey)
        closeConnection(connection, CLOSE_CODES.identityChanged, 'Identity changed; reconnect');
      return identity === connection.identityKey;
    },
  };
}

/**
 * Checks every open connection's session every `intervalMs` (`WS_SESSION_CHECK_MS`), once per token
 * per sweep, closing those whose session ended (4401) or whose identity changed (4403). A failed
 * check is logged and the connection kept until the next sweep. The timer does not keep the process alive.
 * @returns the function that stops the sweeper.
 */
export function startSessionSweeper(options: {
  connections: ReadonlySet<Connection>;
  intervalMs: number;
  sessions: SessionCheck;
  log: Logger;
}): () => void {
  const { connections, sessions, log } = options;
  const sweep = setInterval(() => {
    const checks: SessionChecks = new Map();
    for (const connection of connections) {
      if (connection.closed) continue;
      sessions.currentIdentity(connection, checks).then(
        (identity) => sessions.admit(connection, identity),
        (error: unknown) => log.warn({ err: error }, 'session re-check failed'),
      );
    }
  }, options.intervalMs);
  sweep.unref();
  return () => clearInterval(sweep);
}
