import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { postgresClient } from './client.ts';
import { LEGACY_APP_ROLE, OWNER_ROLE, SERVICE_ROLES, SERVICES } from './roles.ts';

/** Absolute path of the committed drizzle-kit migrations. */
const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Prepares a database and applies every pending migration.
 *
 * 1. As the admin connection: creates, if missing, `firmgraph_owner` (NOLOGIN), each service's role
 *    of `SERVICE_ROLES` (LOGIN) and the retired `firmgraph_app` (NOLOGIN, still named by migrations
 *    0001–0009), all without superuser, BYPASSRLS, CREATEDB or CREATEROLE. Roles are cluster-wide,
 *    so this runs before the migrations, and tolerates a parallel run creating the same role. It sets
 *    the service roles' password when given, lets the owner create schemas in this database, and
 *    grants CONNECT to each service role (a database privilege the owner cannot grant).
 * 2. As `firmgraph_owner` (via `SET ROLE`): applies the drizzle-kit migrations, so the owner owns
 *    every schema and table and no service role owns any; migration 0010 grants each role its schema.
 *
 * @param adminUrl a role that may create roles and grant on the database (superuser or CREATEROLE).
 * @param servicePassword the one password of every service role; omit for trust authentication
 *   (then an existing role's password is left as it is).
 * @throws the database error when a step fails; nothing of a failed migration is kept.
 */
export async function migrateDatabase(adminUrl: string, servicePassword?: string): Promise<void> {
  const sql = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Roles are cluster-wide; parallel test databases may race to create them.
    const serviceRoles = SERVICES.map((service) => SERVICE_ROLES[service]);
    for (const [role, attrs] of [
      [OWNER_ROLE, 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'],
      [LEGACY_APP_ROLE, 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'],
      ...serviceRoles.map((name) => [name, 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'] as const),
    ] as const) {
      await sql.unsafe(`
        do $$ begin
          if not exists (select from pg_roles where rolname = '${role}') then
            create role ${role} ${attrs};
          end if;
        exception when duplicate_object or unique_violation then null;
        end $$`);
    }
    if (servicePassword !== undefined) {
      for (const role of serviceRoles) await sql.unsafe(`alter role ${role} password ${quoteLiteral(servicePassword)}`);
    }
    const [{ database }] = (await sql`select current_database() as database`) as unknown as [{ database: string }];
    await sql.unsafe(`grant ${OWNER_ROLE} to current_user`).catch(() => {
      // Already a member, or a superuser that needs no membership to SET ROLE.
    });
    await sql.unsafe(`grant create, connect on database ${quoteIdent(database)} to ${OWNER_ROLE}`);
    await sql.unsafe(`grant connect on database ${quoteIdent(database)} to ${serviceRoles.join(', ')}`);
    // Granted by earlier versions, when every service connected as firmgraph_app.
    await sql.unsafe(`revoke connect on database ${quoteIdent(database)} from ${LEGACY_APP_ROLE}`);
    await sql.unsafe(`set role ${OWNER_ROLE}`);
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR, migrationsSchema: 'drizzle' });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function quoteIdent(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}
