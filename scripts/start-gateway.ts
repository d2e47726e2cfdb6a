import { connectDatabase } from '../db/client.ts';
import { startGateway } from '../gateway/server.ts';
import { runService } from './run-service.ts';

// `npm run start:gateway`: the gateway alone, for scale-out. Needs DATABASE_APP_URL or DATABASE_URL
// (sessions are checked per request) and the subgraph URLs (TENANCY_URL, CRM_URL, ...).
await runService('gateway', async (config, log) => {
  const url = config.databaseAppUrl ?? config.databaseUrl;
  if (!url)
    throw new Error(
      'DATABASE_APP_URL (or DATABASE_URL) is required to start the gateway alone; `npm start` runs everything on the embedded PostgreSQL.',
    );
  const database = connectDatabase(url, { max: config.databasePoolMax, applicationName: 'firmgraph-gateway' });
  const gateway = await startGateway({ config, database, log });
  return async () => {
    await gateway.stop();
    await database.close();
  };
});
