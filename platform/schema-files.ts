import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SubgraphName } from './subgraph-names.ts';

/** Absolute path of `schema/`. */
export const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/** Absolute path of the committed supergraph artifact, which the gateway serves. */
export const SUPERGRAPH_PATH = `${SCHEMA_DIR}supergraph.graphql`;

/** Reads `schema/<name>.graphql`, the subgraph's SDL. */
export async function readSubgraphSdl(name: SubgraphName): Promise<string> {
  return readFile(`${SCHEMA_DIR}${name}.graphql`, 'utf8');
}
