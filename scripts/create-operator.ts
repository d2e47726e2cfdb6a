import { parseArgs } from 'node:util';
import { connectDatabase } from '../db/client.ts';
import { prepareDatabase } from '../db/setup.ts';
import { createPlatformOperator } from '../subgraphs/tenancy/break-glass/break-glass-service.ts';
import { runService } from './run-service.ts';

// `npm run operator:create -- --email ops@example.com --name "Ada Ops"`: creates a platform operator
// (there is no sign-up for operators). The password comes from OPERATOR_PASSWORD, or else from
// standard input (one line, e.g. `… < password.txt`), never from the command line, where it would
// sit in the shell history and the process list.
await runService('operator:create', async (config) => {
  const { values } = parseArgs({ options: { email: { type: 'string' }, name: { type: 'string' } } });
  if (!values.email || !values.name) {
    console.error(
      'usage: npm run operator:create -- --email <email> --name <full name>   (password on stdin or in OPERATOR_PASSWORD)',
    );
    process.exit(1);
  }
  const password = process.env.OPERATOR_PASSWORD ?? (await readStdin()).replace(/\r?\n$/, '');
  const prepared = await prepareDatabase(config);
  // Platform operators are tenancy's: the script acts as tenancy's role.
  const database = connectDatabase(prepared.serviceUrls.tenancy, {
    max: 1,
    applicationName: 'firmgraph-operator-create',
  });
  const result = await createPlatformOperator(database, { email: values.email, name: values.name, password });
  await database.close();
  await prepared.embedded?.stop();
  if (!result.operator) {
    console.error(`No operator created:\n${result.problems.join('\n')}`);
    process.exit(1);
  }
  console.log(`created platform operator ${result.operator.email} (${result.operator.id})`);
  process.exit(0);
});

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
