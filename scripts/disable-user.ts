import { parseArgs } from 'node:util';
import { connectDatabase } from '../db/client.ts';
import { prepareDatabase } from '../db/setup.ts';
import { disableUser } from '../subgraphs/tenancy/identity/identity-service.ts';
import { runService } from './run-service.ts';

// `npm run user:disable -- --email ana@example.com`: disables a staff user on the whole platform
// (e.g. a compromised or departed account) and ends every session of theirs at once.
await runService('user:disable', async (config) => {
  const { values } = parseArgs({ options: { email: { type: 'string' } } });
  if (!values.email) {
    console.error('usage: npm run user:disable -- --email <email>');
    process.exit(1);
  }
  const prepared = await prepareDatabase(config);
  // Platform users and sessions are tenancy's: the script acts as tenancy's role.
  const database = connectDatabase(prepared.serviceUrls.tenancy, { max: 1, applicationName: 'firmgraph-user-disable' });
  const outcome = await disableUser(database, { email: values.email });
  await database.close();
  await prepared.embedded?.stop();
  if (outcome === 'NOT_FOUND') {
    console.error(`No user has the email ${values.email}`);
    process.exit(1);
  }
  console.log(
    outcome === 'DISABLED'
      ? `disabled ${values.email}; every session ended`
      : `${values.email} was already disabled; every session ended`,
  );
  process.exit(0);
});
