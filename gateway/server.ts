import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  ApolloGateway,
  RemoteGraphQLDataSource,
  type GraphQLDataSource,
  type GraphQLDataSourceProcessOptions,
} from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { Request } from 'express';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Database } from '../db/client.ts';
import type { Config } from '../platform/config.ts';
import { connectEventBus } from '../platform/event-bus.ts';
import { introspectionClient, type IntrospectionEndpoint } from '../platform/introspection.ts';
import { PUBLIC_ERROR_CODES } from '../platform/errors.ts';
import { maskError, observabilityPlugin, serveGraphQL, type RunningServer } from '../platform/http.ts';
import type { Logger } from '../platform/logger.ts';
import { CONTEXT_HEADER, hmacKey, signContext, type Actor, type RequestOrigin } from '../platform/signed-context.ts';
import { databaseReady, type RunningSubgraph } from '../platform/subgraph-server.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../platform/subgraph-names.ts';
import { createAuthenticator } from './authenticate.ts';
import { mountDownloadProxy } from './download-proxy.ts';
import { connectCredentialCache } from './credential-cache.ts';
import { SUPERGRAPH_PATH } from '../platform/schema-files.ts';
import {
  beforeDeadline,
  deadlineFetch,
  operationTimeoutPlugin,
  startDeadline,
  withDeadline,
  type OperationDeadline,
} from './limits/operation-timeout.ts';
import { queryLimits } from './limits/query-limits.ts';
import { connectBuckets, rateLimitPlugin } from './limits/rate-limit.ts';
import { attachSubscriptionServer } from './subscriptions/subscription-server.ts';

/** Per-operation context of the gateway. */
interface GatewayContext {
  actor: Actor;
  requestId: string;
  origin: RequestOrigin;
  /** The identity signed for subgraphs (`x-firmgraph-context`), valid for 30 seconds. */
  signedContext: string;
  /** When the operation's subgraph fetches are aborted (`OPERATION_TIMEOUT_MS` after authentication starts). */
  deadline: OperationDeadline;
  /** Set when the gateway resolves a subscription event for a subscriber: the subscription paid its cost when it started. */
  eventDelivery?: true;
}

type FetcherResponse = Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0];

