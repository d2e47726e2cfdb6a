import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApolloServer, ApolloServerPlugin, BaseContext, ContextFunction } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware, type ExpressContextFunctionArgument } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { GraphQLFormattedError } from 'graphql';
import { PUBLIC_ERROR_CODES } from './errors.ts';
import type { Logger } from './logger.ts';

/** Apollo Server's own codes for malformed operations; safe to pass through. */
const APOLLO_REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** Masked message of every unexpected error (README "Using the API"). */
const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/**
 * Apollo `formatError`: passes public codes through and masks everything else as
 * `INTERNAL_SERVER_ERROR`, keeping only a `requestId` (added by `observabilityPlugin`).
 */
export function maskError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && (PUBLIC_ERROR_CODES.has(code) || APOLLO_REQUEST_CODES.has(code))) {
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const requestId = formatted.extensions?.requestId;
  return {
    message: INTERNAL_ERROR_MESSAGE,
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
  };
}

/**
 * Logs one line per operation (name, duration, error codes) and the stack of unexpected errors,
 * all with the request id, and never the query text, variables or results. Adds `requestId` to
 * internal errors in the response so support can find the log line.
 */
export function observabilityPlugin<T extends BaseContext>(
  log: Logger,
  requestIdOf: (context: T) => string | undefined,
): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      const requestId = requestIdOf(contextValue);
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (typeof code !== 'string' || !(PUBLIC_ERROR_CODES.has(code) || APOLLO_REQUEST_CODES.has(code))) {
              log.error({ requestId, err: error.originalError ?? error }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ response, operationName, errors }) {
          if (response.body.kind === 'single') {
            for (const error of response.body.singleResult.errors ?? []) {
              if (error.extensions?.code === 'INTERNAL_SERVER_ERROR' && requestId) {
                (error.extensions as Record<string, unknown>).requestId = requestId;
              }
            }
          }
          log.info(
            {
              requestId,
              operationName: operationName ?? null,
              durationMs: Math.round((performance.now() - started) * 100) / 100,
              errorCodes: errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
            },
            'operation',
          );
        },
      };
    },
  };
}

/** A listening HTTP server. */
export interface RunningServer {
  /** `http://host:port`, with the port actually bound (useful with port 0). */
  url: string;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish, then runs the `onStop` hooks. */
  stop(): Promise<void>;
}

/**
 * Serves an Apollo Server on `POST /graphql` with `GET /healthz` (liveness) and `GET /readyz`.
 *
 * - JSON bodies over `bodyLimitBytes` get HTTP 413 before any GraphQL work.
 * - Shutdown drains in-flight requests (Apollo's drain plugin), then closes the server.
 *
 * @param build receives the http server (for the drain plugin) and returns the Apollo server to start.
 * @param readiness resolves to a map of checks; any `false` answers 503.
 * @param routes mounts further endpoints on the app, beside `/graphql` and the health checks.
 * @param trustProxy Express's `trust proxy` setting (which proxies' `X-Forwarded-For` sets `req.ip`); none by default.
 */
export async function serveGraphQL<TContext extends BaseContext>(options: {
  host: string;
  port: number;
  bodyLimitBytes: number;
  log: Logger;
  build: (drain: ApolloServerPlugin<TContext>) => ApolloServer<TContext>;
  context: ContextFunction<[ExpressContextFunctionArgument], TContext>;
  readiness: () => Promise<Record<string, boolean>>;
  onStop?: () => Promise<void>;
  routes?: (app: Express) => void;
  trustProxy?: boolean | number | string;
}): Promise<RunningServer & { httpServer: Server }> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  const httpServer = createServer(app);
  const apollo = options.build(ApolloServerPluginDrainHttpServer({ httpServer }) as ApolloServerPlugin<TContext>);
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await options.readiness().catch(() => ({ readiness: false }));
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  options.routes?.(app);
  app.use(
    '/graphql',
    express.json({ limit: options.bodyLimitBytes }),
    expressMiddleware(apollo, { context: options.context }),
  );
  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    const status = typeof error?.status === 'number' ? error.status : undefined;
    if (status === 413) {
      res
        .status(413)
        .json({ errors: [{ message: 'Request body too large', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    } else if (status === 400) {
      res.status(400).json({ errors: [{ message: 'Malformed JSON body', extensions: { code: 'BAD_REQUEST' } }] });
    } else {
      next(error);
    }
  };
  app.use(bodyErrors);

  httpServer.listen(options.port, options.host);
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    httpServer,
    stop: async () => {
      await apollo.stop();
      await options.onStop?.();
    },
  };
}
