import { afterAll, describe, expect, it } from 'vitest';
import { connectAdmin, clientRowText, countClientRows } from '../../../tests/support/admin-db.ts';
import { openServiceTier } from '../../../tests/support/service-context.ts';
import { crmSubgraph } from '../server.ts';
import { archiveClient, createClient, findClient, updateClient } from './client-service.ts';

// Service tier: the crm client service against real PostgreSQL (app role, row-level security), no gateway.
const tier = openServiceTier('crm');
const admin = connectAdmin();
afterAll(async () => {
  await admin.end();
  await tier.close();
});

const managerOf = (firmId: string) => tier.staffContext(crmSubgraph, firmId, 'MANAGER');

describe('client service', () => {
  it('creates a client in one transaction with its audit entry; invalid input writes nothing', async () => {
    const firmId = await tier.createFirm();
    const ctx = managerOf(firmId);
    const created = await createClient(ctx, { name: '  Acme  ', email: 'Billing@Acme.example' });
    expect(created.userErrors).toEqual([]);
    expect(created.client).toMatchObject({ firmId, name: 'Acme', email: 'billing@acme.example', currency: 'USD' });
    const audit = await admin`
      select action, actor_kind from tenancy.audit_log where firm_id = ${firmId} and target_id = ${created.client!.id}`;
    expect(audit).toEqual([{ action: 'client.create', actor_kind: 'STAFF' }]);

    const invalid = await createClient(ctx, { name: ' ', email: 'not an email' });
    expect(invalid.client).toBeNull();
    expect(invalid.userErrors.map((e) => e.field)).toEqual([
      ['input', 'name'],
      ['input', 'email'],
    ]);
    expect(await countClientRows(admin, firmId)).toBe(1);
  });

  it('updates a client; an archived client cannot change; archiving twice returns it unchanged', async () => {
    const firmId = await tier.createFirm();
    const ctx = managerOf(firmId);
    const { client } = await createClient(ctx, { name: 'Globex' });
    const updated = await updateClient(ctx, { id: client!.id, name: 'Globex Corp', phone: '+1 555 0100' });
    expect(updated).toMatchObject({ client: { name: 'Globex Corp', phone: '+1 555 0100' }, userErrors: [] });

    const archived = await archiveClient(ctx, client!.id);
    expect(archived.client).toMatchObject({ status: 'ARCHIVED', archivedAt: expect.any(Date) });
    const rowAfterArchive = await clientRowText(admin, firmId, client!.id);
    expect((await archiveClient(ctx, client!.id)).client).toEqual(archived.client);
    const refused = await updateClient(ctx, { id: client!.id, name: 'Renamed' });
    expect(refused).toEqual({
      client: null,
      userErrors: [{ field: ['input', 'id'], message: 'Archived clients cannot be changed.', code: 'ARCHIVED' }],
    });
    expect(await clientRowText(admin, firmId, client!.id)).toBe(rowAfterArchive);
  });

  it('requires client:write: STAFF cannot create', async () => {
    const firmId = await tier.createFirm();
    const staff = tier.staffContext(crmSubgraph, firmId, 'STAFF');
    await expect(createClient(staff, { name: 'Nope' })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(await countClientRows(admin, firmId)).toBe(0);
  });

  it("isolates tenants: another firm's manager finds, changes and archives none of its clients", async () => {
    const firmA = await tier.createFirm();
    const firmB = await tier.createFirm();
    const { client } = await createClient(managerOf(firmA), { name: 'Initech' });
    const before = await clientRowText(admin, firmA, client!.id);
    const other = managerOf(firmB);
    expect(await findClient(other, client!.id)).toBeNull();
    await expect(updateClient(other, { id: client!.id, name: 'Taken' })).rejects.toMatchObject({
      extensions: { code: 'NOT_FOUND' },
    });
    await expect(archiveClient(other, client!.id)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    expect(await clientRowText(admin, firmA, client!.id)).toBe(before);
    // Control: the client's own firm does find it.
    expect(await findClient(managerOf(firmA), client!.id)).toMatchObject({ id: client!.id, name: 'Initech' });
  });
});
