import type { Database } from '../db/client.ts';
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
 * Starts all four subgraphs and then the gateway in this process, sharing one pool. The gateway
 * executes the subgraphs in process (`RunningSubgraph.execute`), each still verifying the signed
 * context and applying its shield rules; each subgraph also listens on its own port, as when
 * started alone (`npm run start:subgraph`), for health checks and direct calls.
 * @param options.freePorts bind every server to a free port (tests) instead of the configured ones.
 * @param options.subgraphsOverHttp the gateway calls the subgraphs over HTTP, as a gateway started
 *   alone does (tests of that path).
 */
export async function startStack(options: {
  config: Config;
  database: Database;
  log: Logger;
  freePorts?: boolean;
  subgraphsOverHttp?: boolean;
}): Promise<Stack> {
  const { config, database, log, freePorts } = options;
  const entries = await Promise.all(
    (Object.keys(SUBGRAPHS) as SubgraphName[]).map(
      async (name) =>
        [
          name,
          await startSubgraph(SUBGRAPHS[name], { config, database, log, port: freePorts ? 0 : undefined }),
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
    database,
    log,
    port: freePorts ? 0 : undefined,
    subgraphUrls: freePorts ? subgraphUrls : undefined,
    localSubgraphs: options.subgraphsOverHttp ? undefined : subgraphs,
    localIntrospection: options.subgraphsOverHttp ? undefined : tenancyIntrospection(database, config),
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
