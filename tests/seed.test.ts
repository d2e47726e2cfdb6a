import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { connectDatabase, postgresClient, type Database } from '../db/client.ts';
import { DEMO_OWNER, seedDemoFirm } from '../scripts/seed-data.ts';

let database: Database;
let admin: postgres.Sql;
beforeAll(() => {
  // The demo seed writes every subgraph's tables in one transaction: it runs as the admin (scripts/seed.ts).
  database = connectDatabase(inject('adminUrl'), { max: 2 });
  admin = postgresClient(inject('adminUrl'), { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await database.close();
  await admin.end();
});

const counts = async (firmId: string) =>
  (
    await admin`
    select (select count(*)::int from tenancy.memberships where firm_id = ${firmId}) as members,
           (select count(*)::int from crm.clients where firm_id = ${firmId}) as clients,
           (select count(*)::int from billing.invoices where firm_id = ${firmId}) as invoices,
           (select count(*)::int from documents.documents where firm_id = ${firmId}) as documents`
  )[0]!;

describe('the demo seed', () => {
  it('creates a realistic demo firm once, and a second run writes nothing', async () => {
    const first = await seedDemoFirm(database);
    expect(first.created).toBe(true);
    const seeded = await counts(first.firmId!);
    expect(seeded).toMatchObject({ members: 5, clients: 25 });
    expect(seeded.invoices).toBeGreaterThan(10);
    expect(seeded.documents).toBeGreaterThan(10);
    const [owner] =
      await admin`select u.name, m.role from tenancy.users u join tenancy.memberships m on m.user_id = u.id where u.email = ${DEMO_OWNER.email}`;
    expect(owner).toEqual({ name: DEMO_OWNER.name, role: 'OWNER' });

    const second = await seedDemoFirm(database);
    expect(second.created).toBe(false);
    expect(await counts(first.firmId!)).toEqual(seeded);
  });
});
