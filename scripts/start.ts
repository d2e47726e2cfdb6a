import { connectDatabase } from '../db/client.ts';
import { prepareDatabase } from '../db/setup.ts';
import { DEMO_FIRM, DEMO_OWNER, DEMO_PORTAL_USER, seedDemoFirm } from './seed-data.ts';
import { runService } from './run-service.ts';
import { startStack } from './stack.ts';

// `npm start`: the database (embedded unless DATABASE_URL is set), migrations, the demo seed on an
// empty database, all four subgraphs and the gateway, in one process.
await runService('firmgraph', async (config, log) => {
  const started = performance.now();
  const prepared = await prepareDatabase(config);
  const database = connectDatabase(prepared.appUrl, { max: config.databasePoolMax, applicationName: 'firmgraph' });
  const seeded = await seedDemoFirm(database);
  const stack = await startStack({ config, database, log });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(
    [
      '',
      `FirmGraph is ready in ${seconds}s: ${stack.graphqlUrl}`,
      `Demo firm ${seeded.created ? 'seeded' : 'already present'}: log in as ${DEMO_OWNER.email} / ${DEMO_OWNER.password}`,
      `Client portal (logInPortal): ${DEMO_PORTAL_USER.email} / ${DEMO_PORTAL_USER.password}, firm code ${DEMO_FIRM.slug}`,
      '',
    ].join('\n'),
  );
  return async () => {
    await stack.stop();
    await database.close();
    await prepared.embedded?.stop();
  };
});
