import type postgres from 'postgres';

/** The pg schemas the subgraphs own (one schema per subgraph, README "Architecture"). */
export const SUBGRAPH_SCHEMAS = ['tenancy', 'crm', 'billing', 'documents'];

/** The tenant predicate of `tenantIsolationPolicy`, as `pg_get_expr` prints it (db/schema/tenant-policy.ts). */
const TENANT_PREDICATE = "(firm_id = (NULLIF(current_setting('app.firm_id'::text, true), ''::text))::uuid)";

/**
 * The acting-user predicate (`currentUserId`, db/schema/tenant-policy.ts): a user may read their
 * own rows across firms, e.g. their memberships, to choose the active firm at log-in.
 */
const OWN_USER_PREDICATE = "(user_id = (NULLIF(current_setting('app.user_id'::text, true), ''::text))::uuid)";

/**
 * The portal sign-in lookup predicate (`tenancy.portal_logins`, SELECT only): before a firm is
 * known, a transaction sees the directory rows of the one email it names, as PostgreSQL prints it.
 */
const PORTAL_EMAIL_PREDICATE = "(email = NULLIF(current_setting('app.portal_email'::text, true), ''::text))";

/** One table of the given schemas that has a `firm_id` column. */
export interface TenantTable {
  oid: number;
  /** `schema.table`, quoted where PostgreSQL needs it. */
  name: string;
  rls: boolean;
  forced: boolean;
  owner: string;
}

/** Every ordinary or partitioned table of `schemas` with a `firm_id` column, by name. */
export async function tenantTables(admin: postgres.Sql, schemas: string[]): Promise<TenantTable[]> {
  return admin<TenantTable[]>`
    select c.oid::int as oid, c.oid::regclass::text as name, c.relrowsecurity as rls,
           c.relforcerowsecurity as forced, pg_get_userbyid(c.relowner) as owner
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p') and n.nspname = any(${schemas})
      and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'firm_id' and not a.attisdropped)
    order by 2`;
}

/**
 * Row-level security findings (wall 3, README "Architecture"): every tenant table of `schemas` must have
 * RLS enabled and forced, at least one permissive SELECT policy for `appRole` (the role a
 * service connects as), and every permissive policy that applies to `appRole` (directly or through
 * PUBLIC) must require the tenant predicate, the acting-user predicate or the portal sign-in
 * lookup predicate, in USING and WITH CHECK
 * (a permissive policy ORs with the others, so a single `using (true)` opens the table). Policies
 * for other roles (e.g. an outbox dispatcher connecting as the owner) and restrictive policies,
 * which only narrow access, are not checked.
 * @returns one line per problem, naming the table; empty when the wall holds.
 */
export async function rowSecurityFindings(admin: postgres.Sql, schemas: string[], appRole: string): Promise<string[]> {
  const findings: string[] = [];
  for (const table of await tenantTables(admin, schemas)) {
    if (!table.rls) findings.push(`${table.name}: row level security is not enabled`);
    if (!table.forced) findings.push(`${table.name}: row level security is not forced`);
    // Policies that apply to the app role: granted to PUBLIC (oid 0) or to the role itself.
    const policies = await admin<{ name: string; command: string; using: string | null; check: string | null }[]>`
      select polname as name, polcmd as command, pg_get_expr(polqual, polrelid) as using,
             pg_get_expr(polwithcheck, polrelid) as check
      from pg_policy
      where polrelid = ${table.oid} and polpermissive
        and (0::oid = any(polroles) or (select oid from pg_roles where rolname = ${appRole}) = any(polroles))`;
    if (!policies.some((p) => p.command === '*' || p.command === 'r'))
      findings.push(`${table.name}: no permissive policy for SELECT`);
    for (const policy of policies) {
      for (const [clause, expression] of [
        ['USING', policy.using],
        ['WITH CHECK', policy.check],
      ] as const) {
        // INSERT policies have no USING; SELECT and DELETE policies have no WITH CHECK.
        if (expression === null) continue;
        if (!requiresTenantOrOwnUser(expression)) {
          findings.push(
            `${table.name}: policy ${policy.name} ${clause} (${expression}) requires neither the tenant nor the acting user`,
          );
        }
      }
    }
  }
  return findings;
}

/** True when `expression` is the tenant or acting-user predicate, alone or ANDed with further conditions. */
function requiresTenantOrOwnUser(expression: string): boolean {
  return (
    [TENANT_PREDICATE, OWN_USER_PREDICATE, PORTAL_EMAIL_PREDICATE].some((predicate) =>
      expression.includes(predicate),
    ) && !/\bOR\b/i.test(expression)
  );
}

/**
 * Citus-readiness findings (README "Configuration"): every primary key, unique key and foreign key of a
 * tenant table of `schemas` includes `firm_id`. Foreign keys to platform-wide tables (users,
 * firms: tables without `firm_id`) are exempt.
 * @returns one line per constraint without firm_id; empty when all include it.
 */
