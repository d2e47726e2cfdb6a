import { connectDatabase, type Database } from '../db/client.ts';
import { SERVICES, type Service } from '../db/roles.ts';
import { startGateway } from '../gateway/server.ts';
import { billingSubgraph } from '../subgraphs/billing/server.ts';
import type { Config } from '../platform/config.ts';
import type { RunningServer } from '../platform/http.ts';
import type { Logger } from '../platform/logger.ts';
import { crmSubgraph } from '../subgraphs/crm/server.ts';
import { documentsSubgraph } from '../subgraphs/documents/server.ts';
import { startSubgraph, type AnySubgraphDefinition, type RunningSubgraph } from '../platform/subgraph-server.ts';
import type { SubgraphName } from '../platform/subgraph-names.ts';
import { tenancyIntrospection } from '../subgraphs/tenancy/introspection/introspection-service.ts';
import { tenancySubgraph } from '../subgraphs/tenancy/server.ts';

/** Every subgraph definition by name. */
export const SUBGRAPHS: Record<SubgraphName, AnySubgraphDefinition> = {
  tenancy: tenancySubgraph,
  crm: crmSubgraph,
  billing: billingSubgraph,
  documents: documentsSubgraph,
};

/** One pool per service, each connected as that service's role (db/roles.ts `SERVICE_ROLES`). */
export type ServiceDatabases = Record<Service, Database>;

/**
 * Opens one pool per service on `urls` (db/setup.ts `PreparedDatabase.serviceUrls`), so each
 * subgraph and the gateway reach PostgreSQL only as their own role (README "Architecture").
 * @param options.max connections per pool (postgres.js opens them on demand).
 * @param options.applicationName prefix of each pool's `application_name`: `<prefix>-<service>`,
 *   so `pg_stat_activity` tells the services apart.
 */
export function connectServiceDatabases(
  urls: Record<Service, string>,
  options: { max: number; applicationName: string },
): ServiceDatabases {
  return Object.fromEntries(
    SERVICES.map((service) => [
      service,
      connectDatabase(urls[service], { max: options.max, applicationName: `${options.applicationName}-${service}` }),
    ]),
  ) as ServiceDatabases;
}

/** Closes every pool of `databases`, each waiting for its running queries (`Database.close`). */
export async function closeServiceDatabases(databases: ServiceDatabases): Promise<void> {
  await Promise.all(SERVICES.map((service) => databases[service].close()));
}

/** The gateway and four subgraphs running in one process. */
export interface Stack {
  /** The gateway's `/graphql` URL. */
  graphqlUrl: string;
  gateway: RunningServer;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  /** Stops the gateway, then the subgraphs, each draining in-flight requests. */
  stop(): Promise<void>;
}

/**
 * Starts all four subgraphs and then the gateway in this process, each on its own pool of
 * `databases` (its own role; the caller closes them after `stop`). The gateway
 * executes the subgraphs in process (`RunningSubgraph.execute`), each still verifying the signed
 * context and applying its shield rules; each subgraph also listens on its own port, as when
 * started alone (`npm run start:subgraph`), for health checks and direct calls.
 * @param options.freePorts bind every server to a free port (tests) instead of the configured ones.
 * @param options.subgraphsOverHttp the gateway calls the subgraphs over HTTP, as a gateway started
 *   alone does (tests of that path).
 */
export async function startStack(options: {
  config: Config;
  databases: ServiceDatabases;
  log: Logger;
  freePorts?: boolean;
  subgraphsOverHttp?: boolean;
}): Promise<Stack> {
  const { config, databases, log, freePorts } = options;
  const entries = await Promise.all(
    (Object.keys(SUBGRAPHS) as SubgraphName[]).map(
      async (name) =>
        [
          name,
          await startSubgraph(SUBGRAPHS[name], {
            config,
            database: databases[name],
            log,
            port: freePorts ? 0 : undefined,
          }),
        ] as const,
    ),
  );
  const subgraphs = Object.fromEntries(entries) as Record<SubgraphName, RunningSubgraph>;
  const subgraphUrls = Object.fromEntries(entries.map(([name, server]) => [name, `${server.url}/graphql`])) as Record<
    SubgraphName,
    string
  >;
  const gateway = await startGateway({
    config,
    database: databases.gateway,
    log,
    port: freePorts ? 0 : undefined,
    subgraphUrls: freePorts ? subgraphUrls : undefined,
    localSubgraphs: options.subgraphsOverHttp ? undefined : subgraphs,
    localIntrospection: options.subgraphsOverHttp ? undefined : tenancyIntrospection(databases.tenancy, config),
  });
  return {
    graphqlUrl: `${gateway.url}/graphql`,
    gateway,
    subgraphs,
    stop: async () => {
      await gateway.stop();
      await Promise.all(Object.values(subgraphs).map((server) => server.stop()));
    },
  };
}
