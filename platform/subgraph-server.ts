import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import type { Express } from 'express';
import { GraphQLError, parse, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { deny, shield, type or } from 'graphql-shield';
import type { Database } from '../db/client.ts';
import { readSubgraphSdl } from './schema-files.ts';
import type { SubgraphName } from './subgraph-names.ts';
import { permissionDenialPlugin } from './audit.ts';
import type { Config } from './config.ts';
import { connectEventBus, type EventBus } from './event-bus.ts';
import { committedRevocations, deliveryWaiter, trackDeliveries } from './outbox.ts';
import { forbidden, unauthenticated } from './errors.ts';
import { maskError, observabilityPlugin, serveGraphQL, type RunningServer } from './http.ts';
import type { Logger } from './logger.ts';
import {
  CONTEXT_HEADER,
  hmacKey,
  verifyContext,
  type Actor,
  type RequestIdentity,
  type RequestOrigin,
} from './signed-context.ts';

/** What every subgraph resolver receives. Each subgraph adds its own per-request `loaders`. */
export interface SubgraphContext<TLoaders> {
  actor: Actor;
  requestId: string;
  /** The caller's IP and user agent as the gateway saw them, for the audit log only. */
  origin: RequestOrigin;
  database: Database;
  config: Config;
  log: Logger;
  /** DataLoaders created for this request only; never shared across requests. */
  loaders: TLoaders;
  /** The process's event bus, for ephemeral events (typing); durable events go through the outbox. */
  eventBus: EventBus;
}

/** graphql-shield's `ShieldRule` (a rule or a logic rule), which its package entry point does not export. */
type ShieldRule = Parameters<typeof or>[number];

/**
 * The names codegen's `Resolvers` (or one of its per-type resolver types) declares, without the
 * index signature `useIndexSignature` adds and without the `__resolveReference`-style hooks.
 */
type DeclaredNames<T> = keyof {
  [K in keyof T as string extends K ? never : K extends `__${string}` ? never : K]: true;
};

/** Fields `buildSubgraphSchema` adds to `Query`, which the SDL and so codegen do not know. */
type FederationFields<TType> = TType extends 'Query' ? '_entities' | '_service' : never;

/**
 * A graphql-shield rule tree keyed by the subgraph's real type and field names, from its codegen
 * `Resolvers` type (`subgraphs/<x>/__generated__/resolvers-types.ts`), so a misspelt type or field
 * does not compile. Each type gets one rule, or a rule per field with `'*'` for the fields not named
 * (graphql-shield's `IRules`). `_Service` and `Query._entities`/`_service` are federation's.
 */
export type RuleMap<TResolvers> = {
  [TType in DeclaredNames<TResolvers>]?:
    | ShieldRule
    | { [TField in DeclaredNames<NonNullable<TResolvers[TType]>> | FederationFields<TType> | '*']?: ShieldRule };
} & { _Service?: ShieldRule };

/** Everything that makes one subgraph: its resolvers, shield rules and loader factory. */
export interface SubgraphDefinition<TLoaders, TResolvers extends object> {
  name: SubgraphName;
  /** The codegen-typed resolver map (`Resolvers` of `__generated__/resolvers-types.ts`), merged by `mergeDisjoint`. */
  resolvers: TResolvers;
  /** graphql-shield rule tree, merged by `mergeDisjoint`. Anything not named is denied (`fallbackRule: deny`). */
  rules: RuleMap<TResolvers>;
  createLoaders(scope: { actor: Actor; database: Database }): TLoaders;
  /**
   * Private endpoints served beside `/graphql`, to the gateway only (tenancy: `POST /introspect`;
   * billing: `GET /downloads/:token`). `log` is the subgraph's logger.
   */
  mountRoutes?(app: Express, deps: { database: Database; config: Config; log: Logger }): void;
  /** Background work the subgraph's process runs while serving (the outbox dispatchers); resolves to its stop function. */
  startBackground?(deps: { database: Database; eventBus: EventBus; log: Logger }): Promise<() => Promise<void>>;
}

/** Any subgraph's definition, as the process starters (`scripts/stack.ts`) hold the four of them. */
export type AnySubgraphDefinition = SubgraphDefinition<unknown, object>;

/** `A & B & …` of a tuple of object types. */
type IntersectionOf<T extends readonly object[]> = T extends readonly [
  infer Head,
  ...infer Rest extends readonly object[],
]
  ? Head & IntersectionOf<Rest>
  : unknown;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * Merges the maps several modules contribute to one subgraph: resolver maps and rule maps type by
 * type (a module may add fields to `Query`, `Mutation` or another module's entity), loader sets key
 * by key. A value that is a plain object (a type's field map) merges with another module's field map
 * of the same type; anything else (a scalar, a shield rule, a DataLoader, a resolver) is a leaf.
 * The inputs are not modified.
 * @returns a new map holding every entry of every input.
 * @throws Error naming the entry (`Client.contacts`, `Money`, `clientById`) when two inputs define
 *   the same leaf, or one gives a whole-type value where another gives fields: a silent
 *   last-one-wins would let a module replace another's resolver or loosen its rule.
 */
export function mergeDisjoint<const TMaps extends readonly object[]>(...maps: TMaps): IntersectionOf<TMaps> {
  const merged: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [key, value] of Object.entries(map)) {
      const existing = merged[key];
      if (existing === undefined) {
        merged[key] = isPlainObject(value) ? Object.assign({}, value) : value;
        continue;
      }
      if (!isPlainObject(existing) || !isPlainObject(value)) throw new Error(`${key} is defined by two modules`);
      for (const [field, resolverOrRule] of Object.entries(value)) {
        if (field in existing) throw new Error(`${key}.${field} is defined by two modules`);
        existing[field] = resolverOrRule;
      }
    }
  }
  // The loop above put every entry of every input into `merged`, none twice.
  return merged as IntersectionOf<TMaps>;
}

/** Longest a request that revoked a credential waits for the revocation's delivery before answering. */
const REVOCATION_DELIVERY_TIMEOUT_MS = 2000;

/** Dependencies a subgraph process is started with. */
export interface SubgraphDeps {
  config: Config;
  database: Database;
  log: Logger;
  /** Overrides the configured port; 0 picks a free one (tests). */
  port?: number;
  /** The process's event bus; when omitted the subgraph connects its own (`REDIS_URL`, else PostgreSQL) and closes it on stop. */
  eventBus?: EventBus;
}

/**
 * Builds the subgraph's executable schema: `buildSubgraphSchema` over `schema/<name>.graphql`,
 * wrapped by graphql-shield with `fallbackRule: deny` and `allowExternalErrors: true`
 * (the first of the three walls in README.md, "Architecture"). Rules sit on entity types, so
 * `_entities` cannot bypass them.
 */
async function buildShieldedSchema<TLoaders, TResolvers extends object>(
  definition: SubgraphDefinition<TLoaders, TResolvers>,
) {
  const schema = await buildUnshieldedSchema(definition);
  const permissions = shield(definition.rules, {
    fallbackRule: deny,
    allowExternalErrors: true,
    fallbackError: () => forbidden(),
    debug: false,
  });
  return applyMiddleware(schema, permissions);
}

/**
 * `buildSubgraphSchema` over `schema/<name>.graphql` and the resolvers, without graphql-shield.
 * Only `buildShieldedSchema` and the `walls` benchmark's "without" side use it; no configuration
 * can serve it.
 */
export async function buildUnshieldedSchema<TLoaders, TResolvers extends object>(
  definition: SubgraphDefinition<TLoaders, TResolvers>,
): Promise<GraphQLSchema> {
  const typeDefs = parse(await readSubgraphSdl(definition.name));
  // codegen's `Resolvers` and @apollo/subgraph's `GraphQLResolverMap` describe the same runtime
  // shape, but TypeScript cannot relate codegen's stitching-resolver variants to it.
  const resolvers = definition.resolvers as GraphQLResolverMap<unknown>;
  return buildSubgraphSchema([{ typeDefs, resolvers }]);
}

/** One operation for a subgraph, as the gateway sends it. */
interface SubgraphRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** A subgraph served by this process: its HTTP server, and the same pipeline callable in process. */
export interface RunningSubgraph extends RunningServer {
  /**
   * Executes one operation exactly as a `POST /graphql` carrying `signedContext` in
   * `x-firmgraph-context` would be: the context is verified the same way (an invalid one is
   * answered with `UNAUTHENTICATED` and nothing runs), then the subgraph's Apollo Server pipeline
   * runs with its plugins, shield rules and error masking. Only the HTTP hop and the JSON round
   * trip are skipped: a gateway in the same process (`npm start`, `startStack`) calls this.
   * @returns the formatted result: data and masked errors, as the HTTP body would hold them.
   */
  execute(request: SubgraphRequest, signedContext: string): Promise<FormattedExecutionResult>;
}

/**
 * Starts one subgraph on its port, with its shielded schema (`buildShieldedSchema`). Every request
 * must carry a valid gateway-signed context in `x-firmgraph-context`; anything else is refused with
 * `UNAUTHENTICATED` (HTTP 401) before any GraphQL work, including hand-made `_entities` queries
 * sent straight to the port.
 */
export async function startSubgraph<TLoaders, TResolvers extends object>(
  definition: SubgraphDefinition<TLoaders, TResolvers>,
  deps: SubgraphDeps,
): Promise<RunningSubgraph> {
  return serveSubgraph(definition, await buildShieldedSchema(definition), deps);
}

/**
 * Serves `schema` as the subgraph `definition` names: signed-context verification, per-request
 * context and loaders, the event bus, background work, health checks and graceful stop. Production
 * serves only the shielded schema, through `startSubgraph`.
 */
export async function serveSubgraph<TLoaders, TResolvers extends object>(
  definition: SubgraphDefinition<TLoaders, TResolvers>,
  schema: GraphQLSchema,
  deps: SubgraphDeps,
): Promise<RunningSubgraph> {
  const { config, database } = deps;
  const log = deps.log.child({ subgraph: definition.name });
  const ownBus = deps.eventBus ? null : connectEventBus({ database, redisUrl: config.redisUrl, log });
  const eventBus = deps.eventBus ?? ownBus!;
  let stopBackground: (() => Promise<void>) | null = null;
  const key = hmacKey(config.contextSigningSecret);
  const development = config.nodeEnv !== 'production';
  type Context = SubgraphContext<TLoaders>;
  const contextFor = async (signedContext: string | undefined): Promise<Context> => {
    const identity: RequestIdentity | null = await verifyContext(signedContext, key);
    if (!identity) throw unauthenticated('A valid gateway-signed context is required', 401);
    return {
      actor: identity.actor,
      requestId: identity.requestId,
      origin: identity.origin,
      database,
      config,
      log,
      loaders: definition.createLoaders({ actor: identity.actor, database }),
      eventBus,
    };
  };
  let apollo: ApolloServer<Context> | null = null;
  const revocations = await deliveryWaiter(eventBus);

  const server = await serveGraphQL<Context>({
    host: config.host,
    port: deps.port ?? config.subgraphPorts[definition.name],
    bodyLimitBytes: config.bodyLimitBytes,
    log,
    build: (drain: ApolloServerPlugin<Context>) =>
      (apollo = new ApolloServer<Context>({
        schema,
        // runService owns SIGINT/SIGTERM: it drains every server, closes pools, then stops the database.
        stopOnTerminationSignals: false,
        introspection: development,
        includeStacktraceInErrorResponses: false,
        formatError: maskError,
        // No Apollo Studio here: inline tracing would only cost time on every request. No cache hints
        // either (no @cacheControl): Apollo's default cache-control plugin wraps every field's resolver
        // to compute a policy nobody reads, and makes every field's result asynchronous.
        plugins: [
          drain,
          ApolloServerPluginInlineTraceDisabled(),
          ApolloServerPluginCacheControlDisabled(),
          observabilityPlugin<Context>(log, (context) => context.requestId),
          permissionDenialPlugin<Context>(),
          {
            // A revocation is answered once every gateway has been told (platform/outbox.ts).
            requestDidStart: async () => ({
              willSendResponse: async ({ contextValue }) => {
                const ids = committedRevocations();
                if (ids.length > 0 && !(await revocations.delivered(ids, REVOCATION_DELIVERY_TIMEOUT_MS)))
                  contextValue.log.warn({ requestId: contextValue.requestId }, 'revocation not delivered in time');
              },
            }),
          },
        ],
      })),
    context: async ({ req }) => {
      const header = req.headers[CONTEXT_HEADER];
      return contextFor(typeof header === 'string' ? header : undefined);
    },
    readiness: async () => ({ database: await databaseReady(database) }),
    routes: (app) => {
      app.use('/graphql', (_req, _res, next) => trackDeliveries(next));
      definition.mountRoutes?.(app, { database, config, log });
    },
    onStop: async () => {
      await stopBackground?.();
      await revocations.close();
      await ownBus?.close();
    },
  });
  stopBackground = (await definition.startBackground?.({ database, eventBus, log })) ?? null;
  log.info({ url: `${server.url}/graphql` }, 'subgraph listening');
  const execute = async (request: SubgraphRequest, signedContext: string): Promise<FormattedExecutionResult> => {
    let contextValue: Context;
    try {
      contextValue = await contextFor(signedContext);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      return { errors: [{ message: error.message, extensions: { code: error.extensions.code } }] };
    }
    const response = await trackDeliveries(() => apollo!.executeOperation(request, { contextValue }));
    if (response.body.kind !== 'single') throw new Error('A subgraph answered with an incremental result');
    return response.body.singleResult;
  };
  return { ...server, execute };
}

/** True when a trivial query succeeds within 2 seconds. */
export async function databaseReady(database: Database): Promise<boolean> {
  try {
    await Promise.race([
      database.sql`select 1`,
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}
