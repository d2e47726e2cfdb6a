import { AsyncLocalStorage } from 'node:async_hooks';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { operationTimedOut } from '../../platform/errors.ts';

/** One operation's time limit at the gateway. */
export interface OperationDeadline {
  /** Aborts when the time limit passes; every subgraph fetch of the operation listens to it. */
  signal: AbortSignal;
  /** Set when the deadline cut off at least one subgraph fetch. */
  cutOff: boolean;
}

/** Starts an operation's clock: its subgraph fetches are aborted `timeoutMs` milliseconds from now. */
export function startDeadline(timeoutMs: number): OperationDeadline {
  return { signal: AbortSignal.timeout(timeoutMs), cutOff: false };
}

type SubgraphFetcher = NonNullable<RemoteGraphQLDataSource['fetcher']>;

const currentDeadline = new AsyncLocalStorage<OperationDeadline>();

/** Runs `work` (a data source's `process`) so that `deadlineFetch` inside it obeys `deadline`. */
export function withDeadline<R>(deadline: OperationDeadline, work: () => Promise<R>): Promise<R> {
  return currentDeadline.run(deadline, work);
}

/**
 * The gateway's fetcher for subgraph requests: Node's fetch (undici keeps connections alive),
 * aborted when the current operation's deadline passes (see `withDeadline`).
 */
export const deadlineFetch: SubgraphFetcher = async (input, init) => {
  const deadline = currentDeadline.getStore();
  try {
    // The gateway's bodies are strings or Buffers, which Node's fetch accepts.
    return await fetch(input, { ...(init as RequestInit), signal: deadline?.signal ?? null });
  } catch (error) {
    if (deadline?.signal.aborted) deadline.cutOff = true;
    throw error;
  }
};

/**
 * The same limit for a subgraph executed in this process, which cannot be aborted: resolves as
 * `work` does, unless the deadline passes first, in which case it rejects with the deadline's
 * reason and marks the operation cut off (`work` is left to finish on its own).
 */
export function beforeDeadline<R>(deadline: OperationDeadline, work: Promise<R>): Promise<R> {
  const { signal } = deadline;
  return new Promise((resolve, reject) => {
    const cutOff = () => {
      deadline.cutOff = true;
      reject(signal.reason);
    };
    if (signal.aborted) return cutOff();
    signal.addEventListener('abort', cutOff, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', cutOff));
  });
}

/**
 * Apollo plugin: when the deadline cut off a subgraph fetch, the client gets one clear error,
 * `TIMEOUT` with HTTP 504, instead of the partial result and the fetch failures. The subgraph sees
 * its request aborted; a mutation it already committed stays committed.
 */
export function operationTimeoutPlugin<T extends BaseContext>(
  deadlineOf: (context: T) => OperationDeadline,
): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ contextValue }) {
      return {
        async willSendResponse({ response }) {
          if (!deadlineOf(contextValue).cutOff || response.body.kind !== 'single') return;
          const { message, extensions } = operationTimedOut();
          response.http.status = 504;
          response.body.singleResult = {
            errors: [{ message, extensions: { code: extensions.code } }],
            ...(response.body.singleResult.extensions ? { extensions: response.body.singleResult.extensions } : {}),
          };
        },
      };
    },
  };
}
