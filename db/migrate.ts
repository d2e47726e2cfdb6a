import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { postgresClient } from './client.ts';
import { APP_ROLE, OWNER_ROLE } from './roles.ts';

/** Absolute path of the committed drizzle-kit migrations. */
const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Prepares a database and applies every pending migration.
 *
 * 1. As the admin connection: creates the roles `firmgraph_owner` (NOLOGIN) and `firmgraph_app`
 *    (LOGIN) if missing, both without superuser or BYPASSRLS, sets the app role's password when
 *    given, and lets the owner create schemas in this database.
 * 2. As `firmgraph_owner` (via `SET ROLE`): applies the drizzle-kit migrations, so the owner owns
 *    every schema and table and the app role owns none.
 *
 * @param adminUrl a role that may create roles and grant on the database (superuser or CREATEROLE).
 * @param appPassword the app role's password; omit for trust authentication.
 * @throws the database error when a step fails; nothing of a failed migration is kept.
 */
export async function migrateDatabase(adminUrl: string, appPassword?: string): Promise<void> {
  const sql = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Roles are cluster-wide; parallel test databases may race to create them.
    for (const [role, attrs] of [
      [OWNER_ROLE, 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'],
      [APP_ROLE, 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'],
    ] as const) {
      await sql.unsafe(`
        do $$ begin
          if not exists (select from pg_roles where rolname = '${role}') then
            create role ${role} ${attrs};
          end if;
        exception when duplicate_object or unique_violation then null;
        end $$`);
    }
    if (appPassword !== undefined) {
      await sql.unsafe(`alter role ${APP_ROLE} password ${quoteLiteral(appPassword)}`);
    }
    const [{ database }] = (await sql`select current_database() as database`) as unknown as [{ database: string }];
    await sql.unsafe(`grant ${OWNER_ROLE} to current_user`).catch(() => {
      // Already a member, or a superuser that needs no membership to SET ROLE.
    });
    await sql.unsafe(`grant create, connect on database ${quoteIdent(database)} to ${OWNER_ROLE}`);
    await sql.unsafe(`grant connect on database ${quoteIdent(database)} to ${APP_ROLE}`);
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
