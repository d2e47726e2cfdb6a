import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { connectDatabase, type Database } from '../db/client.ts';
import { APP_ROLE, OWNER_ROLE } from '../db/roles.ts';
import { clients } from '../db/schema/crm.ts';
import { insertClient } from '../subgraphs/crm/clients/client-store.ts';
import { newId } from '../subgraphs/shared/ids.ts';
import { insertFirm } from '../subgraphs/tenancy/identity/identity-store.ts';

const TENANT_SCHEMAS = ['tenancy', 'crm', 'billing', 'documents'];

let admin: postgres.Sql;
let app: postgres.Sql;
beforeAll(() => {
  admin = postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
  app = postgres(inject('appUrl'), { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await admin.end();
  await app.end();
});

/** Every table of the subgraph schemas that has a firm_id column. */
async function tenantTables(): Promise<{ oid: number; name: string; rls: boolean; forced: boolean; owner: string }[]> {
  return admin`
    select c.oid::int as oid, n.nspname || '.' || c.relname as name, c.relrowsecurity as rls,
           c.relforcerowsecurity as forced, pg_get_userbyid(c.relowner) as owner
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname = any(${TENANT_SCHEMAS})
      and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'firm_id' and not a.attisdropped)
    order by 1`;
}

describe('the database catalog', () => {
  it('has RLS enabled, forced and a policy on firm_id on every tenant table', async () => {
    const tables = await tenantTables();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['tenancy.memberships', 'tenancy.invitations', 'crm.clients', 'billing.invoices', 'documents.documents']),
    );
    for (const table of tables) {
      expect({ table: table.name, rls: table.rls, forced: table.forced }).toEqual({ table: table.name, rls: true, forced: true });
      const policies = await admin`
        select pg_get_expr(polqual, polrelid) as using_expr from pg_policy where polrelid = ${table.oid}`;
      expect(policies.some((p) => /^\(firm_id = \(NULLIF\(current_setting\('app\.firm_id'::text, true\), ''::text\)\)::uuid\)$/.test(p.using_expr)), table.name).toBe(true);
    }
  });

  it('includes firm_id in every primary key, unique key and foreign key between tenant tables', async () => {
    const constraints = await admin`
      select con.conname as name, con.contype as type, rel.relname as table_name,
             (select array_agg(a.attname) from pg_attribute a where a.attrelid = con.conrelid and a.attnum = any(con.conkey)) as columns,
             exists (select 1 from pg_attribute a where a.attrelid = con.confrelid and a.attname = 'firm_id') as references_tenant_table
      from pg_constraint con join pg_class rel on rel.oid = con.conrelid join pg_namespace n on n.oid = rel.relnamespace
      where n.nspname = any(${TENANT_SCHEMAS}) and con.contype in ('p', 'u', 'f')
        and exists (select 1 from pg_attribute a where a.attrelid = rel.oid and a.attname = 'firm_id')`;
    expect(constraints.length).toBeGreaterThan(5);
    for (const c of constraints) {
      // Keys to platform-wide reference tables (users, firms) need no firm_id; everything else does.
      if (c.type === 'f' && !c.references_tenant_table) continue;
      expect(c.columns, `${c.table_name}.${c.name}`).toContain('firm_id');
    }
  });

  it('connects the app as a role that owns nothing and has neither superuser nor BYPASSRLS', async () => {
    const [role] = await admin`select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb from pg_roles where rolname = ${APP_ROLE}`;
    expect(role).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });
    const [{ owned }] = (await admin`
      select count(*)::int as owned from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where pg_get_userbyid(c.relowner) = ${APP_ROLE}`) as unknown as [{ owned: number }];
    expect(owned).toBe(0);
    const [{ current_user: current }] = (await app`select current_user`) as unknown as [{ current_user: string }];
    expect(current).toBe(APP_ROLE);
    for (const table of await tenantTables()) expect(table.owner).toBe(OWNER_ROLE);
    const [owner] = await admin`select rolsuper, rolbypassrls from pg_roles where rolname = ${OWNER_ROLE}`;
    expect(owner).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it('shows a transaction without app.firm_id no tenant rows at all', async () => {
    const database = connectDatabase(inject('appUrl'), { max: 1 });
    try {
      const firmId = newId();
      await database.withTenant({ firmId }, async (tx) => {
        await insertFirm(tx, { id: firmId, name: 'Hidden', slug: `hidden-${firmId}` });
        await insertClient(tx, { firmId, id: newId(), name: 'Hidden client', currency: 'USD' });
      });
      const [{ visible }] = await app.begin((sql) => sql`select count(*)::int as visible from crm.clients`) as [{ visible: number }];
      expect(visible).toBe(0);
      const unset = await database.withTenant({ firmId: null }, (tx) => tx.select().from(clients));
      expect(unset).toEqual([]);
      const [{ total }] = (await admin`select count(*)::int as total from crm.clients where firm_id = ${firmId}`) as unknown as [{ total: number }];
      expect(total).toBe(1);
    } finally {
      await database.close();
    }
  });

  it('refuses to write a row into a firm other than the transaction’s', async () => {
    const database = connectDatabase(inject('appUrl'), { max: 1 });
    try {
      const attempt = database.withTenant({ firmId: newId() }, (tx) =>
        insertClient(tx, { firmId: newId(), id: newId(), name: 'Smuggled', currency: 'USD' }),
      );
      await expect(attempt).rejects.toThrow();
      const [{ smuggled }] = (await admin`select count(*)::int as smuggled from crm.clients where name = 'Smuggled'`) as unknown as [{ smuggled: number }];
      expect(smuggled).toBe(0);
    } finally {
      await database.close();
    }
  });
});

describe('the connection pool', () => {
  let database: Database;
  beforeAll(() => {
    // One connection, so the second unit of work must reuse the first one's connection.
    database = connectDatabase(inject('appUrl'), { max: 1 });
  });
  afterAll(async () => {
    await database.close();
  });

  it('does not carry firm A’s tenant setting into firm B’s unit of work on the same connection', async () => {
    const firmA = newId();
    const firmB = newId();
    for (const firmId of [firmA, firmB]) {
      await database.withTenant({ firmId }, async (tx) => {
        await insertFirm(tx, { id: firmId, name: `Pool ${firmId}`, slug: `pool-${firmId}` });
        await insertClient(tx, { firmId, id: newId(), name: `Pool client of ${firmId}`, currency: 'USD' });
      });
    }
    const pidA = await database.withTenant({ firmId: firmA }, async (tx) => {
      const rows = await tx.select().from(clients);
      expect(rows.map((r) => r.firmId)).toEqual([firmA]);
      return (await tx.execute<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid;
    });
    const seenByB = await database.withTenant({ firmId: firmB }, async (tx) => ({
      rows: await tx.select().from(clients),
      pid: (await tx.execute<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid,
      setting: (await tx.execute<{ firm: string }>("select current_setting('app.firm_id') as firm"))[0]!.firm,
    }));
    expect(seenByB.pid).toBe(pidA);
    expect(seenByB.setting).toBe(firmB);
    expect(seenByB.rows.map((r) => r.firmId)).toEqual([firmB]);
    // After the transaction, the setting is gone from the pooled connection.
    const [{ after }] = (await database.sql`select coalesce(current_setting('app.firm_id', true), '') as after`) as unknown as [{ after: string }];
    expect(after).toBe('');
  });
});
