import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/subgraph-names.ts';

/** Absolute path of `schema/`. */
export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/** Absolute path of the committed supergraph artifact. */
export const SUPERGRAPH_PATH = `${SCHEMA_DIR}supergraph.graphql`;

/** Reads `schema/<name>.graphql`, the subgraph's SDL. */
export async function readSubgraphSdl(name: SubgraphName): Promise<string> {
  return readFile(`${SCHEMA_DIR}${name}.graphql`, 'utf8');
}

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
