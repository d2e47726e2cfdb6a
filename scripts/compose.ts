import { writeFile } from 'node:fs/promises';
import { SUPERGRAPH_PATH } from '../platform/schema-files.ts';
import { composeSupergraph } from './compose-supergraph.ts';

// Writes schema/supergraph.graphql from schema/<subgraph>.graphql. Exit 1 on any composition error.
try {
  await writeFile(SUPERGRAPH_PATH, await composeSupergraph());
  console.log(`wrote ${SUPERGRAPH_PATH}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