export async function tenantKeyFindings(admin: postgres.Sql, schemas: string[]): Promise<string[]> {
  const constraints = await admin<
    { table: string; name: string; type: string; columns: string[]; toTenantTable: boolean }[]
  >`
    select con.conrelid::regclass::text as table, con.conname as name, con.contype as type,
           (select array_agg(a.attname::text) from pg_attribute a where a.attrelid = con.conrelid and a.attnum = any(con.conkey)) as columns,
           exists (select 1 from pg_attribute a where a.attrelid = con.confrelid and a.attname = 'firm_id' and not a.attisdropped) as "toTenantTable"
    from pg_constraint con join pg_class rel on rel.oid = con.conrelid join pg_namespace n on n.oid = rel.relnamespace
    where n.nspname = any(${schemas}) and con.contype in ('p', 'u', 'f')
      and exists (select 1 from pg_attribute a where a.attrelid = rel.oid and a.attname = 'firm_id' and not a.attisdropped)
    order by 1, 2`;
  const findings: string[] = [];
  for (const c of constraints) {
    if (c.type === 'f' && !c.toTenantTable) continue;
    if (!c.columns.includes('firm_id'))
      findings.push(`${c.table}: ${c.name} (${c.columns.join(', ')}) does not include firm_id`);
  }
  // Unique indexes made without a constraint are keys too.
  const indexes = await admin<{ table: string; name: string; definition: string }[]>`
    select i.indrelid::regclass::text as table, i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i join pg_class rel on rel.oid = i.indrelid join pg_namespace n on n.oid = rel.relnamespace
    where n.nspname = any(${schemas}) and i.indisunique
      and not exists (select 1 from pg_constraint con where con.conindid = i.indexrelid)
      and exists (select 1 from pg_attribute a where a.attrelid = rel.oid and a.attname = 'firm_id' and not a.attisdropped)
      and not exists (select 1 from pg_attribute a where a.attrelid = i.indexrelid and a.attname = 'firm_id')`;
  for (const index of indexes)
    findings.push(`${index.table}: unique index ${index.name} does not include firm_id (${index.definition})`);
  return findings;
}

/**
 * Findings about a role a service connects as (README "Architecture", database roles): it is
 * neither superuser nor BYPASSRLS nor able to create roles or databases, and owns no relation,
 * schema or function.
 */
export async function serviceRoleFindings(admin: postgres.Sql, role: string): Promise<string[]> {
  const findings: string[] = [];
  const [attributes] = await admin<
    { rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean; rolcreatedb: boolean }[]
  >`
    select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = ${role}`;
  if (!attributes) return [`role ${role} does not exist`];
  for (const [attribute, held] of Object.entries(attributes)) if (held) findings.push(`${role} has ${attribute}`);
  const owned = await admin<{ name: string }[]>`
    select c.oid::regclass::text as name from pg_class c where pg_get_userbyid(c.relowner) = ${role}
    union all select nspname::text from pg_namespace where pg_get_userbyid(nspowner) = ${role}
    union all select p.oid::regprocedure::text from pg_proc p where pg_get_userbyid(p.proowner) = ${role}`;
  for (const { name } of owned) findings.push(`${role} owns ${name}`);
  return findings;
}

/** What a role may hold beyond its own schema: each crossing of a schema wall, and why. */
export interface Crossings {
  /** Schemas it may name objects in (USAGE), other than its own: schema → reason. */
  schemaUsage: Record<string, string>;
  /** Functions of other schemas it may EXECUTE, as `regprocedure` prints them: signature → reason. Each must be SECURITY DEFINER. */
  functions: Record<string, string>;
}

/** Schemas the privilege check skips: PostgreSQL's own catalogs. */
const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_toast'];

/**
 * The schema walls from a role's side (design brief §3, wall 3): `role` holds a privilege on no
 * relation outside `ownSchema` (null: none at all), neither directly, through a role it belongs
 * to, nor through PUBLIC (`has_table_privilege`, `has_any_column_privilege`,
 * `has_sequence_privilege`); USAGE on no schema but its own and `crossings.schemaUsage`, and CREATE
 * on none; EXECUTE on no function outside its own schema but `crossings.functions`, each of which it
 * must hold and which must be SECURITY DEFINER. System catalogs are not checked. PostgreSQL's
 * privilege functions: https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-INFO-ACCESS-TABLE
 * @param admin any connection that can read the catalog (also a transaction, to check an uncommitted grant).
 * @returns one line per privilege beyond the allowance, or allowance not held; empty when the walls hold.
 */
