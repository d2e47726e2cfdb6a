import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { connectDatabase, postgresClient, type Database } from '../db/client.ts';
import { APP_ROLE, OWNER_ROLE } from '../db/roles.ts';
import { clients } from '../db/schema/crm.ts';
import { insertClient } from '../subgraphs/crm/clients/client-store.ts';
import { newId } from '../platform/ids.ts';
import {
  findLiveSession,
  insertFirm,
  insertMembership,
  insertSession,
  insertUser,
} from '../subgraphs/tenancy/identity/identity-store.ts';
import {
  appRoleFindings,
  definerFunctionFindings,
  foreignRowFindings,
  rowSecurityFindings,
  SUBGRAPH_SCHEMAS,
  tenantKeyFindings,
  tenantTables,
} from './support/probe/catalog.ts';

let admin: postgres.Sql;
let app: postgres.Sql;
beforeAll(() => {
  admin = postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
  app = postgresClient(inject('appUrl'), { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await admin.end();
  await app.end();
});

/** Stores a firm with one client through the app role, as a service would. */
async function firmWithClient(database: Database): Promise<string> {
  const firmId = newId();
  await database.withTenant({ firmId }, async (tx) => {
    await insertFirm(tx, { id: firmId, name: 'Hidden', slug: `hidden-${firmId}` });
    await insertClient(tx, { firmId, id: newId(), name: 'Hidden client', currency: 'USD' });
  });
  return firmId;
}

/** Stores a user who owns a new firm, with a live session in it, through the app role as sign-up does. */
async function signUpUser(database: Database): Promise<{ sessionId: string; userId: string; firmId: string }> {
  const [firmId, userId, sessionId] = [newId(), newId(), newId()];
  await database.withTenant({ firmId, userId }, async (tx) => {
    await insertUser(tx, { id: userId, email: `${userId}@example.com`, name: 'Owner', passwordHash: 'unused' });
    await insertFirm(tx, { id: firmId, name: 'Session check', slug: `session-${firmId}` });
    await insertMembership(tx, { firmId, id: newId(), userId, role: 'OWNER' });
    await insertSession(tx, { id: sessionId, userId, activeFirmId: firmId, expiresAt: new Date(Date.now() + 60_000) });
  });
  return { sessionId, userId, firmId };
}

describe('the database catalog', () => {
  it('has RLS enabled, forced and a tenant policy on every table with firm_id', async () => {
    const tables = await tenantTables(admin, SUBGRAPH_SCHEMAS);
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'tenancy.memberships',
        'tenancy.invitations',
        'crm.clients',
        'billing.invoices',
        'documents.documents',
      ]),
    );
    expect(await rowSecurityFindings(admin, SUBGRAPH_SCHEMAS, APP_ROLE)).toEqual([]);
  });

  it('includes firm_id in every primary key, unique key and foreign key between tenant tables (Citus-ready)', async () => {
    const [{ keys }] = (await admin`
      select count(*)::int as keys from pg_constraint con join pg_namespace n on n.oid = con.connamespace
      where n.nspname = any(${SUBGRAPH_SCHEMAS}) and con.contype in ('p', 'u', 'f')`) as unknown as [{ keys: number }];
    expect(keys).toBeGreaterThan(5);
    expect(await tenantKeyFindings(admin, SUBGRAPH_SCHEMAS)).toEqual([]);
  });

  it('connects the app as a role that owns nothing and has neither superuser nor BYPASSRLS', async () => {
    expect(await appRoleFindings(admin, APP_ROLE)).toEqual([]);
    const [{ current_user: current }] = (await app`select current_user`) as unknown as [{ current_user: string }];
    expect(current).toBe(APP_ROLE);
    for (const table of await tenantTables(admin, SUBGRAPH_SCHEMAS)) expect(table.owner, table.name).toBe(OWNER_ROLE);
    const [owner] = await admin`select rolsuper, rolbypassrls from pg_roles where rolname = ${OWNER_ROLE}`;
    expect(owner).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it('runs every SECURITY DEFINER function as a role bound by RLS, with a pinned search_path', async () => {
    const [{ count }] = (await admin`
      select count(*)::int as count from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where p.prosecdef and n.nspname = any(${SUBGRAPH_SCHEMAS})`) as unknown as [{ count: number }];
    // The audit chain and the rate-limit buckets use such functions, so the check has something to check.
    expect(count).toBeGreaterThan(0);
    expect(await definerFunctionFindings(admin, SUBGRAPH_SCHEMAS)).toEqual([]);
  });

  it('shows a transaction without app.firm_id, or with another firm’s, no rows of any tenant table', async () => {
    const database = connectDatabase(inject('appUrl'), { max: 1 });
    try {
      const firmId = await firmWithClient(database);
      // The rows exist: the check below has something to hide.
      const [{ total }] =
        (await admin`select count(*)::int as total from crm.clients where firm_id = ${firmId}`) as unknown as [
          { total: number },
        ];
      expect(total).toBe(1);
      expect(await foreignRowFindings(admin, app, SUBGRAPH_SCHEMAS, null)).toEqual([]);
      expect(await foreignRowFindings(admin, app, SUBGRAPH_SCHEMAS, newId())).toEqual([]);
      expect(await database.withTenant({ firmId: null }, (tx) => tx.select().from(clients))).toEqual([]);
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
      const [{ smuggled }] =
        (await admin`select count(*)::int as smuggled from crm.clients where name = 'Smuggled'`) as unknown as [
          { smuggled: number },
        ];
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
    const [{ after }] =
      (await database.sql`select coalesce(current_setting('app.firm_id', true), '') as after`) as unknown as [
        { after: string },
      ];
    expect(after).toBe('');
  });

  it('keeps the session check’s tenant setting inside its own statement (tenancy.live_session)', async () => {
    const owner = await signUpUser(database);
    const before = await database.withTenant(
      { firmId: null },
      async (tx) => (await tx.execute<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid,
    );
    const found = await findLiveSession(database, owner);
    expect(found).toMatchObject({ activeFirmId: owner.firmId, role: 'OWNER', userDisabled: false });
    // Another user's id with this session finds nothing: the row is not the caller's.
    expect(await findLiveSession(database, { sessionId: owner.sessionId, userId: newId() })).toBeUndefined();
    const [left] = (await database.sql`
      select pg_backend_pid() as pid, coalesce(current_setting('app.user_id', true), '') as user_id,
             coalesce(current_setting('app.firm_id', true), '') as firm_id`) as unknown as [
      { pid: number; user_id: string; firm_id: string },
    ];
    expect(left).toEqual({ pid: before, user_id: '', firm_id: '' });
  });
});
