import { writeFile } from 'node:fs/promises';
import { composeSupergraph, SUPERGRAPH_PATH } from '../gateway/compose.ts';

// Writes schema/supergraph.graphql from schema/<subgraph>.graphql. Exit 1 on any composition error.
try {
  await writeFile(SUPERGRAPH_PATH, await composeSupergraph());
  console.log(`wrote ${SUPERGRAPH_PATH}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
