import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { connectAdmin } from './support/admin-db.ts';
import { sha256Hex, uploadDocument } from './support/documents.ts';
import { createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { onboardPortalUser, type PortalLogin } from './support/portal.ts';
import { startTestStack, type TestStack } from './support/stack.ts';

const CREATE = graphql(`
  mutation SignCreate($input: CreateSignatureRequestInput!) {
    createSignatureRequest(input: $input) {
      signatureRequest {
        id
        status
        originalSha256
        signers {
          id
          signerIndex
          name
          status
        }
        fields {
          id
          signerIndex
          kind
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const SEND = graphql(`
  mutation SignSend($input: SignatureRequestIdInput!) {
    sendSignatureRequest(input: $input) {
      signatureRequest {
        status
      }
      userErrors {
        code
      }
    }
  }
`);
const VOID = graphql(`
  mutation SignVoid($input: EndSignatureRequestInput!) {
    voidSignatureRequest(input: $input) {
      signatureRequest {
        status
        endReason
      }
      userErrors {
        code
      }
    }
  }
`);
const CONSENT_TEXT = graphql(`
  query SignConsentText {
    electronicRecordsConsent {
      version
      text
      sha256
    }
  }
`);
const CONSENT = graphql(`
  mutation SignConsent($input: ConsentToElectronicRecordsInput!) {
    consentToElectronicRecords(input: $input) {
      userErrors {
        code
      }
    }
  }
`);
const VIEW = graphql(`
  mutation SignView($input: SignatureRequestIdInput!) {
    viewSignatureDocument(input: $input) {
      downloadUrl {
        url
      }
      userErrors {
        code
      }
    }
  }
`);
const FILL = graphql(`
  mutation SignFill($input: FillSignatureFieldsInput!) {
    fillSignatureFields(input: $input) {
      userErrors {
        field
        code
      }
    }
  }
`);
const SIGN = graphql(`
  mutation SignSign($input: SignSignatureRequestInput!) {
    signSignatureRequest(input: $input) {
      signatureRequest {
        status
        signedSha256
        signedVersion {
          id
          signed
          sha256
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const DECLINE = graphql(`
  mutation SignDecline($input: EndSignatureRequestInput!) {
    declineSignatureRequest(input: $input) {
      signatureRequest {
        status
      }
      userErrors {
        code
      }
    }
  }
`);
const VERIFY = graphql(`
  query SignVerify($id: ID!) {
    verifySignatureRequest(id: $id) {
      valid
      chainValid
      originalValid
      signedValid
      headHash
      failures
    }
  }
`);
const VERIFY_FILE = graphql(`
  query SignVerifyFile($sha256: String!) {
    verifySignedDocument(sha256: $sha256) {
      producedByFirmGraph
      completedAt
    }
  }
`);
const REQUEST = graphql(`
  query SignRequest($id: ID!) {
    signatureRequest(id: $id) {
      status
      signers {
        name
        status
        isViewer
        consentVersion
      }
    }
  }
`);
const EVENTS = graphql(`
  query SignEvents($id: ID!) {
    signatureRequest(id: $id) {
      events {
        seq
        kind
        authMethod
        documentSha256
        prevHash
        hash
      }
      signedVersion {
        downloadUrl {
          url
        }
      }
    }
  }
`);

/** A two-page US Letter PDF with text on each page, made with pdf-lib. */
async function twoPagePdf(title: string): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  for (const text of [`${title} terms`, `${title} signatures`])
    pdf.addPage([612, 792]).drawText(text, { x: 72, y: 700 });
  return Buffer.from(await pdf.save());
}

/** A PNG (RFC 2083) of a dark stroke on white, 40×12 pixels, 8-bit greyscale: the drawn signature. */
function drawnPng(): Buffer {
  const [width, height] = [40, 12];
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  const rows = Array.from({ length: height }, (_row, y) =>
    Buffer.from([
      0,
      ...Array.from({ length: width }, (_c, x) => (Math.abs(y - 6 - Math.round(4 * Math.sin(x / 4))) < 2 ? 0 : 255)),
    ]),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const DRAWN_PNG = drawnPng();

let t: TestStack;
let admin: postgres.Sql;
let owner: FirmOwner;
let clientId = '';
let portal: PortalLogin;
let consentVersion = '';

beforeAll(async () => {
  t = await startTestStack();
  admin = connectAdmin();
  owner = await signUpFirm(t);
  [clientId] = (await createClients(t, owner.accessToken, ['Signing client'])) as [string];
  portal = await onboardPortalUser(t, owner, [clientId]);
  consentVersion = (await t.gql(CONSENT_TEXT, {}, portal.accessToken)).data!.electronicRecordsConsent.version;
});
afterAll(async () => {
  await admin?.end();
  await t?.stop();
});

/** A sent request over a fresh two-page PDF: the portal contact signs first, then the owner. */
async function sentRequest(signingOrder: 'SEQUENTIAL' | 'PARALLEL' = 'SEQUENTIAL') {
  const bytes = await twoPagePdf(`Engagement ${Date.now()}`);
  const { versionId } = await uploadDocument(t, owner.accessToken, { clientId, bytes, filename: 'engagement.pdf' });
  const created = await t.gql(
    CREATE,
    {
      input: {
        documentVersionId: versionId,
        signingOrder,
        message: 'Please sign the engagement letter.',
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        signers: [
          { contactId: portal.contactId, role: 'SIGNER', order: 1 },
          { userId: owner.userId, role: 'SIGNER', order: 2 },
        ],
        fields: [
          { signerIndex: 0, page: 2, x: 72, y: 200, width: 200, height: 50, kind: 'SIGNATURE', required: true },
          { signerIndex: 0, page: 2, x: 300, y: 200, width: 150, height: 20, kind: 'TEXT', required: true },
          { signerIndex: 0, page: 2, x: 300, y: 240, width: 80, height: 20, kind: 'DATE_SIGNED', required: true },
          { signerIndex: 1, page: 2, x: 72, y: 100, width: 200, height: 50, kind: 'SIGNATURE', required: true },
        ],
      },
    },
    owner.accessToken,
  );
  expect(created.errors).toBeUndefined();
  expect(created.data!.createSignatureRequest.userErrors).toEqual([]);
  const request = created.data!.createSignatureRequest.signatureRequest!;
  expect(request.originalSha256).toBe(sha256Hex(bytes));
  const sent = await t.gql(SEND, { input: { requestId: request.id } }, owner.accessToken);
  expect(sent.data!.sendSignatureRequest.userErrors).toEqual([]);
  return { request, bytes, versionId };
}

async function consentAndView(requestId: string, token: string) {
  const consented = await t.gql(CONSENT, { input: { requestId, consentVersion } }, token);
  expect(consented.data!.consentToElectronicRecords.userErrors).toEqual([]);
  const viewed = await t.gql(VIEW, { input: { requestId } }, token);
  expect(viewed.data!.viewSignatureDocument.userErrors).toEqual([]);
  return viewed.data!.viewSignatureDocument.downloadUrl!.url;
}

describe('e-signature', () => {
  it('two sequential signers with consent: a signed PDF with both signatures and a certificate, verifiable end to end', async () => {
    const { request, bytes } = await sentRequest();
    const requestId = request.id;
    // Sending twice is refused.
    expect(
      (await t.gql(SEND, { input: { requestId } }, owner.accessToken)).data!.sendSignatureRequest.userErrors,
    ).toEqual([{ code: 'INVALID_STATE' }]);

    // The owner is second: not its turn yet, and viewing needs consent first.
    const early = await t.gql(VIEW, { input: { requestId } }, owner.accessToken);
    expect(early.data!.viewSignatureDocument.userErrors).toEqual([{ code: 'CONSENT_REQUIRED' }]);

    const viewUrl = await consentAndView(requestId, portal.accessToken);
    const original = Buffer.from(await (await fetch(viewUrl)).arrayBuffer());
    expect(original.equals(bytes)).toBe(true);
    const textField = request.fields.find((f) => f.kind === 'TEXT')!;
    // Signing before the required text field is filled is refused.
    const tooSoon = await t.gql(
      SIGN,
      { input: { requestId, signature: { typedName: 'Casey Client' } } },
      portal.accessToken,
    );
    expect(tooSoon.data!.signSignatureRequest.userErrors.map((e) => e.code)).toEqual(['FIELDS_INCOMPLETE']);
    const filled = await t.gql(
      FILL,
      { input: { requestId, values: [{ fieldId: textField.id, value: 'Acme Holdings LLC' }] } },
      portal.accessToken,
    );
    expect(filled.data!.fillSignatureFields.userErrors).toEqual([]);

    await consentAndView(requestId, owner.accessToken);
    const ownerTooEarly = await t.gql(
      SIGN,
      { input: { requestId, signature: { drawnPng: DRAWN_PNG.toString('base64') } } },
      owner.accessToken,
    );
    expect(ownerTooEarly.data!.signSignatureRequest.userErrors.map((e) => e.code)).toEqual(['NOT_YOUR_TURN']);

    const first = await t.gql(
      SIGN,
      { input: { requestId, signature: { typedName: 'Casey Client' } } },
      portal.accessToken,
    );
    expect(first.data!.signSignatureRequest.userErrors).toEqual([]);
    expect(first.data!.signSignatureRequest.signatureRequest!.status).toBe('SENT');
    const portalView = await t.gql(REQUEST, { id: requestId }, portal.accessToken);
    expect(portalView.errors).toBeUndefined();
    expect(portalView.data!.signatureRequest!.signers).toEqual([
      { name: 'Casey Client', status: 'SIGNED', isViewer: true, consentVersion },
      expect.objectContaining({ status: 'VIEWED', isViewer: false }),
    ]);

    const second = await t.gql(
      SIGN,
      { input: { requestId, signature: { drawnPng: DRAWN_PNG.toString('base64') } } },
      owner.accessToken,
    );
    expect(second.errors).toBeUndefined();
    expect(second.data!.signSignatureRequest.userErrors).toEqual([]);
    const completed = second.data!.signSignatureRequest.signatureRequest!;
    expect(completed.status).toBe('COMPLETED');
    expect(completed.signedVersion).toMatchObject({ signed: true, sha256: completed.signedSha256 });

    // The evidence: every step, chained, the last one on the signed file's hash.
    const read = await t.gql(EVENTS, { id: requestId }, owner.accessToken);
    const events = read.data!.signatureRequest!.events;
    expect(events.map((e) => e.kind)).toEqual([
      'CREATED',
      'SENT',
      'DELIVERED',
      'DELIVERED',
      'CONSENTED',
      'VIEWED',
      'FIELD_FILLED',
      'CONSENTED',
      'VIEWED',
      'SIGNED',
      'SIGNED',
      'COMPLETED',
    ]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_e, i) => i + 1));
    expect(events[0]!.prevHash).toBe('0'.repeat(64));
    for (let i = 1; i < events.length; i++) expect(events[i]!.prevHash).toBe(events[i - 1]!.hash);
    expect(events.find((e) => e.kind === 'CONSENTED')!.authMethod).toBe('PORTAL_SESSION');
    expect(events.at(-1)!.documentSha256).toBe(completed.signedSha256);
    expect(events[0]!.documentSha256).toBe(sha256Hex(bytes));

    // The signed PDF: the original's pages plus the certificate, each signature in its place.
    const signed = Buffer.from(
      await (await fetch(read.data!.signatureRequest!.signedVersion!.downloadUrl.url)).arrayBuffer(),
    );
    expect(sha256Hex(signed)).toBe(completed.signedSha256);
    const dir = mkdtempSync(join(tmpdir(), 'firmgraph-signed-'));
    const file = join(dir, 'signed.pdf');
    writeFileSync(file, signed);
    const text = (page: number) =>
      execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-layout', file, '-'], { encoding: 'utf8' });
    expect((await PDFDocument.load(signed)).getPageCount()).toBeGreaterThanOrEqual(3);
    const signaturePage = text(2);
    expect(signaturePage).toContain('Casey Client');
    expect(signaturePage).toContain('Signed electronically by Casey Client');
    expect(signaturePage).toMatch(/Signed electronically by \S/);
    expect(signaturePage.match(/Signed electronically by/g)).toHaveLength(2);
    expect(signaturePage).toContain('Acme Holdings LLC');
    const certificate = text(3);
    expect(certificate).toContain('Certificate of completion');
    expect(certificate).toContain(sha256Hex(bytes));
    expect(certificate).toContain(requestId);
    expect(certificate).toContain('Casey Client');
    expect(certificate).toContain('CONSENTED');
    expect(certificate).toContain(
      (await t.gql(CONSENT_TEXT, {}, owner.accessToken)).data!.electronicRecordsConsent.sha256,
    );
    // The signature page renders: pdftoppm draws it to an image.
    execFileSync('pdftoppm', ['-f', '2', '-l', '2', '-png', '-r', '30', file, join(dir, 'page')]);
    expect(readFileSync(join(dir, 'page-2.png')).subarray(1, 4).toString()).toBe('PNG');

    const verified = await t.gql(VERIFY, { id: requestId }, owner.accessToken);
    expect(verified.data!.verifySignatureRequest).toMatchObject({
      valid: true,
      chainValid: true,
      originalValid: true,
      signedValid: true,
      failures: [],
      headHash: events.at(-1)!.hash,
    });
    // Anyone holding the file can ask whether FirmGraph made it; nothing else comes back.
    const publicCheck = await t.gql(VERIFY_FILE, { sha256: completed.signedSha256! });
    expect(publicCheck.data!.verifySignedDocument.producedByFirmGraph).toBe(true);
    expect((await t.gql(VERIFY_FILE, { sha256: sha256Hex(bytes) })).data!.verifySignedDocument).toEqual({
      producedByFirmGraph: false,
      completedAt: null,
    });

    // One changed byte of the stored signed PDF, then one changed evidence row (as the owner role,
    // with the append-only triggers set aside): each is caught and named.
    const [signedRow] = await admin<{ blob_key: string }[]>`
      select blob_key from documents.document_versions where firm_id = ${owner.firmId} and id = ${completed.signedVersion!.id}`;
    const blobPath = join(t.config.dataDir, 'blobs', signedRow!.blob_key);
    const stored = readFileSync(blobPath);
    const flipped = Buffer.from(stored);
    flipped.writeUInt8(flipped.readUInt8(flipped.length - 10) ^ 0x01, flipped.length - 10);
    writeFileSync(blobPath, flipped);
    const afterByte = (await t.gql(VERIFY, { id: requestId }, owner.accessToken)).data!.verifySignatureRequest;
    expect(afterByte).toMatchObject({ valid: false, chainValid: true, signedValid: false });
    writeFileSync(blobPath, stored);
    await admin.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update documents.signature_events set ip = '203.0.113.9' where firm_id = ${owner.firmId} and request_id = ${requestId} and seq = 5`;
    });
    const afterRow = (await t.gql(VERIFY, { id: requestId }, owner.accessToken)).data!.verifySignatureRequest;
    expect(afterRow).toMatchObject({ valid: false, chainValid: false, signedValid: true });
    expect(afterRow.failures).toEqual(['event 5 (CONSENTED): its content does not give its hash']);
  });

  it('refuses changes to evidence in the database, even by the service role', async () => {
    const { request } = await sentRequest('PARALLEL');
    await expect(
      admin`update documents.signature_events set ip = null where firm_id = ${owner.firmId} and request_id = ${request.id}`,
    ).rejects.toThrow(/append-only/);
    await expect(
      admin`delete from documents.signature_events where firm_id = ${owner.firmId} and request_id = ${request.id}`,
    ).rejects.toThrow(/append-only/);
  });

  it('a decline ends the request for everyone; void and expiry stop signing', async () => {
    const declined = await sentRequest('PARALLEL');
    const answer = await t.gql(
      DECLINE,
      { input: { requestId: declined.request.id, reason: 'The fee is wrong.' } },
      portal.accessToken,
    );
    expect(answer.data!.declineSignatureRequest).toEqual({ signatureRequest: { status: 'DECLINED' }, userErrors: [] });
    await t
      .gql(CONSENT, { input: { requestId: declined.request.id, consentVersion } }, owner.accessToken)
      .then((r) => expect(r.data!.consentToElectronicRecords.userErrors).toEqual([{ code: 'INVALID_STATE' }]));

    const voided = await sentRequest('PARALLEL');
    const voidAnswer = await t.gql(
      VOID,
      { input: { requestId: voided.request.id, reason: 'Sent to the wrong client.' } },
      owner.accessToken,
    );
    expect(voidAnswer.data!.voidSignatureRequest.signatureRequest).toEqual({
      status: 'VOIDED',
      endReason: 'Sent to the wrong client.',
    });
    const afterVoid = await t.gql(
      CONSENT,
      { input: { requestId: voided.request.id, consentVersion } },
      portal.accessToken,
    );
    expect(afterVoid.data!.consentToElectronicRecords.userErrors).toEqual([{ code: 'INVALID_STATE' }]);

    const expiring = await sentRequest('PARALLEL');
    await consentAndView(expiring.request.id, portal.accessToken);
    await admin`update documents.signature_requests set expires_at = now() - interval '1 minute' where firm_id = ${owner.firmId} and id = ${expiring.request.id}`;
    const eventsBefore =
      await admin`select count(*)::int as n from documents.signature_events where request_id = ${expiring.request.id}`;
    const late = await t.gql(
      SIGN,
      { input: { requestId: expiring.request.id, signature: { typedName: 'Casey Client' } } },
      portal.accessToken,
    );
    expect(late.data!.signSignatureRequest.userErrors.map((e) => e.code)).toEqual(['EXPIRED']);
    expect((await t.gql(REQUEST, { id: expiring.request.id }, owner.accessToken)).data!.signatureRequest!.status).toBe(
      'EXPIRED',
    );
    const eventsAfter =
      await admin`select count(*)::int as n from documents.signature_events where request_id = ${expiring.request.id}`;
    expect(eventsAfter[0]!.n).toBe(eventsBefore[0]!.n);
  });

  it('refuses bad requests with user errors and stores nothing', async () => {
    const textBytes = Buffer.from('plain text, not a PDF\n');
    const { versionId: textVersion } = await uploadDocument(t, owner.accessToken, {
      clientId,
      bytes: textBytes,
      filename: 'notes.txt',
      contentType: 'text/plain',
    });
    const { versionId } = await uploadDocument(t, owner.accessToken, {
      clientId,
      bytes: await twoPagePdf('Bad input'),
      filename: 'bad.pdf',
    });
    const [other] = await createClients(t, owner.accessToken, ['Unrelated client']);
    const stranger = await onboardPortalUser(t, owner, [other!]);
    const base = {
      documentVersionId: versionId,
      message: 'Sign, please.',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      signers: [{ contactId: portal.contactId, role: 'SIGNER' as const }],
      fields: [
        { signerIndex: 0, page: 1, x: 72, y: 72, width: 100, height: 40, kind: 'SIGNATURE' as const, required: true },
      ],
    };
    const cases: [Record<string, unknown>, string][] = [
      [{ documentVersionId: textVersion }, 'NOT_SIGNABLE'],
      [{ fields: [{ ...base.fields[0], x: 600 }] }, 'OUTSIDE_PAGE'],
      [{ fields: [{ ...base.fields[0], page: 3 }] }, 'OUTSIDE_PAGE'],
      [{ signers: [{ contactId: stranger.contactId, role: 'SIGNER' }] }, 'NOT_A_SIGNER'],
      [{ expiresAt: new Date(Date.now() - 1000).toISOString() }, 'OUT_OF_RANGE'],
      [{ fields: [] }, 'REQUIRED'],
    ];
    const count = async () =>
      (await admin`select count(*)::int as n from documents.signature_requests where firm_id = ${owner.firmId}`)[0]!
        .n as number;
    const before = await count();
    for (const [change, code] of cases) {
      const response = await t.gql(CREATE, { input: { ...base, ...change } as never }, owner.accessToken);
      expect(response.errors).toBeUndefined();
      expect(response.data!.createSignatureRequest.userErrors.map((e) => e.code)).toContain(code);
      expect(response.data!.createSignatureRequest.signatureRequest).toBeNull();
    }
    expect(await count()).toBe(before);
    // A portal user of another client sees the request as a random id.
    const { request } = await sentRequest('PARALLEL');
    expect((await t.gql(REQUEST, { id: request.id }, stranger.accessToken)).data!.signatureRequest).toBeNull();
    const foreign = await t.gql(CONSENT, { input: { requestId: request.id, consentVersion } }, stranger.accessToken);
    expect(foreign.data!.consentToElectronicRecords.userErrors).toEqual([{ code: 'NOT_FOUND' }]);
  });
});
