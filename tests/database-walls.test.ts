import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { connectDatabase, postgresClient, type Database } from '../db/client.ts';
import { OWNER_ROLE, SERVICE_ROLES, SERVICES, type Service } from '../db/roles.ts';
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
  definerFunctionFindings,
  foreignRowFindings,
  rowSecurityFindings,
  schemaWallFindings,
  serviceRoleFindings,
  SUBGRAPH_SCHEMAS,
  tenantKeyFindings,
  tenantTables,
  type Crossings,
} from './support/probe/catalog.ts';

/** PostgreSQL 15 grants USAGE on `public` to PUBLIC; FirmGraph keeps nothing there, and the relation check still applies. */
const PUBLIC_SCHEMA = { public: 'PostgreSQL grants every role USAGE on schema public; FirmGraph puts nothing in it' };

const APPEND_AUDIT = 'tenancy.append_audit_record(uuid,uuid,text,uuid,text,text,text,text,text,text,jsonb)';
const AUDIT_REASON = 'every subgraph appends audit records (platform/audit.ts recordAudit, permission denials)';

/**
 * Every crossing of a schema wall, per service (README "Architecture", database roles; migration
 * 0010). Anything else a role can reach outside its own schema fails the walls test; so does a
 * crossing listed here that the role no longer holds.
 */
const CROSSINGS: Record<Service, Crossings> = {
  tenancy: {
    schemaUsage: { ...PUBLIC_SCHEMA, crm: 'to call crm.portal_invitation_targets and crm.portal_reach' },
    functions: {
      'crm.portal_invitation_targets(uuid,uuid[],uuid)':
        "invitePortalUser checks the contact, clients and organization it grants without reading crm's tables",
      'crm.portal_reach(uuid,uuid[],uuid)':
        "credential introspection narrows a portal user's grants to the clients crm still links it to",
    },
  },
  crm: {
    schemaUsage: {
      ...PUBLIC_SCHEMA,
      tenancy: 'to call tenancy.append_audit_record and tenancy.firm_members',
      documents: 'to call documents.attachable_document_ids',
    },
    functions: {
      [APPEND_AUDIT]: AUDIT_REASON,
      'tenancy.firm_members(uuid[])': "an engagement's manager and team must be staff of the firm",
      'documents.attachable_document_ids(uuid,uuid[])':
        "sendMessage checks a message's attachments are the client's documents without reading documents' tables",
    },
  },
  billing: {
    schemaUsage: {
      ...PUBLIC_SCHEMA,
      tenancy: 'to call tenancy.append_audit_record, firm_members, firm_for_billing and member_names_for_billing',
      crm: 'to call crm.engagements_for_time, client_currencies and clients_for_billing',
    },
    functions: {
      [APPEND_AUDIT]: AUDIT_REASON,
      'tenancy.firm_members(uuid[])': "rate cards name the firm's staff, and the role rate needs the member's role",
      'tenancy.firm_for_billing()': 'an issued invoice prints the firm as the seller when it has not set its own name',
      'tenancy.member_names_for_billing(uuid[])': 'invoice lines billed per staff member and service print their names',
      'crm.clients_for_billing(uuid[])':
        'an invoice is drafted and issued for a client of the firm that is not archived, in its currency, printed with its name',
      'crm.engagements_for_time(uuid[],uuid)':
        "time is recorded, priced and approved against an engagement's status, client, currency, manager and team",
      'crm.client_currencies(uuid[])': "a client's rate card must name a client of the firm, in its billing currency",
    },
  },
  documents: {
    schemaUsage: {
      ...PUBLIC_SCHEMA,
      tenancy: 'to call tenancy.append_audit_record, tenancy.members_for_signing and tenancy.portal_user_contact',
      crm: 'to call crm.client_currencies and crm.client_contacts_for_signing',
    },
    functions: {
      [APPEND_AUDIT]: AUDIT_REASON,
      'crm.client_currencies(uuid[])': 'a document, folder or upload must belong to a client of the firm',
      'crm.client_contacts_for_signing(uuid,uuid[])':
        "a signature request's contact signers must be contacts of its client, named on the certificate",
      'tenancy.members_for_signing(uuid[])': "a staff signer must be the firm's staff, named on the certificate",
      'tenancy.portal_user_contact(uuid)': 'a portal user signs as the contact it is',
    },
  },
  gateway: {
    schemaUsage: { ...PUBLIC_SCHEMA, tenancy: 'to call the rate-limit functions' },
    functions: {
      'tenancy.spend_rate_limit_points(text[],double precision[],double precision[],double precision)':
        'query-cost rate limits shared by every gateway replica when REDIS_URL is unset',
      'tenancy.prune_rate_limit_buckets(double precision)': 'the periodic clean-up of idle rate-limit buckets',
    },
  },
};

