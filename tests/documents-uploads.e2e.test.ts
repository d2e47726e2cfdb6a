import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { connectAdmin } from './support/admin-db.ts';
import { minimalPdf, postUploadForm, sha256Hex } from './support/documents.ts';
import { createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { onboardPortalUser, type PortalLogin } from './support/portal.ts';
import { startS3TestServer, type S3TestServer } from './support/s3-test-server.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import type postgres from 'postgres';

const REQUEST = graphql(`
  mutation DocumentsRequestUpload($input: RequestDocumentUploadInput!) {
    requestDocumentUpload(input: $input) {
      upload {
        uploadId
        url
        fields {
          name
          value
        }
        expiresAt
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const COMPLETE = graphql(`
  mutation DocumentsCompleteUpload($input: CompleteDocumentUploadInput!) {
    completeDocumentUpload(input: $input) {
      document {
        id
        filename
        contentType
        sizeBytes
        folder {
          id
          name
          kind
        }
        currentVersion {
          id
          versionNumber
          sha256
        }
      }
      version {
        id
        versionNumber
        byteSize
        sha256
        contentType
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const DOCUMENT = graphql(`
  query DocumentsDocument($id: ID!) {
    document(id: $id) {
      id
      filename
      currentVersion {
        id
        versionNumber
      }
      versions {
        id
        versionNumber
        sha256
        downloadUrl {
          url
          expiresAt
        }
      }
    }
  }
`);
const RESTORE = graphql(`
  mutation DocumentsRestore($input: RestoreDocumentVersionInput!) {
    restoreDocumentVersion(input: $input) {
      document {
        currentVersion {
          id
          versionNumber
        }
      }
      userErrors {
        code
      }
    }
  }
`);
const PORTAL_DOCUMENTS = graphql(`
  query DocumentsPortalList {
    portalViewer {
      clients {
        id
        documents(first: 10) {
          totalCount
          edges {
            node {
              id
              filename
              currentVersion {
                sha256
                downloadUrl {
                  url
                }
              }
            }
          }
        }
        folders {
          id
          name
          kind
        }
      }
    }
  }
`);
const SHARE = graphql(`
  mutation DocumentsShare($input: PortalShareInput!) {
    shareWithPortal(input: $input) {
      document {
        id
      }
      userErrors {
        code
      }
    }
  }
`);

const pdfBytes = minimalPdf;
/** The first bytes of an ELF executable, padded. */
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(120, 1)]);
const sha256 = sha256Hex;

type Form = { url: string; fields: { name: string; value: string }[]; expiresAt?: string };

for (const storeKind of ['local', 's3'] as const) {
  describe(`document uploads on the ${storeKind} store`, () => {
    let t: TestStack;
    let admin: postgres.Sql;
    let s3: S3TestServer | null = null;
    let owner: FirmOwner;
    let clientId = '';
    let otherClientId = '';
    let portal: PortalLogin;

    /** POSTs the form's fields, then `bytes` as the `file` part, as a browser would. */
    const post = (form: Form, bytes: Buffer, fields = form.fields) => postUploadForm({ url: form.url, fields }, bytes);

    async function request(input: Record<string, unknown>, token = owner.accessToken) {
      const response = await t.gql(REQUEST, { input: input as never }, token);
      expect(response.errors).toBeUndefined();
      return response.data!.requestDocumentUpload;
    }

    async function upload(
      bytes: Buffer,
      overrides: Record<string, unknown> = {},
      token = owner.accessToken,
    ): Promise<{ form: Form & { uploadId: string }; status: number }> {
      const requested = await request(
        {
          clientId,
          filename: 'letter.pdf',
          byteSize: bytes.length,
          contentType: 'application/pdf',
          sha256: sha256(bytes),
          ...overrides,
        },
        token,
      );
      expect(requested.userErrors).toEqual([]);
      const form = requested.upload!;
      return { form, status: await post(form, bytes) };
    }

    async function complete(uploadId: string, token = owner.accessToken) {
      const response = await t.gql(COMPLETE, { input: { uploadId } }, token);
      expect(response.errors).toBeUndefined();
      return response.data!.completeDocumentUpload;
    }

    const versionCount = async () =>
      (await admin`select count(*)::int as n from documents.document_versions where firm_id = ${owner.firmId}`)[0]!
        .n as number;

    beforeAll(async () => {
      if (storeKind === 's3') s3 = await startS3TestServer();
      t = await startTestStack(s3?.env ?? {});
      admin = connectAdmin();
      owner = await signUpFirm(t);
      const ids = await createClients(t, owner.accessToken, ['Acme', 'Other']);
      clientId = ids[0]!;
      otherClientId = ids[1]!;
      portal = await onboardPortalUser(t, owner, [clientId]);
    });
    afterAll(async () => {
      await admin?.end();
      await t?.stop();
      await s3?.close();
    });

    it('stores a file in two steps, adds versions, restores one, and downloads the bytes with an audit record', async () => {
      const first = pdfBytes();
      const { form, status } = await upload(first);
      expect(status).toBeLessThan(300);
      // The local store's form posts to the gateway's public origin, which forwards it to the documents subgraph.
      if (storeKind === 'local') expect(form.url.startsWith(`${t.stack.gateway.url}/uploads/documents/`)).toBe(true);
      expect(new Date(form.expiresAt!).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);
      const done = await complete(form.uploadId);
      expect(done.userErrors).toEqual([]);
      expect(done.version).toMatchObject({
        versionNumber: 1,
        byteSize: first.length,
        sha256: sha256(first),
        contentType: 'application/pdf',
      });
      const documentId = done.document!.id;

      const second = pdfBytes();
      const again = await upload(second, { documentId, filename: 'letter v2.pdf' });
      const v2 = await complete(again.form.uploadId);
      expect(v2.userErrors).toEqual([]);
      expect(v2.document).toMatchObject({
        id: documentId,
        filename: 'letter v2.pdf',
        currentVersion: { versionNumber: 2 },
      });

      // Completing the same upload twice adds nothing.
      expect((await complete(again.form.uploadId)).userErrors.map((e) => e.code)).toEqual(['UPLOAD_CLOSED']);

      const read = await t.gql(DOCUMENT, { id: documentId }, owner.accessToken);
      expect(read.errors).toBeUndefined();
      const versions = read.data!.document!.versions;
      expect(versions.map((v) => v.versionNumber)).toEqual([2, 1]);
      const v1 = versions[1]!;
      if (storeKind === 'local')
        expect(v1.downloadUrl.url.startsWith(`${t.stack.gateway.url}/downloads/documents/`)).toBe(true);
      const downloaded = await fetch(v1.downloadUrl.url);
      expect(downloaded.status).toBe(200);
      expect(Buffer.from(await downloaded.arrayBuffer()).equals(first)).toBe(true);
      expect(new Date(v1.downloadUrl.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);

      const audit = await admin`
        select action, metadata from tenancy.audit_log
        where firm_id = ${owner.firmId} and target_id = ${documentId} and action = 'document.download'`;
      expect(audit.map((row) => row.metadata.versionId).sort()).toEqual(versions.map((v) => v.id).sort());
      const keys = await admin`select blob_key from documents.document_versions where document_id = ${documentId}`;
      for (const { blob_key } of keys) expect(blob_key).toMatch(new RegExp(`^firm/${owner.firmId}/[0-9a-f-]{36}$`));

      const restored = await t.gql(RESTORE, { input: { versionId: v1.id } }, owner.accessToken);
      expect(restored.data!.restoreDocumentVersion.document!.currentVersion).toEqual({ id: v1.id, versionNumber: 1 });
      // Versions are immutable in the database too.
      await expect(
        admin`update documents.document_versions set sha256 = ${'0'.repeat(64)} where id = ${v1.id}`,
      ).rejects.toThrow(/immutable/);
    });

    it('refuses stored bytes that differ from the declared size, hash or type, deletes them and adds no version', async () => {
      const before = await versionCount();
      // Nothing uploaded at all.
      const nothing = await request({
        clientId,
        filename: 'a.pdf',
        byteSize: 10,
        contentType: 'application/pdf',
        sha256: 'a'.repeat(64),
      });
      expect((await complete(nothing.upload!.uploadId)).userErrors.map((e) => e.code)).toEqual(['SIZE_MISMATCH']);

      // Bytes other than the hashed ones.
      const declared = pdfBytes();
      const sent = pdfBytes('x'.repeat(declared.length - pdfBytes('').length));
      expect(sent.length).toBe(declared.length);
      const wrongHash = await request({
        clientId,
        filename: 'b.pdf',
        byteSize: sent.length,
        contentType: 'application/pdf',
        sha256: sha256(declared),
      });
      expect(await post(wrongHash.upload!, sent)).toBeLessThan(300);
      expect((await complete(wrongHash.upload!.uploadId)).userErrors.map((e) => e.code)).toEqual(['HASH_MISMATCH']);

      // An executable named and declared as a PDF.
      const exe = await upload(ELF, { filename: 'invoice.pdf' });
      expect(exe.status).toBeLessThan(300);
      expect((await complete(exe.form.uploadId)).userErrors.map((e) => e.code)).toEqual(['TYPE_MISMATCH']);

      // A PDF declared as a PNG.
      const png = await upload(pdfBytes(), { filename: 'scan.png', contentType: 'image/png' });
      expect((await complete(png.form.uploadId)).userErrors.map((e) => e.code)).toEqual(['TYPE_MISMATCH']);

      expect(await versionCount()).toBe(before);
      const blobs =
        await admin`select blob_key, status from documents.uploads where id in ${admin([wrongHash.upload!.uploadId, exe.form.uploadId])}`;
      expect(blobs.map((row) => row.status)).toEqual(['FAILED', 'FAILED']);
      expect((await complete(exe.form.uploadId)).userErrors.map((e) => e.code)).toEqual(['UPLOAD_CLOSED']);
    });

    it('answers bad declarations with user errors and stores no upload', async () => {
      const uploads = async () =>
        (await admin`select count(*)::int as n from documents.uploads where firm_id = ${owner.firmId}`)[0]!.n as number;
      const before = await uploads();
      const base = {
        clientId,
        filename: 'ok.pdf',
        byteSize: 100,
        contentType: 'application/pdf',
        sha256: 'b'.repeat(64),
      };
      const cases: [Record<string, unknown>, string][] = [
        [{ byteSize: 0 }, 'OUT_OF_RANGE'],
        [{ byteSize: 100 * 1024 * 1024 + 1 }, 'OUT_OF_RANGE'],
        [{ filename: `${'a'.repeat(252)}.pdf` }, 'TOO_LONG'],
        [{ filename: '../etc/passwd' }, 'INVALID'],
        [{ filename: 'a\\b.pdf' }, 'INVALID'],
        [{ filename: 'bell\u0007.pdf' }, 'INVALID'],
        [{ contentType: 'application/x-msdownload' }, 'TYPE_NOT_ALLOWED'],
        [{ sha256: 'not-a-hash' }, 'INVALID'],
        [{ clientId: randomUUID() }, 'NOT_FOUND'],
        [{ folderId: randomUUID() }, 'NOT_FOUND'],
      ];
      for (const [override, code] of cases) {
        const answer = await request({ ...base, ...override });
        expect(answer.upload, JSON.stringify(override)).toBeNull();
        expect(
          answer.userErrors.map((e) => e.code),
          JSON.stringify(override),
        ).toContain(code);
      }
      expect(await uploads()).toBe(before);
    });

    it('refuses an upload form used for another blob, over its size, or with an edited signature, and a download link used for another method or edited', async () => {
      const bytes = pdfBytes();
      const requested = await request({
        clientId,
        filename: 'c.pdf',
        byteSize: bytes.length,
        contentType: 'application/pdf',
        sha256: sha256(bytes),
      });
      const form = requested.upload!;
      const otherKey = `firm/${owner.firmId}/${randomUUID()}`;
      const withField = (name: string, value: (old: string) => string) =>
        form.fields.map((field) => (field.name === name ? { name, value: value(field.value) } : field));
      expect(
        await post(
          form,
          bytes,
          withField('key', () => otherKey),
        ),
      ).toBeGreaterThanOrEqual(400);
      expect(await post(form, Buffer.concat([bytes, Buffer.from('x')]))).toBeGreaterThanOrEqual(400);
      if (storeKind === 's3') {
        const flip = (s: string) => (s.endsWith('0') ? `${s.slice(0, -1)}1` : `${s.slice(0, -1)}0`);
        expect(await post(form, bytes, withField('X-Amz-Signature', flip))).toBe(403);
      } else {
        const edited = { ...form, url: form.url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) };
        expect(await post(edited, bytes)).toBe(403);
      }
      // Nothing was stored by the refused attempts: the real upload still goes through once.
      expect(await post(form, bytes)).toBeLessThan(300);
      const done = await complete(form.uploadId);
      expect(done.userErrors).toEqual([]);

      const read = await t.gql(DOCUMENT, { id: done.document!.id }, owner.accessToken);
      const link = read.data!.document!.versions[0]!.downloadUrl.url;
      expect(
        (await fetch(link, { method: storeKind === 'local' ? 'POST' : 'PUT', body: 'x' })).status,
      ).toBeGreaterThanOrEqual(400);
      const tampered =
        storeKind === 's3'
          ? link.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`)
          : link.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect((await fetch(tampered)).status).toBe(403);
      if (storeKind === 'local') {
        // A download token is not an upload form, nor the reverse, on the same blob.
        expect(await post({ ...form, url: link.replace('/downloads/', '/uploads/') }, bytes)).toBe(403);
        expect((await fetch(form.url.replace('/uploads/', '/downloads/'))).status).toBe(403);
      }
      const unsigned = storeKind === 's3' ? link.split('?')[0]! : link.replace(/\.[^.]+$/, '');
      expect((await fetch(unsigned)).status).toBe(403);
    });

    it('lets a portal user upload only into its own client’s From client folder, and see what is shared', async () => {
      const bytes = pdfBytes();
      const mine = await upload(bytes, { filename: 'statement.pdf' }, portal.accessToken);
      expect(mine.status).toBeLessThan(300);
      const done = await complete(mine.form.uploadId, portal.accessToken);
      expect(done.userErrors).toEqual([]);
      expect(done.document!.folder).toMatchObject({ name: 'From client', kind: 'FROM_CLIENT' });

      // The other client's drop folder answers like a random id; the other client is not the portal user's.
      const [dropRow] = await admin`
        insert into documents.folders (firm_id, id, client_id, name, kind) values (${owner.firmId}, ${randomUUID()}, ${otherClientId}, 'From client', 'FROM_CLIENT') returning id`;
      const otherDropFolder = dropRow!.id as string;
      const viaOtherFolder = await request(
        {
          clientId,
          folderId: otherDropFolder,
          filename: 'y.pdf',
          byteSize: bytes.length,
          contentType: 'application/pdf',
          sha256: sha256(bytes),
        },
        portal.accessToken,
      );
      const viaRandomFolder = await request(
        {
          clientId,
          folderId: randomUUID(),
          filename: 'y.pdf',
          byteSize: bytes.length,
          contentType: 'application/pdf',
          sha256: sha256(bytes),
        },
        portal.accessToken,
      );
      expect(viaOtherFolder).toEqual(viaRandomFolder);
      expect(viaOtherFolder.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
      const otherClient = await t.gql(
        REQUEST,
        {
          input: {
            clientId: otherClientId,
            filename: 'z.pdf',
            byteSize: 10,
            contentType: 'application/pdf',
            sha256: 'c'.repeat(64),
          },
        },
        portal.accessToken,
      );
      expect(otherClient.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

      // A staff document is invisible to the portal until shared.
      const staff = await upload(pdfBytes(), { filename: 'return.pdf' });
      const staffDoc = (await complete(staff.form.uploadId)).document!.id;
      const portalClient = async () => {
        const response = await t.gql(PORTAL_DOCUMENTS, {}, portal.accessToken);
        expect(response.errors).toBeUndefined();
        return response.data!.portalViewer!.clients.find((client) => client.id === clientId)!;
      };
      const listed = async () => (await portalClient()).documents.edges.map((e) => e.node.id);
      expect(await listed()).not.toContain(staffDoc);
      expect(await listed()).toContain(done.document!.id);
      const shared = await t.gql(SHARE, { input: { documentId: staffDoc } }, owner.accessToken);
      expect(shared.data!.shareWithPortal.userErrors).toEqual([]);
      expect(await listed()).toContain(staffDoc);
      const portalView = await portalClient();
      expect(portalView.folders.map((folder) => folder.kind)).toEqual(['FROM_CLIENT']);
      const node = portalView.documents.edges.find((e) => e.node.id === staffDoc)!.node;
      const got = await fetch(node.currentVersion!.downloadUrl.url);
      expect(got.status).toBe(200);
      expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(node.currentVersion!.sha256);
    });
  });
}
