import { connectDatabase } from '../db/client.ts';
import { serviceDatabaseUrl } from '../db/setup.ts';
import { startGateway } from '../gateway/server.ts';
import { runService } from './run-service.ts';

// `npm run start:gateway`: the gateway alone, for scale-out. Needs DATABASE_GATEWAY_URL or DATABASE_URL
// (as firmgraph_gateway: rate-limit buckets without Redis, the event bus's LISTEN/NOTIFY) and the
// subgraph URLs (TENANCY_URL, CRM_URL, ...).
await runService('gateway', async (config, log) => {
  const url = serviceDatabaseUrl(config, 'gateway');
  if (!url)
    throw new Error(
      'DATABASE_GATEWAY_URL (or DATABASE_URL) is required to start the gateway alone; `npm start` runs everything on the embedded PostgreSQL.',
    );
  const database = connectDatabase(url, { max: config.databasePoolMax, applicationName: 'firmgraph-gateway' });
  const gateway = await startGateway({ config, database, log });
  return async () => {
    await gateway.stop();
    await database.close();
  };
});
