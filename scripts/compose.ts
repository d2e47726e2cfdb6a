import { readFile, writeFile } from 'node:fs/promises';
import { roleTableMarkdown } from '../platform/permissions.ts';
import { assembleSubgraphSdl, SCHEMA_DIR, SUPERGRAPH_PATH } from '../platform/schema-files.ts';
import { SUBGRAPH_NAMES } from '../platform/subgraph-names.ts';
import { composeSupergraph, README_PATH, withRoleTable } from './compose-supergraph.ts';

// Writes schema/<subgraph>.graphql from each subgraph's SDL fragments, schema/supergraph.graphql
// from those, and README.md's role table from platform/permissions.ts. Exit 1 on any error.
try {
  for (const name of SUBGRAPH_NAMES) {
    await writeFile(`${SCHEMA_DIR}${name}.graphql`, await assembleSubgraphSdl(name));
    console.log(`wrote ${SCHEMA_DIR}${name}.graphql`);
  }
  await writeFile(SUPERGRAPH_PATH, await composeSupergraph());
  console.log(`wrote ${SUPERGRAPH_PATH}`);
  await writeFile(README_PATH, withRoleTable(await readFile(README_PATH, 'utf8'), roleTableMarkdown()));
  console.log(`wrote the role table of ${README_PATH}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
