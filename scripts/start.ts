import { connectDatabase } from '../db/client.ts';
import { prepareDatabase } from '../db/setup.ts';
import { DEMO_FIRM, DEMO_OWNER, DEMO_PORTAL_USER, seedDemoFirm } from './seed-data.ts';
import { runService } from './run-service.ts';
import { closeServiceDatabases, connectServiceDatabases, startStack } from './stack.ts';

// `npm start`: the database (embedded unless DATABASE_URL is set), migrations, the demo seed on an
// empty database, all four subgraphs and the gateway, in one process, each with its own pool and role.
await runService('firmgraph', async (config, log) => {
  const started = performance.now();
  const prepared = await prepareDatabase(config);
  // The demo seed writes every subgraph's tables in one transaction: an operator task, as the admin.
  const seedPool = connectDatabase(prepared.adminUrl, { max: 1, applicationName: 'firmgraph-seed' });
  const seeded = await seedDemoFirm(seedPool).finally(() => seedPool.close());
  const databases = connectServiceDatabases(prepared.serviceUrls, {
    max: config.databasePoolMax,
    applicationName: 'firmgraph',
  });
  const stack = await startStack({ config, databases, log });
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
    await closeServiceDatabases(databases);
    await prepared.embedded?.stop();
  };
});
