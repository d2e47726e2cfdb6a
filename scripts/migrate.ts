import { prepareDatabase } from '../db/setup.ts';
import { runService } from './run-service.ts';

// `npm run db:migrate`: creates the roles and applies pending migrations (embedded PostgreSQL when DATABASE_URL is unset).
await runService('migrate', async (config) => {
  const prepared = await prepareDatabase(config);
  console.log('migrations applied');
  await prepared.embedded?.stop();
  process.exit(0);
});
