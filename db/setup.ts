import { join } from 'node:path';
import { readOrCreateDevSecrets, type Config } from '../platform/config.ts';
import { throughSocket } from './client.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded.ts';
import { migrateDatabase } from './migrate.ts';
import { roleDatabaseUrl, SERVICE_ROLES, SERVICES, serviceDatabaseUrls, type Service } from './roles.ts';

/** Connection strings of a migrated database, and the embedded server if one was started. */
export interface PreparedDatabase {
  /** Privileged connection (bootstrap, migrations, the demo seed, seeding checks). */
  adminUrl: string;
  /** Each service's connection, as its own role (db/roles.ts `SERVICE_ROLES`). */
  serviceUrls: Record<Service, string>;
  embedded: EmbeddedServer | null;
}

/**
 * Where `service` connects when started alone (`npm run start:subgraph`, `start:gateway`): its
 * `DATABASE_<SERVICE>_URL`, else `DATABASE_URL` with the user replaced by the service's role and no
 * password (README "Configuration"); undefined when neither is set (the embedded server is only
 * started by `npm start`).
 */
export function serviceDatabaseUrl(config: Config, service: Service): string | undefined {
  if (config.databaseUrls[service]) return config.databaseUrls[service];
  return config.databaseUrl ? roleDatabaseUrl(config.databaseUrl, SERVICE_ROLES[service], undefined) : undefined;
}

/**
 * Makes the database ready to serve: starts the embedded PostgreSQL when `DATABASE_URL` is unset
 * (data in `<DATA_DIR>/postgres`, port `EMBEDDED_PG_PORT`), creates the roles and applies
 * migrations. With `DATABASE_URL`, each service connects as its role (`firmgraph_<service>`) on
 * the same server without a password, unless its `DATABASE_<SERVICE>_URL` says otherwise
 * (README "Configuration"). The embedded server's service roles share the development password
 * of `<DATA_DIR>/dev-secrets.json` and are reached through its Unix socket.
 *
 * @throws when the server cannot be reached or a migration fails.
 */
export async function prepareDatabase(config: Config): Promise<PreparedDatabase> {
  if (config.databaseUrl) {
    await migrateDatabase(config.databaseUrl);
    return {
      adminUrl: config.databaseUrl,
      serviceUrls: Object.fromEntries(
        SERVICES.map((service) => [service, serviceDatabaseUrl(config, service)!]),
      ) as Record<Service, string>,
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
  const urls = serviceDatabaseUrls(embedded.adminUrl, secrets.appDbPassword);
  return {
    adminUrl: embedded.adminUrl,
    serviceUrls: Object.fromEntries(
      SERVICES.map((service) => [service, throughSocket(urls[service], embedded.socketDir)]),
    ) as Record<Service, string>,
    embedded,
  };
}
