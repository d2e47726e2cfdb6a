import { join } from 'node:path';
import { readOrCreateDevSecrets, type Config } from '../platform/config.ts';
import { throughSocket } from './client.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded.ts';
import { migrateDatabase } from './migrate.ts';
import { appDatabaseUrl } from './roles.ts';

/** Connection strings of a migrated database, and the embedded server if one was started. */
export interface PreparedDatabase {
  /** Privileged connection (bootstrap, migrations, seeding checks). */
  adminUrl: string;
  /** The app role's connection: what every service uses. */
  appUrl: string;
  embedded: EmbeddedServer | null;
}

/**
 * Makes the database ready to serve: starts the embedded PostgreSQL when `DATABASE_URL` is unset
 * (data in `<DATA_DIR>/postgres`, port `EMBEDDED_PG_PORT`), creates the roles and applies
 * migrations. With `DATABASE_URL`, the app connects as `firmgraph_app` on the same server,
 * unless `DATABASE_APP_URL` says otherwise.
 *
 * @throws when the server cannot be reached or a migration fails.
 */
export async function prepareDatabase(config: Config): Promise<PreparedDatabase> {
  if (config.databaseUrl) {
    await migrateDatabase(config.databaseUrl);
    return {
      adminUrl: config.databaseUrl,
      appUrl: config.databaseAppUrl ?? appDatabaseUrl(config.databaseUrl, undefined),
      embedded: null,
    };
  }
  const secrets = readOrCreateDevSecrets(config.dataDir);
  const embedded = await startEmbeddedPostgres({
    dataDir: join(config.dataDir, 'postgres'),
    port: config.embeddedPgPort,
    password: secrets.postgresPassword,
    database: 'firmgraph',
    persistent: true,
  });
  await migrateDatabase(embedded.adminUrl, secrets.appDbPassword);
  return {
    adminUrl: embedded.adminUrl,
    appUrl: throughSocket(appDatabaseUrl(embedded.adminUrl, secrets.appDbPassword), embedded.socketDir),
    embedded,
  };
}