export async function schemaWallFindings(
  admin: postgres.Sql | postgres.TransactionSql,
  role: string,
  ownSchema: string | null,
  crossings: Crossings,
): Promise<string[]> {
  const findings: string[] = [];
  const relations = await admin<{ name: string }[]>`
    select c.oid::regclass::text as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname <> all(${SYSTEM_SCHEMAS}) and n.nspname is distinct from ${ownSchema}
      and case when c.relkind = 'S' then has_sequence_privilege(${role}, c.oid, 'USAGE, SELECT, UPDATE')
               when c.relkind in ('r', 'p', 'v', 'm', 'f') then
                 has_table_privilege(${role}, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
                 or has_any_column_privilege(${role}, c.oid, 'SELECT, INSERT, UPDATE, REFERENCES')
               else false end
    order by 1`;
  for (const { name } of relations) findings.push(`${role} holds privileges on ${name}, outside its schema`);
  const schemas = await admin<{ name: string; usage: boolean; create: boolean }[]>`
    select nspname::text as name, has_schema_privilege(${role}, oid, 'USAGE') as usage,
           has_schema_privilege(${role}, oid, 'CREATE') as create
    from pg_namespace where nspname <> all(${SYSTEM_SCHEMAS}) and nspname not like 'pg_temp_%' and nspname not like 'pg_toast_temp_%'
    order by 1`;
  for (const schema of schemas) {
    if (schema.create) findings.push(`${role} may CREATE in schema ${schema.name}`);
    const allowed = schema.name === ownSchema || schema.name in crossings.schemaUsage;
    if (schema.usage && !allowed) findings.push(`${role} has USAGE on schema ${schema.name}`);
    if (!schema.usage && allowed) findings.push(`${role} lacks USAGE on schema ${schema.name}`);
  }
  for (const name of Object.keys(crossings.schemaUsage)) {
    if (!schemas.some((schema) => schema.name === name)) findings.push(`schema ${name} does not exist`);
  }
  const functions = await admin<{ name: string; definer: boolean; executable: boolean }[]>`
    select p.oid::regprocedure::text as name, p.prosecdef as definer,
           has_function_privilege(${role}, p.oid, 'EXECUTE') as executable
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname <> all(${SYSTEM_SCHEMAS}) and n.nspname is distinct from ${ownSchema}
    order by 1`;
  for (const f of functions) {
    const allowed = f.name in crossings.functions;
    if (f.executable && !allowed) findings.push(`${role} may execute ${f.name}, outside its schema`);
    if (allowed && !f.executable) findings.push(`${role} may not execute ${f.name}`);
    if (allowed && !f.definer) findings.push(`${f.name} crosses a schema wall but is not SECURITY DEFINER`);
  }
  for (const name of Object.keys(crossings.functions)) {
    if (!functions.some((f) => f.name === name)) findings.push(`function ${name} does not exist`);
  }
  return findings;
}

/**
 * The isolation check from a service role's side: in a transaction whose `app.firm_id` is `firmId`
 * (null: never set), counts the rows of every tenant table of `schemas` whose firm_id is not
 * `firmId`. Any such row is a finding. Tables the role may not SELECT count as walled.
 * @param app a connection as a service role; `admin` lists the tables.
 */
export async function foreignRowFindings(
  admin: postgres.Sql,
  app: postgres.Sql,
  schemas: string[],
  firmId: string | null,
): Promise<string[]> {
  const findings: string[] = [];
  for (const table of await tenantTables(admin, schemas)) {
    const visible = await app
      .begin(async (tx) => {
        if (firmId !== null) await tx`select set_config('app.firm_id', ${firmId}, true)`;
        const [row] = await tx.unsafe<{ count: number }[]>(
          `select count(*)::int as count from ${table.name} where firm_id is distinct from $1::uuid`,
          [firmId],
        );
        return row!.count;
      })
      .catch((error: { code?: string }) => {
        // 42501 insufficient_privilege: the role cannot read the table at all.
        if (error.code === '42501') return 0;
        throw error;
      });
    if (visible > 0)
      findings.push(`${table.name}: ${visible} row(s) of other firms visible with app.firm_id ${firmId ?? 'unset'}`);
  }
  return findings;
}

/**
 * Findings about SECURITY DEFINER functions of `schemas`, which run as their owner: the owner must
 * be neither superuser nor BYPASSRLS, so the FORCEd row-level security still binds inside them, and
 * each must pin `search_path`, so a caller's objects cannot stand in for catalog ones
 * (PostgreSQL manual, CREATE FUNCTION, "Writing SECURITY DEFINER Functions Safely").
 */
export async function definerFunctionFindings(admin: postgres.Sql, schemas: string[]): Promise<string[]> {
  const functions = await admin<{ name: string; owner: string; bypasses: boolean; config: string[] | null }[]>`
    select p.oid::regprocedure::text as name, r.rolname as owner, (r.rolsuper or r.rolbypassrls) as bypasses, p.proconfig as config
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_roles r on r.oid = p.proowner
    where p.prosecdef and n.nspname = any(${schemas})
    order by 1`;
  const findings: string[] = [];
  for (const f of functions) {
    if (f.bypasses) findings.push(`${f.name}: SECURITY DEFINER owned by ${f.owner}, who bypasses row-level security`);
    if (!f.config?.some((setting) => setting.startsWith('search_path=')))
      findings.push(`${f.name}: SECURITY DEFINER without a pinned search_path`);
  }
  return findings;
}
