import { prepareDatabase } from '../db/setup.ts';
import { largeSeedOwnerEmail, LARGE_SEED_PASSWORD } from './seed-large/plan.ts';
import { LargeSeedError, seedLargeDataset } from './seed-large/seed.ts';
import { runService } from './run-service.ts';

// `npm run seed:large -- --scale N`: migrates, then writes the large benchmark dataset (50 firms)
// with COPY into the database of DATABASE_URL, or the embedded one under DATA_DIR.
const args = process.argv.slice(2);
const scaleAt = args.indexOf('--scale');
const scale = scaleAt >= 0 ? Number(args[scaleAt + 1]) : 1;
if (args.some((arg, i) => i !== scaleAt && (scaleAt < 0 || i !== scaleAt + 1)) || Number.isNaN(scale)) {
  console.error('usage: npm run seed:large -- [--scale N]   (N > 0, default 1)');
  process.exit(2);
}

await runService('seed-large', async (config) => {
  const prepared = await prepareDatabase(config);
  try {
    console.log(`Seeding the large dataset at scale ${scale}...`);
    const result = await seedLargeDataset(prepared.adminUrl, { scale, log: console.log });
    const total = Object.values(result.rows).reduce((sum, n) => sum + n, 0);
    console.log(`Seeded ${total.toLocaleString('en')} rows in ${(result.totalMs / 1000).toFixed(1)} s.`);
    console.log(`Log in as ${largeSeedOwnerEmail(1)} (the largest firm) / ${LARGE_SEED_PASSWORD}`);
  } catch (error) {
    console.error(error instanceof LargeSeedError ? `seed:large: ${error.message}` : error);
    process.exitCode = 1;
  } finally {
    await prepared.embedded?.stop();
  }
  process.exit(process.exitCode ?? 0);
});
