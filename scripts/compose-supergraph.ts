import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { readSubgraphSdl } from '../platform/schema-files.ts';
import { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES } from '../platform/subgraph-names.ts';

/**
 * Composes the four subgraph SDL files into a Federation 2 supergraph with `@apollo/composition`.
 *
 * The routing URLs in the result are the default local ports; the gateway replaces them with
 * its configured URLs at start, so the artifact stays environment-free.
 *
 * @returns the supergraph SDL text.
 * @throws Error listing every composition error when the subgraphs do not compose.
 */
export async function composeSupergraph(): Promise<string> {
  const services = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => ({
      name,
      url: `http://localhost:${DEFAULT_SUBGRAPH_PORTS[name]}/graphql`,
      typeDefs: parse(await readSubgraphSdl(name)),
    })),
  );
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Supergraph composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}
