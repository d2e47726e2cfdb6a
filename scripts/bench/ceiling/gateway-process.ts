/**
 * The engine-ceiling's gateway: a bare `@apollo/gateway` served by `@apollo/server`'s
 * `startStandaloneServer` on a free loopback port, started by engine-ceiling.ts as
 * `node scripts/bench/ceiling/gateway-process.ts <supergraph file> <fetcher>` with an IPC channel.
 * Node runs it without tsx, so it and everything it imports must stay erasable TypeScript. It
 * sends `{ type: 'ready', url }` once listening, and exits when its parent disconnects (or on
 * SIGTERM, by Apollo's own handler).
 *
 * Every setting is the library default (no plugins, no limits, no authentication, no context
 * signing) except the supergraph, whose subgraph URLs point at the ceiling's subgraphs, and, with
 * `<fetcher>` = `product`, the subgraph fetcher: our gateway's `deadlineFetch` (Node's fetch,
 * undici keep-alive) in place of the default `make-fetch-happen`.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { deadlineFetch } from '../../../gateway/limits/operation-timeout.ts';

/** Which subgraph fetcher the gateway uses: the library's default, or the one our product uses. */
export type CeilingFetcher = 'default' | 'product';

/** What the process tells its parent once it listens. */
export interface GatewayReady {
  type: 'ready';
  url: string;
}

const [supergraphPath = '', fetcher] = process.argv.slice(2);
if (fetcher !== 'default' && fetcher !== 'product')
  throw new Error(`usage: gateway-process.ts <supergraph file> <default|product>, not ${fetcher}`);
const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraphPath, 'utf8'),
  ...(fetcher === 'product'
    ? { buildService: ({ url }) => new RemoteGraphQLDataSource({ url, fetcher: deadlineFetch }) }
    : {}),
});
const { url } = await startStandaloneServer(new ApolloServer({ gateway }), { listen: { host: '127.0.0.1', port: 0 } });
process.once('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', url } satisfies GatewayReady);
