import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentsSubgraph } from '../subgraphs/documents/server.ts';
import { completeDocumentUpload, requestDocumentUpload } from '../subgraphs/documents/documents/document-service.ts';
import { sweepExpiredUploads } from '../subgraphs/documents/documents/upload-sweep.ts';
import { blobStoreFor } from '../subgraphs/documents/storage/blob-store.ts';
import { asFirm, connectAdmin } from './support/admin-db.ts';
import { openServiceTier, type ServiceTier } from './support/service-context.ts';
import type postgres from 'postgres';

let tier: ServiceTier;
let admin: postgres.Sql;
beforeAll(() => {
  tier = openServiceTier('documents');
  admin = connectAdmin();
});
afterAll(async () => {
  await admin.end();
  await tier.close();
});

describe('sweepExpiredUploads', () => {
  it('closes uploads past their hour as EXPIRED and deletes their bytes, leaving live ones, and is idempotent', async () => {
    // The firm and client as their own tenant, so triggers that open a new firm's books pass RLS.
    const firmId = randomUUID();
    const clientId = randomUUID();
    await asFirm(
      admin,
      firmId,
      (tx) => tx`insert into tenancy.firms (id, name, slug) values (${firmId}, 'Sweep firm', ${`sweep-${firmId}`})`,
    );
    await asFirm(
      admin,
      firmId,
      (tx) =>
        tx`insert into crm.clients (firm_id, id, name, currency) values (${firmId}, ${clientId}, 'Sweep client', 'USD')`,
    );
    const ctx = tier.staffContext(documentsSubgraph, firmId, 'STAFF');
    const store = blobStoreFor(ctx.config);
    const bytes = Buffer.from('a,b\n1,2\n');
    const declare = async () => {
      const { upload, userErrors } = await requestDocumentUpload(ctx, {
        clientId,
        filename: 'figures.csv',
        byteSize: bytes.length,
        contentType: 'text/csv',
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      expect(userErrors).toEqual([]);
      const [row] = await admin`select blob_key from documents.uploads where id = ${upload!.uploadId}`;
      await store.put(row!.blob_key, bytes, 'text/csv');
      return { uploadId: upload!.uploadId, key: row!.blob_key as string };
    };
    const stale = await declare();
    const live = await declare();
    await admin`update documents.uploads set expires_at = now() - interval '1 second' where id = ${stale.uploadId}`;

    expect(await sweepExpiredUploads({ database: tier.database, store })).toBeGreaterThanOrEqual(1);
    const rows =
      await admin`select id, status, finished_at from documents.uploads where firm_id = ${firmId} order by id`;
    expect(Object.fromEntries(rows.map((row) => [row.id, row.status]))).toEqual({
      [stale.uploadId]: 'EXPIRED',
      [live.uploadId]: 'PENDING',
    });
    expect(await store.stat(stale.key)).toBeNull();
    expect(await store.stat(live.key)).toEqual({ byteSize: bytes.length });

    // A second run finds nothing of this firm to do, and the swept upload cannot be completed.
    await sweepExpiredUploads({ database: tier.database, store });
    const [again] = await admin`select status from documents.uploads where id = ${stale.uploadId}`;
    expect(again!.status).toBe('EXPIRED');
    expect((await completeDocumentUpload(ctx, { uploadId: stale.uploadId })).userErrors.map((e) => e.code)).toEqual([
      'UPLOAD_CLOSED',
    ]);
    // The live one still completes: CSV is sniffed as text.
    const done = await completeDocumentUpload(ctx, { uploadId: live.uploadId });
    expect(done.userErrors).toEqual([]);
    expect(done.version).toMatchObject({ versionNumber: 1, contentType: 'text/csv', byteSize: bytes.length });
  });
});
