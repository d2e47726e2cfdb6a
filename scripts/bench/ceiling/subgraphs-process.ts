/**
 * The engine-ceiling's subgraphs, one Node process for all four, started by engine-ceiling.ts as
 * `node scripts/bench/ceiling/subgraphs-process.ts` with an IPC channel. Node runs it without tsx,
 * so it and everything it imports must stay erasable TypeScript (no enums, no parameter properties).
 *
 * Each subgraph is `@apollo/server` (default settings) with `startStandaloneServer` on a free
 * loopback port, over `buildSubgraphSchema` of its real SDL (`schema/<name>.graphql`) and the
 * fixed resolvers of dashboard-fixture.ts. Once all four listen, the process sends
 * `{ type: 'ready', urls }` (each subgraph's URL); it exits when its parent disconnects (or on
 * SIGTERM, by Apollo's own handler).
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { readSubgraphSdl } from '../../../platform/schema-files.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../../platform/subgraph-names.ts';
import { CEILING_RESOLVERS } from './dashboard-fixture.ts';

/** What the process tells its parent once every subgraph listens. */
export interface SubgraphsReady {
  type: 'ready';
  urls: Record<SubgraphName, string>;
}

async function serve(name: SubgraphName): Promise<[SubgraphName, string]> {
  const schema = buildSubgraphSchema([
    { typeDefs: parse(await readSubgraphSdl(name)), resolvers: CEILING_RESOLVERS[name] },
  ]);
  const { url } = await startStandaloneServer(new ApolloServer({ schema }), { listen: { host: '127.0.0.1', port: 0 } });
  return [name, url];
}

const urls = Object.fromEntries(await Promise.all(SUBGRAPH_NAMES.map(serve))) as Record<SubgraphName, string>;
process.once('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', urls } satisfies SubgraphsReady);
