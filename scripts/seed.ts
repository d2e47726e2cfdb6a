import { connectDatabase } from '../db/client.ts';
import { prepareDatabase } from '../db/setup.ts';
import { runService } from './run-service.ts';
import { DEMO_OWNER, seedDemoFirm } from './seed-data.ts';

// `npm run seed`: migrates, then seeds the demo firm unless it exists (idempotent). The seed writes
// every subgraph's tables in one transaction, which no service role may: it runs as the admin.
await runService('seed', async (config) => {
  const prepared = await prepareDatabase(config);
  const database = connectDatabase(prepared.adminUrl, { max: 2, applicationName: 'firmgraph-seed' });
  const { created } = await seedDemoFirm(database);
  console.log(
    created ? `seeded the demo firm; log in as ${DEMO_OWNER.email}` : 'the demo firm already exists; nothing written',
  );
  await database.close();
  await prepared.embedded?.stop();
  process.exit(0);
});