/** The subgraphs, whose schema is their name; the gateway has none. */
const SUBGRAPH_SERVICES = SERVICES.filter((service): service is Exclude<Service, 'gateway'> => service !== 'gateway');

let admin: postgres.Sql;
let roles: Record<Service, postgres.Sql>;
beforeAll(() => {
  admin = postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
  roles = Object.fromEntries(
    SERVICES.map((service) => [
      service,
      postgresClient(inject('serviceUrls')[service], { max: 1, onnotice: () => {} }),
    ]),
  ) as Record<Service, postgres.Sql>;
});
afterAll(async () => {
  await admin.end();
  await Promise.all(Object.values(roles).map((sql) => sql.end()));
});

/** Stores a firm (as tenancy's role) with one client (as crm's), as the services would. */
async function firmWithClient(tenancy: Database, crm: Database): Promise<string> {
  const firmId = newId();
  await tenancy.withTenant({ firmId }, (tx) =>
    insertFirm(tx, { id: firmId, name: 'Hidden', slug: `hidden-${firmId}` }),
  );
  await crm.withTenant({ firmId }, (tx) =>
    insertClient(tx, { firmId, id: newId(), name: 'Hidden client', currency: 'USD' }),
  );
  return firmId;
}

/** Stores a user who owns a new firm, with a live session in it, through tenancy's role as sign-up does. */
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
    for (const service of SUBGRAPH_SERVICES)
      expect(await rowSecurityFindings(admin, [service], SERVICE_ROLES[service]), service).toEqual([]);
  });

  it('includes firm_id in every primary key, unique key and foreign key between tenant tables (Citus-ready)', async () => {
    const [{ keys }] = (await admin`
      select count(*)::int as keys from pg_constraint con join pg_namespace n on n.oid = con.connamespace
      where n.nspname = any(${SUBGRAPH_SCHEMAS}) and con.contype in ('p', 'u', 'f')`) as unknown as [{ keys: number }];
    expect(keys).toBeGreaterThan(5);
    expect(await tenantKeyFindings(admin, SUBGRAPH_SCHEMAS)).toEqual([]);
  });

  it('connects each service as its own role, which owns nothing and has neither superuser nor BYPASSRLS', async () => {
    expect(new Set(Object.values(SERVICE_ROLES)).size).toBe(SERVICES.length);
    for (const service of SERVICES) {
      expect(await serviceRoleFindings(admin, SERVICE_ROLES[service]), service).toEqual([]);
      const [{ current_user: current }] = (await roles[service]`select current_user`) as unknown as [
        { current_user: string },
      ];
      expect(current).toBe(SERVICE_ROLES[service]);
    }
    for (const table of await tenantTables(admin, SUBGRAPH_SCHEMAS)) expect(table.owner, table.name).toBe(OWNER_ROLE);
    const [owner] = await admin`select rolsuper, rolbypassrls from pg_roles where rolname = ${OWNER_ROLE}`;
    expect(owner).toEqual({ rolsuper: false, rolbypassrls: false });
  });

  it('grants each service role its own schema only, and of the others exactly the listed SECURITY DEFINER functions', async () => {
    for (const service of SERVICES) {
      const own = service === 'gateway' ? null : service;
      expect(await schemaWallFindings(admin, SERVICE_ROLES[service], own, CROSSINGS[service]), service).toEqual([]);
    }
    // The gateway reaches no table at all, in any schema: only the rate-limit functions.
    const [{ tables }] = (await admin`
      select count(*)::int as tables from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any(${SUBGRAPH_SCHEMAS})
        and has_table_privilege(${SERVICE_ROLES.gateway}, c.oid, 'SELECT, INSERT, UPDATE, DELETE')`) as unknown as [
      { tables: number },
    ];
    expect(tables).toBe(0);
  });

  it('reports a service role granted a table of another schema, even uncommitted', async () => {
    await admin
      .begin(async (tx) => {
        await tx`grant select on documents.documents to ${tx(SERVICE_ROLES.crm)}`;
        expect(await schemaWallFindings(tx, SERVICE_ROLES.crm, 'crm', CROSSINGS.crm)).toEqual([
          `${SERVICE_ROLES.crm} holds privileges on documents.documents, outside its schema`,
        ]);
        await tx`grant execute on function tenancy.verify_audit_log(uuid) to ${tx(SERVICE_ROLES.billing)}`;
        expect(await schemaWallFindings(tx, SERVICE_ROLES.billing, 'billing', CROSSINGS.billing)).toEqual([
          `${SERVICE_ROLES.billing} may execute tenancy.verify_audit_log(uuid), outside its schema`,
        ]);
        throw new Error('rolled back');
      })
      .catch((error: Error) => expect(error.message).toBe('rolled back'));
    expect(await schemaWallFindings(admin, SERVICE_ROLES.crm, 'crm', CROSSINGS.crm)).toEqual([]);
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
    const tenancy = connectDatabase(inject('serviceUrls').tenancy, { max: 1 });
    const database = connectDatabase(inject('serviceUrls').crm, { max: 1 });
    try {
      const firmId = await firmWithClient(tenancy, database);
      // The rows exist: the check below has something to hide.
      const [{ total }] =
        (await admin`select count(*)::int as total from crm.clients where firm_id = ${firmId}`) as unknown as [
          { total: number },
        ];
      expect(total).toBe(1);
      for (const service of SERVICES) {
        expect(await foreignRowFindings(admin, roles[service], SUBGRAPH_SCHEMAS, null), service).toEqual([]);
        expect(await foreignRowFindings(admin, roles[service], SUBGRAPH_SCHEMAS, newId()), service).toEqual([]);
      }
      expect(await database.withTenant({ firmId: null }, (tx) => tx.select().from(clients))).toEqual([]);
    } finally {
      await tenancy.close();
      await database.close();
    }
  });

  it('refuses to write a row into a firm other than the transaction’s', async () => {
    const database = connectDatabase(inject('serviceUrls').crm, { max: 1 });
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
  let crm: Database;
  beforeAll(() => {
    // One connection each, so the second unit of work must reuse the first one's connection.
    database = connectDatabase(inject('serviceUrls').tenancy, { max: 1 });
    crm = connectDatabase(inject('serviceUrls').crm, { max: 1 });
  });
  afterAll(async () => {
    await database.close();
    await crm.close();
  });

  it('does not carry firm A’s tenant setting into firm B’s unit of work on the same connection', async () => {
    const firmA = newId();
    const firmB = newId();
    for (const firmId of [firmA, firmB]) {
      await database.withTenant({ firmId }, (tx) =>
        insertFirm(tx, { id: firmId, name: `Pool ${firmId}`, slug: `pool-${firmId}` }),
      );
      await crm.withTenant({ firmId }, (tx) =>
        insertClient(tx, { firmId, id: newId(), name: `Pool client of ${firmId}`, currency: 'USD' }),
      );
    }
    const pidA = await crm.withTenant({ firmId: firmA }, async (tx) => {
      const rows = await tx.select().from(clients);
      expect(rows.map((r) => r.firmId)).toEqual([firmA]);
      return (await tx.execute<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid;
    });
    const seenByB = await crm.withTenant({ firmId: firmB }, async (tx) => ({
      rows: await tx.select().from(clients),
      pid: (await tx.execute<{ pid: number }>('select pg_backend_pid() as pid'))[0]!.pid,
      setting: (await tx.execute<{ firm: string }>("select current_setting('app.firm_id') as firm"))[0]!.firm,
    }));
    expect(seenByB.pid).toBe(pidA);
    expect(seenByB.setting).toBe(firmB);
    expect(seenByB.rows.map((r) => r.firmId)).toEqual([firmB]);
    // After the transaction, the setting is gone from the pooled connection.
    const [{ after }] =
      (await crm.sql`select coalesce(current_setting('app.firm_id', true), '') as after`) as unknown as [
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