/** Forwards the signed context, and nothing the client sent, to a subgraph. */
class SignedContextDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  /** Sends the fetch under the operation's deadline (the data source's fetcher is `deadlineFetch`). */
  override process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): ReturnType<RemoteGraphQLDataSource<GatewayContext>['process']> {
    const deadline = 'deadline' in options.context ? options.context.deadline : undefined;
    return deadline ? withDeadline(deadline, () => super.process(options)) : super.process(options);
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if ('signedContext' in context) request.http?.headers.set(CONTEXT_HEADER, context.signedContext);
  }

  /**
   * A subgraph answers some client mistakes with a non-2xx status, e.g. HTTP 400 and
   * BAD_USER_INPUT when a variable fails a custom scalar the gateway cannot check. Relay such a
   * public error as it is; anything else becomes an internal error, masked later. Unlike the
   * default, this never copies the subgraph's URL or raw body into the client's error.
   */
  override async errorFromResponse(response: FetcherResponse): Promise<GraphQLError> {
    const body = (await response.json().catch(() => null)) as {
      errors?: { message?: unknown; extensions?: { code?: unknown } }[];
    } | null;
    const first = body?.errors?.[0];
    const code = first?.extensions?.code;
    if (typeof code === 'string' && PUBLIC_ERROR_CODES.has(code) && typeof first?.message === 'string') {
      return new GraphQLError(first.message, { extensions: { code } });
    }
    return new GraphQLError(`Subgraph answered HTTP ${response.status}`, {
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  }
}

/**
 * Sends the gateway's subgraph operations to a subgraph served by this same process
 * (`RunningSubgraph.execute`): the same signed context, verified by the subgraph as over HTTP, and
 * the same pipeline, without the HTTP hop. On the all-in-one stack that hop (socket writes, HTTP
 * parsing and JSON both ways) was most of the per-request CPU (docs/benchmarks.md).
 *
 * The operation's deadline applies as to a fetch (`beforeDeadline`): when it passes first, the
 * operation is cut off (`TIMEOUT`, HTTP 504) and the subgraph's work is left to finish on its own.
 */
class InProcessDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(private readonly subgraph: Pick<RunningSubgraph, 'execute'>) {}

  async process({
    request,
    context,
  }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<FormattedExecutionResult> {
    if (!('signedContext' in context)) throw new Error('A subgraph operation without the gateway context');
    const { query, variables, operationName } = request;
    if (!query) throw new Error('A subgraph operation without a query');
    const execution = this.subgraph.execute(
      { query, variables: variables ?? undefined, operationName: operationName ?? undefined },
      context.signedContext,
    );
    return beforeDeadline(context.deadline, execution);
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,100}$/;

/** Development only: the masked error keeps Apollo's stack trace, for the developer at the keyboard. */
function maskErrorKeepingStacktrace(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const masked = maskError(formatted);
  const stacktrace = formatted.extensions?.stacktrace;
  return stacktrace ? { ...masked, extensions: { ...masked.extensions, stacktrace } } : masked;
}

/**
 * Starts the public gateway: `@apollo/gateway` over the supergraph composed at build time
 * (`schema/supergraph.graphql`), served by `@apollo/server` on `/graphql`, with `/healthz`,
 * `/readyz` (database and every subgraph's `/healthz`) and the signed download links
 * `GET /downloads/:subgraph/:token`, and the signed upload forms `POST /uploads/:subgraph/:token`,
 * both forwarded to the subgraph (`mountDownloadProxy`).
 *
 * API limits (README "API limits", gateway/limits/): structural query limits, query cost and the
 * per-caller and per-firm leaky buckets, a per-operation timeout, CSRF prevention, no batched
 * requests. In production (`NODE_ENV=production`) introspection, field suggestions, stack traces
 * and the Sandbox page are off; in development they are on.
 *
 * Rate-limit buckets and the event bus live in Redis when `REDIS_URL` is set, else in PostgreSQL
 * (`tenancy.rate_limit_buckets`, LISTEN/NOTIFY on `database`).
 *
 * Subscriptions: a `graphql-ws` server on the same `/graphql` path (gateway/subscriptions/), fed
 * by the event bus, spending from the same buckets as HTTP; shutdown closes its sockets with 1001
 * before Apollo drains HTTP.
 *
 * @param options.subgraphUrls overrides the configured subgraph URLs (tests use free ports).
 * @param options.localSubgraphs subgraphs served by this same process (`npm start`): their
 *   operations go to `RunningSubgraph.execute` instead of over HTTP (`InProcessDataSource`).
 * @param options.localIntrospection tenancy's introspection endpoint when tenancy runs in this
 *   process: asked directly, still signed both ways; otherwise `POST /introspect` on tenancy's URL.
 */
export async function startGateway(options: {
  config: Config;
  database: Database;
  log: Logger;
  port?: number;
  subgraphUrls?: Record<SubgraphName, string>;
  localSubgraphs?: Partial<Record<SubgraphName, Pick<RunningSubgraph, 'execute'>>>;
  localIntrospection?: IntrospectionEndpoint;
}): Promise<RunningServer> {
  const { config, database } = options;
  const log = options.log.child({ component: 'gateway' });
  const subgraphUrls = options.subgraphUrls ?? config.subgraphUrls;
  const production = config.nodeEnv === 'production';
  const development = config.nodeEnv === 'development';
  const limits = queryLimits<GatewayContext>({ hideSuggestions: production });
  const buckets = connectBuckets({ database, config, log });
  const jwtKey = hmacKey(config.jwtSecret);
  const contextSigningKey = hmacKey(config.contextSigningSecret);
  const gateway = new ApolloGateway({
    supergraphSdl: await readFile(SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name }) => {
      const local = options.localSubgraphs?.[name as SubgraphName];
      // Node's fetch (undici) keeps connections to subgraphs alive; the default fetcher is slower here.
      return local
        ? new InProcessDataSource(local)
        : new SignedContextDataSource({ url: subgraphUrls[name as SubgraphName], fetcher: deadlineFetch });
    },
    logger: log,
  });
  let apiSchema: GraphQLSchema | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded }) => {
    apiSchema = loaded;
  });
  const bus = connectEventBus({ database, redisUrl: config.redisUrl, log });
  const credentialCache = await connectCredentialCache(bus, log);
  const authenticate = createAuthenticator({
    introspect: introspectionClient(
      options.localIntrospection ?? new URL('/introspect', subgraphUrls.tenancy),
      contextSigningKey,
    ),
    cache: credentialCache,
    jwtKey,
  });
  let apollo: ApolloServer<GatewayContext> | null = null;
  let subscriptions: Awaited<ReturnType<typeof attachSubscriptionServer>> | null = null;
  const rateLimits = rateLimitPlugin<GatewayContext>({
    store: buckets,
    limits: config.rateLimits,
    callerOf: (context) => ({ actor: context.actor, ip: context.origin.ip }),
  });

  const server = await serveGraphQL<GatewayContext>({
    host: config.host,
    port: options.port ?? config.gatewayPort,
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    log,
    routes: (app) => mountDownloadProxy(app, { subgraphUrls, timeoutMs: config.operationTimeoutMs, log }),
    onStop: async () => {
      await buckets.close();
      await credentialCache.close();
      await bus.close();
    },
    build: (drain: ApolloServerPlugin<GatewayContext>) =>
      (apollo = new ApolloServer<GatewayContext>({
        gateway,
        // runService owns SIGINT/SIGTERM: it drains every server, closes pools, then stops the database.
        stopOnTerminationSignals: false,
        nodeEnv: config.nodeEnv,
        introspection: !production,
        includeStacktraceInErrorResponses: development,
        formatError: development ? maskErrorKeepingStacktrace : maskError,
        // Apollo's defaults, stated: a GET, or a POST a browser may send cross-site without a preflight
        // (text/plain, form, multipart), executes only with a preflight header (`apollo-require-preflight`,
        // `x-apollo-operation-name`); an array of operations never does.
        csrfPrevention: true,
        allowBatchedHttpRequests: false,
        validationRules: limits.validationRules,
        parseOptions: limits.parseOptions,
        validationOptions: limits.validationOptions,
        plugins: [
          // Before HTTP drains: WebSocket clients are told the gateway is going away (1001).
          { serverWillStart: async () => ({ drainServer: async () => subscriptions?.close() }) },
          drain,
          // No HTTP cache hints: nothing sets @cacheControl, and responses are per caller.
          ApolloServerPluginCacheControlDisabled(),
          observabilityPlugin<GatewayContext>(log, (context) => context.requestId),
          limits.plugin,
          {
            requestDidStart: async (request) =>
              request.contextValue.eventDelivery ? undefined : rateLimits.requestDidStart!(request),
          },
          operationTimeoutPlugin<GatewayContext>((context) => context.deadline),
          ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
        ],
      })),
    context: async ({ req }: { req: Request }) => {
      const offered = req.headers['x-request-id'];
      const requestId = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
      const deadline = startDeadline(config.operationTimeoutMs);
      const origin = { ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null };
      const actor = await authenticate(req.headers.authorization, { requestId, origin, body: req.body });
      return {
        actor,
        requestId,
        origin,
        deadline,
        signedContext: await signContext({ actor, requestId, origin }, contextSigningKey),
      };
    },
    readiness: async () => {
      const checks: Record<string, boolean> = { database: await databaseReady(database) };
      await Promise.all(
        SUBGRAPH_NAMES.map(async (name) => {
          const health = new URL('/healthz', subgraphUrls[name]);
          checks[name] = await fetch(health, { signal: AbortSignal.timeout(2000) }).then(
            (r) => r.ok,
            () => false,
          );
        }),
      );
      return checks;
    },
  });
  subscriptions = await attachSubscriptionServer({
    httpServer: server.httpServer,
    schema: () => apiSchema!,
    checkDocument: limits.checkDocument,
    // Sockets re-check their session per event and on a timer, as they did before the cache: uncached.
    authenticate: (authorization, origin) =>
      authenticate(authorization, { requestId: randomUUID(), origin, body: undefined }, { fresh: true }),
    executeAs: async (actor, origin, query, variables): Promise<FormattedExecutionResult> => {
      const requestId = randomUUID();
      const contextValue: GatewayContext = {
        actor,
        requestId,
        origin,
        deadline: startDeadline(config.operationTimeoutMs),
        signedContext: await signContext({ actor, requestId, origin }, contextSigningKey),
        eventDelivery: true,
      };
      const response = await apollo!.executeOperation({ query, variables }, { contextValue });
      if (response.body.kind !== 'single') throw new Error('Unexpected incremental response');
      return response.body.singleResult;
    },
    bus,
    buckets,
    database,
    config,
    log,
  });
  log.info({ url: `${server.url}/graphql` }, 'gateway listening');
  return server;
}
