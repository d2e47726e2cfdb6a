import { connectDatabase } from '../db/client.ts';
import { serviceDatabaseUrl } from '../db/setup.ts';
import { serviceUrlVariable } from '../platform/config.ts';
import { startSubgraph } from '../platform/subgraph-server.ts';
import { isSubgraphName, SUBGRAPH_NAMES } from '../platform/subgraph-names.ts';
import { runService } from './run-service.ts';
import { SUBGRAPHS } from './stack.ts';

// `npm run start:subgraph -- <name>`: one subgraph alone, for scale-out.
const name = process.argv[2] ?? '';
if (!isSubgraphName(name)) {
  console.error(`Usage: npm run start:subgraph -- <${SUBGRAPH_NAMES.join('|')}>`);
  process.exit(1);
}
await runService(`subgraph-${name}`, async (config, log) => {
  const url = serviceDatabaseUrl(config, name);
  if (!url)
    throw new Error(
      `${serviceUrlVariable(name)} (or DATABASE_URL) is required to start a subgraph alone; \`npm start\` runs everything on the embedded PostgreSQL.`,
    );
  const database = connectDatabase(url, { max: config.databasePoolMax, applicationName: `firmgraph-${name}` });
  const server = await startSubgraph(SUBGRAPHS[name], { config, database, log });
  return async () => {
    await server.stop();
    await database.close();
  };
});
