import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Tx } from '../../../db/client.ts';
import type {
  SignatureEventRow,
  SignatureFieldRow,
  SignatureRequestRow,
  SignatureSignerRow,
} from '../../../db/schema/documents-signatures.ts';
import type { DocumentVersionRow } from '../../../db/schema/documents.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan, type FirmActor } from '../../../platform/authz.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { portalReaches } from '../../../platform/portal.ts';
import type { Actor } from '../../../platform/signed-context.ts';
import type { UserError as GenericUserError } from '../../../platform/user-errors.ts';
import { unauthenticated } from '../../../platform/errors.ts';
import type {
  ConsentToElectronicRecordsInput,
  CreateSignatureRequestInput,
  EndSignatureRequestInput,
  FillSignatureFieldsInput,
  RemindSignerInput,
  SignSignatureRequestInput,
  SignatureRequestIdInput,
  UserErrorCode,
} from '../__generated__/resolvers-types.ts';
import type { DocumentsContext } from '../documents-context.ts';
import { creatorOf } from '../documents/document-service.ts';
import {
  getVersionsByIds,
  insertVersion,
  lockDocument,
  nextVersionNumber,
  updateDocument,
} from '../documents/document-store.ts';
import { blobKey, blobStoreFor, type BlobStore } from '../storage/blob-store.ts';
import { ESIGN_CONSENT, ESIGN_CONSENT_SHA256 } from './esign-consent.ts';
import { chainHash, GENESIS_HASH, verifyEvidenceChain, type EvidenceEventContent } from './evidence-chain.ts';
import { appendCertificate, pdfPageSizes, stampSignedPdf } from './signed-pdf.ts';
import {
  contactsForSigning,
  fillField,
  getEvents,
  getFields,
  getSignatureRequestsByClients,
  getSignatureRequestsByIds,
  getSigners,
  insertEvent,
  insertSignatureRequest,
  lockSignatureRequest,
  membersForSigning,
  portalUserContact,
  signedDocumentCompletion,
  updateSignatureRequest,
  updateSigner,
} from './signature-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result of the signature request mutations. */
export interface SignatureRequestPayload {
  signatureRequest: SignatureRequestRow | null;
  userErrors: UserError[];
}

const MAX_SIGNERS = 20;
const MAX_FIELDS = 200;
const MAX_MESSAGE = 2000;
const MAX_REASON = 500;
const MAX_EXPIRY_MS = 366 * 86_400_000;
const MAX_SIGNATURE_PNG = 200 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const SHA256_HEX = /^[0-9a-f]{64}$/;

const error = (field: string[], code: UserErrorCode, message: string): UserError => ({ field, code, message });
const fail = (field: string[], code: UserErrorCode, message: string): SignatureRequestPayload => ({
  signatureRequest: null,
  userErrors: [error(field, code, message)],
});
const notFound = () => fail(['input', 'requestId'], 'NOT_FOUND', 'No such signature request.');
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * How the actor authenticated, for the evidence: the signed context names the kind of credential
 * (a staff session, an API key, a portal session), not whether MFA or a magic link was used.
 */
function authMethodOf(actor: FirmActor): string {
  switch (actor.kind) {
    case 'STAFF':
      return 'STAFF_SESSION';
    case 'API_KEY':
      return 'API_KEY';
    case 'PORTAL':
      return 'PORTAL_SESSION';
    case 'OPERATOR':
      return 'OPERATOR_SESSION';
  }
}

/** A request's status as callers see it: a sent request past its expiry is EXPIRED. */
export function effectiveStatus(request: SignatureRequestRow, now = new Date()): SignatureRequestRow['status'] {
  return request.status === 'SENT' && request.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : request.status;
}

/**
 * Appends one evidence event to the request's chain inside `tx`: the next `seq`, the last event's
 * hash as `prevHash`, `hash = sha256(prev ‖ canonical event)` (evidence-chain.ts), the actor, its
 * authentication method, IP and user agent from the request context. The caller holds the request
 * row's lock, so events of one request are appended one at a time.
 */
async function appendEvidence(
  tx: Tx,
  ctx: DocumentsContext,
  actor: FirmActor,
  request: SignatureRequestRow,
  event: {
    kind: SignatureEventRow['kind'];
    signerId?: string | null;
    documentSha256?: string;
    details?: Record<string, string | number | boolean | null>;
    occurredAt?: Date;
  },
): Promise<SignatureEventRow> {
  const events = await getEvents(tx, { firmId: actor.firmId, requestId: request.id });
  const last = events.at(-1);
  const creator = creatorOf(actor);
  const content: EvidenceEventContent = {
    requestId: request.id,
    seq: (last?.seq ?? 0) + 1,
    kind: event.kind,
    signerId: event.signerId ?? null,
    actorKind: actor.kind,
    actorId: creator.id,
    authMethod: authMethodOf(actor),
    ip: ctx.origin.ip,
    userAgent: ctx.origin.userAgent,
    documentSha256: event.documentSha256 ?? request.originalSha256,
    details: event.details ?? {},
    // Millisecond precision, as stored (timestamptz(3)), so the hash recomputes from the row.
    occurredAt: new Date(Math.floor((event.occurredAt ?? new Date()).getTime())),
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  return insertEvent(tx, {
    firmId: actor.firmId,
    id: newId(),
    ...content,
    kind: event.kind,
    prevHash,
    hash: chainHash(prevHash, content),
  });
}

/** The stored events as the chain hashes them. */
const chainContent = (event: SignatureEventRow) => ({ ...event, details: event.details ?? {} });

/**
 * The signer the actor is on this request: a staff user by user id; a portal user granted the
 * request's client, by the contact it is (`tenancy.portal_user_contact`). Null for anyone else.
 */
async function signerOfActor(
  tx: Tx,
  actor: FirmActor,
  request: SignatureRequestRow,
  signers: readonly SignatureSignerRow[],
): Promise<SignatureSignerRow | null> {
  if (actor.kind === 'STAFF') return signers.find((s) => s.userId === actor.userId) ?? null;
  if (actor.kind === 'PORTAL' && portalReaches(actor, request.clientId)) {
    const contactId = await portalUserContact(tx, actor.portalUserId);
    return contactId ? (signers.find((s) => s.contactId === contactId) ?? null) : null;
  }
  return null;
}

/**
 * The request for a signer action, locked: null (answered as NOT_FOUND) when it does not exist in the
 * firm, or the caller is not one of its signers (other than CC). Staff who are not signers, portal
 * users of other clients and other firms' ids all answer alike.
 */
async function lockForSigner(
  tx: Tx,
  actor: FirmActor,
  requestId: string,
): Promise<{ request: SignatureRequestRow; signers: SignatureSignerRow[]; signer: SignatureSignerRow } | null> {
  if (!isUuid(requestId)) return null;
  const request = await lockSignatureRequest(tx, { firmId: actor.firmId, requestId });
  if (!request) return null;
  const signers = await getSigners(tx, { firmId: actor.firmId, requestIds: [request.id] });
  const signer = await signerOfActor(tx, actor, request, signers);
  if (!signer || signer.role === 'CC') return null;
  return { request, signers, signer };
}

/** The user error when a signer may not act now: the request not SENT, expired, or the signer done. */
function signerStateError(request: SignatureRequestRow, signer: SignatureSignerRow, now: Date): UserError | null {
  const status = effectiveStatus(request, now);
  if (status === 'EXPIRED') return error(['input', 'requestId'], 'EXPIRED', 'This signature request has expired.');
  if (status !== 'SENT') return error(['input', 'requestId'], 'INVALID_STATE', `This request is ${status}.`);
  if (signer.status === 'SIGNED' || signer.status === 'DECLINED')
    return error(['input', 'requestId'], 'INVALID_STATE', 'You have already finished with this request.');
  return null;
}

/** Sequential signing: true when every signer before `signer` in order has signed. */
function isSignersTurn(
  request: SignatureRequestRow,
  signers: readonly SignatureSignerRow[],
  signer: SignatureSignerRow,
) {
  if (request.signingOrder === 'PARALLEL') return true;
  return signers.every((s) => s.role === 'CC' || s.order >= signer.order || s.status === 'SIGNED');
}

/** Checks a 1–`max` character reason or message after trimming. */
function checkText(value: string, field: string[], max: number, errors: UserError[]): string {
  const text = value.trim();
  if (text === '') errors.push(error(field, 'REQUIRED', 'Enter a value.'));
  else if (text.length > max) errors.push(error(field, 'TOO_LONG', `At most ${max} characters.`));
  return text;
}

/**
 * Creates a DRAFT signature request (issue 16, "Signature requests") over a PDF version, freezing
 * its SHA-256; records the CREATED evidence event and audits `signature_request.create`. One
 * transaction; needs `signature:send`.
 *
 * Refused with user errors, storing nothing: a version that is not a PDF pdf-lib can read
 * (NOT_SIGNABLE), no SIGNER or APPROVER, more than 20 signers, a signer given as neither or both of
 * `contactId`/`userId`, twice, or not a contact of the document's client / staff of the firm
 * (NOT_A_SIGNER), a field of an unknown or CC signer, a field off its page (OUTSIDE_PAGE, in PDF
 * points from the page's lower-left corner), a SIGNER without a SIGNATURE field, an empty or long
 * message, an expiry not in the future or more than a year ahead.
 * @throws FORBIDDEN without `signature:send`.
 */
export async function createSignatureRequest(
  ctx: DocumentsContext,
  input: CreateSignatureRequestInput,
): Promise<SignatureRequestPayload> {
  const actor = assertCan(ctx.actor, 'signature:send');
  const { firmId } = actor;
  const errors: UserError[] = [];
  const message = checkText(input.message, ['input', 'message'], MAX_MESSAGE, errors);
  const now = new Date();
  const expiresAt = input.expiresAt as Date;
  if (expiresAt.getTime() <= now.getTime() || expiresAt.getTime() > now.getTime() + MAX_EXPIRY_MS)
    errors.push(error(['input', 'expiresAt'], 'OUT_OF_RANGE', 'Choose an expiry in the future, at most a year ahead.'));
  if (input.signers.length === 0 || input.signers.length > MAX_SIGNERS)
    errors.push(error(['input', 'signers'], 'OUT_OF_RANGE', `Ask 1 to ${MAX_SIGNERS} people.`));
  if (!input.signers.some((s) => s.role !== 'CC'))
    errors.push(error(['input', 'signers'], 'REQUIRED', 'Ask at least one person to sign or approve.'));
  if (input.fields.length > MAX_FIELDS)
    errors.push(error(['input', 'fields'], 'OUT_OF_RANGE', `At most ${MAX_FIELDS} fields.`));
  const identities = new Set<string>();
  input.signers.forEach((signer, index) => {
    const field = ['input', 'signers', String(index)];
    const id = signer.contactId ?? signer.userId;
    if ((signer.contactId == null) === (signer.userId == null) || !id || !isUuid(id))
      errors.push(error(field, 'INVALID', 'Give a contactId or a userId.'));
    else if (identities.has(id)) errors.push(error(field, 'DUPLICATE', 'This person is already a signer.'));
    else identities.add(id);
    if (signer.order != null && (!Number.isInteger(signer.order) || signer.order < 0 || signer.order > 1000))
      errors.push(error([...field, 'order'], 'OUT_OF_RANGE', 'An order is 0 to 1000.'));
  });
  input.fields.forEach((f, index) => {
    const signer = input.signers[f.signerIndex];
    if (!signer || signer.role === 'CC')
      errors.push(error(['input', 'fields', String(index), 'signerIndex'], 'NOT_FOUND', 'No such signer.'));
  });
  input.signers.forEach((signer, index) => {
    if (signer.role === 'SIGNER' && !input.fields.some((f) => f.signerIndex === index && f.kind === 'SIGNATURE'))
      errors.push(error(['input', 'signers', String(index)], 'REQUIRED', 'A signer needs a signature field.'));
  });
  if (!isUuid(input.documentVersionId))
    errors.push(error(['input', 'documentVersionId'], 'NOT_FOUND', 'No such document version.'));
  if (errors.length > 0) return { signatureRequest: null, userErrors: errors };

  const store = blobStoreFor(ctx.config);
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const [version] = await getVersionsByIds(tx, { firmId, versionIds: [input.documentVersionId] });
    const document = version ? await lockDocument(tx, { firmId, documentId: version.documentId }) : null;
    if (!version || !document || document.deletedAt !== null)
      return fail(['input', 'documentVersionId'], 'NOT_FOUND', 'No such document version.');
    const pages =
      version.contentType === 'application/pdf'
        ? await pdfPageSizes(await readAll(await store.read(version.blobKey)))
        : null;
    if (!pages || pages.length === 0)
      return fail(['input', 'documentVersionId'], 'NOT_SIGNABLE', 'Only PDF documents can be signed.');
    input.fields.forEach((f, index) => {
      const page = pages[f.page - 1];
      const inside =
        page &&
        Number.isInteger(f.page) &&
        [f.x, f.y, f.width, f.height].every(Number.isFinite) &&
        f.x >= 0 &&
        f.y >= 0 &&
        f.width > 0 &&
        f.height > 0 &&
        f.x + f.width <= page.width &&
        f.y + f.height <= page.height;
      if (!inside)
        errors.push(error(['input', 'fields', String(index)], 'OUTSIDE_PAGE', 'The field does not lie on its page.'));
    });
    const contactIds = input.signers.flatMap((s) => (s.contactId ? [s.contactId] : []));
    const userIds = input.signers.flatMap((s) => (s.userId ? [s.userId] : []));
    const contacts = new Map(
      (await contactsForSigning(tx, { clientId: version.clientId, contactIds })).map((c) => [c.id, c]),
    );
    const members = new Map((await membersForSigning(tx, { userIds })).map((m) => [m.id, m]));
    input.signers.forEach((signer, index) => {
      const known = signer.contactId ? contacts.get(signer.contactId) : members.get(signer.userId!);
      if (!known)
        errors.push(
          error(
            ['input', 'signers', String(index)],
            'NOT_A_SIGNER',
            'Not a contact of this client, nor staff of the firm.',
          ),
        );
    });
    if (errors.length > 0) return { signatureRequest: null, userErrors: errors };

    const creator = creatorOf(actor);
    const requestId = newId();
    const request = await insertSignatureRequest(
      tx,
      {
        firmId,
        id: requestId,
        clientId: version.clientId,
        documentId: version.documentId,
        documentVersionId: version.id,
        originalSha256: version.sha256,
        signingOrder: input.signingOrder ?? 'PARALLEL',
        message,
        expiresAt,
        createdByKind: creator.kind,
        createdById: creator.id,
      },
      input.signers.map((signer, index) => {
        const known = signer.contactId ? contacts.get(signer.contactId)! : members.get(signer.userId!)!;
        return {
          firmId,
          id: newId(),
          requestId,
          signerIndex: index,
          order: signer.order ?? index,
          role: signer.role,
          contactId: signer.contactId ?? null,
          userId: signer.userId ?? null,
          name: known.name,
          email: known.email,
        };
      }),
      input.fields.map((f) => ({
        firmId,
        id: newId(),
        requestId,
        signerIndex: f.signerIndex,
        page: f.page,
        x: f.x,
        y: f.y,
        width: f.width,
        height: f.height,
        kind: f.kind,
        required: f.required,
      })),
    );
    await appendEvidence(tx, ctx, actor, request, {
      kind: 'CREATED',
      details: { documentVersionId: version.id, signers: input.signers.length, fields: input.fields.length },
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'signature_request.create',
      targetType: 'signature_request',
      targetId: requestId,
      metadata: { documentId: version.documentId, versionId: version.id },
    });
    return { signatureRequest: request, userErrors: [] };
  });
}

/** Locks a request for a staff action that needs `signature:send`; null when absent. */
async function lockForSender(tx: Tx, firmId: string, requestId: string): Promise<SignatureRequestRow | null> {
  return isUuid(requestId) ? lockSignatureRequest(tx, { firmId, requestId }) : null;
}

/**
 * Sends a DRAFT request: SENT, with a SENT event and a DELIVERED event per signer who signs or
 * approves (the request is then in their portal or staff app; email delivery is not built yet).
 * Sending twice, or after expiry, is a user error. Needs `signature:send`.
 */
export async function sendSignatureRequest(
  ctx: DocumentsContext,
  input: SignatureRequestIdInput,
): Promise<SignatureRequestPayload> {
  const actor = assertCan(ctx.actor, 'signature:send');
  return ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => {
    const request = await lockForSender(tx, actor.firmId, input.requestId);
    if (!request) return notFound();
    if (request.status !== 'DRAFT')
      return fail(['input', 'requestId'], 'INVALID_STATE', `This request was already ${request.status.toLowerCase()}.`);
    if (request.expiresAt.getTime() <= Date.now())
      return fail(['input', 'requestId'], 'EXPIRED', 'This signature request has expired.');
    const sentAt = new Date();
    const sent = await updateSignatureRequest(
      tx,
      { firmId: actor.firmId, requestId: request.id },
      { status: 'SENT', sentAt },
    );
    await appendEvidence(tx, ctx, actor, sent, { kind: 'SENT', occurredAt: sentAt });
    for (const signer of await getSigners(tx, { firmId: actor.firmId, requestIds: [request.id] }))
      if (signer.role !== 'CC') await appendEvidence(tx, ctx, actor, sent, { kind: 'DELIVERED', signerId: signer.id });
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'signature_request.send',
      targetType: 'signature_request',
      targetId: request.id,
    });
    return { signatureRequest: sent, userErrors: [] };
  });
}

/** Reminds a signer of a sent request who has not signed: a DELIVERED event marked as a reminder. Needs `signature:send`. */
export async function remindSigner(ctx: DocumentsContext, input: RemindSignerInput): Promise<SignatureRequestPayload> {
  const actor = assertCan(ctx.actor, 'signature:send');
  return ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => {
    const request = await lockForSender(tx, actor.firmId, input.requestId);
    if (!request) return notFound();
    const signer = (await getSigners(tx, { firmId: actor.firmId, requestIds: [request.id] })).find(
      (s) => s.id === input.signerId && s.role !== 'CC',
    );
    if (!signer) return fail(['input', 'signerId'], 'NOT_FOUND', 'No such signer.');
    const status = effectiveStatus(request);
    if (status === 'EXPIRED') return fail(['input', 'requestId'], 'EXPIRED', 'This signature request has expired.');
    if (status !== 'SENT' || signer.status === 'SIGNED' || signer.status === 'DECLINED')
      return fail(['input', 'signerId'], 'INVALID_STATE', 'Nothing to remind this signer of.');
    await appendEvidence(tx, ctx, actor, request, {
      kind: 'DELIVERED',
      signerId: signer.id,
      details: { reminder: true },
    });
    return { signatureRequest: request, userErrors: [] };
  });
}

/** Voids a DRAFT or SENT request with a reason: VOIDED, with a VOIDED event and an audit record. Needs `signature:send`. */
export async function voidSignatureRequest(
  ctx: DocumentsContext,
  input: EndSignatureRequestInput,
): Promise<SignatureRequestPayload> {
  const actor = assertCan(ctx.actor, 'signature:send');
  const errors: UserError[] = [];
  const reason = checkText(input.reason, ['input', 'reason'], MAX_REASON, errors);
  if (errors.length > 0) return { signatureRequest: null, userErrors: errors };
  return ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => {
    const request = await lockForSender(tx, actor.firmId, input.requestId);
    if (!request) return notFound();
    if (request.status !== 'DRAFT' && request.status !== 'SENT')
      return fail(['input', 'requestId'], 'INVALID_STATE', `This request is ${request.status}.`);
    const endedAt = new Date();
    const voided = await updateSignatureRequest(
      tx,
      { firmId: actor.firmId, requestId: request.id },
      { status: 'VOIDED', endedAt, endReason: reason },
    );
    await appendEvidence(tx, ctx, actor, voided, { kind: 'VOIDED', details: { reason }, occurredAt: endedAt });
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'signature_request.void',
      targetType: 'signature_request',
      targetId: request.id,
    });
    return { signatureRequest: voided, userErrors: [] };
  });
}

/** Runs a signer action in one transaction on the locked request, after the checks every signer action shares. */
async function asSigner(
  ctx: DocumentsContext,
  requestId: string,
  work: (
    tx: Tx,
    actor: FirmActor,
    found: { request: SignatureRequestRow; signers: SignatureSignerRow[]; signer: SignatureSignerRow },
  ) => Promise<SignatureRequestPayload>,
): Promise<SignatureRequestPayload> {
  const actor = signerActor(ctx.actor);
  return ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => {
    const found = await lockForSigner(tx, actor, requestId);
    if (!found) return notFound();
    const stateError = signerStateError(found.request, found.signer, new Date());
    if (stateError) return { signatureRequest: null, userErrors: [stateError] };
    return work(tx, actor, found);
  });
}

/** Staff users and portal users sign; anyone else is not a signer. @throws UNAUTHENTICATED, FORBIDDEN. */
function signerActor(actor: Actor): FirmActor {
  if (actor.kind === 'ANONYMOUS') throw unauthenticated();
  if (actor.kind === 'PORTAL') return actor;
  return assertCan(actor, 'document:read');
}

/**
 * The signer's first step (ESIGN Act, 15 U.S.C. §7001(c)): consent to electronic records and
 * signatures, for the current wording only (`ESIGN_CONSENT.version`). Records the version and the
 * SHA-256 of its text on the signer and in a CONSENTED event. Consenting again changes nothing.
 */
export async function consentToElectronicRecords(
  ctx: DocumentsContext,
  input: ConsentToElectronicRecordsInput,
): Promise<SignatureRequestPayload> {
  return asSigner(ctx, input.requestId, async (tx, actor, { request, signer }) => {
    if (input.consentVersion !== ESIGN_CONSENT.version)
      return fail(
        ['input', 'consentVersion'],
        'INVALID',
        'Show the signer the current consent text and send its version.',
      );
    if (signer.consentedAt) return { signatureRequest: request, userErrors: [] };
    const consentedAt = new Date();
    await updateSigner(
      tx,
      { firmId: actor.firmId, signerId: signer.id },
      { consentVersion: ESIGN_CONSENT.version, consentSha256: ESIGN_CONSENT_SHA256, consentedAt },
    );
    await appendEvidence(tx, ctx, actor, request, {
      kind: 'CONSENTED',
      signerId: signer.id,
      details: { consentVersion: ESIGN_CONSENT.version, consentSha256: ESIGN_CONSENT_SHA256 },
      occurredAt: consentedAt,
    });
    return { signatureRequest: request, userErrors: [] };
  });
}

/**
 * The signer opens the document: a short-lived link to the frozen version, and a VIEWED event (the
 * signer's status becomes VIEWED the first time). Needs consent first.
 */
export async function viewSignatureDocument(
  ctx: DocumentsContext,
  input: SignatureRequestIdInput,
): Promise<SignatureRequestPayload & { downloadUrl: { url: string; expiresAt: Date } | null }> {
  let version: DocumentVersionRow | undefined;
  const payload = await asSigner(ctx, input.requestId, async (tx, actor, { request, signer }) => {
    if (!signer.consentedAt)
      return fail(['input', 'requestId'], 'CONSENT_REQUIRED', 'Consent to electronic records and signatures first.');
    [version] = await getVersionsByIds(tx, { firmId: actor.firmId, versionIds: [request.documentVersionId] });
    const viewedAt = new Date();
    if (!signer.viewedAt)
      await updateSigner(tx, { firmId: actor.firmId, signerId: signer.id }, { viewedAt, status: 'VIEWED' });
    await appendEvidence(tx, ctx, actor, request, { kind: 'VIEWED', signerId: signer.id, occurredAt: viewedAt });
    return { signatureRequest: request, userErrors: [] };
  });
  if (!version || payload.userErrors.length > 0) return { ...payload, downloadUrl: null };
  const downloadUrl = await blobStoreFor(ctx.config).createDownloadUrl({
    key: version.blobKey,
    filename: version.filename,
    contentType: version.contentType,
  });
  return { ...payload, downloadUrl };
}

/** Checks one field value against its kind; pushes INVALID or TOO_LONG. */
function checkFieldValue(field: SignatureFieldRow, value: string, path: string[], errors: UserError[]): void {
  if (field.kind === 'CHECKBOX') {
    if (value !== 'true' && value !== 'false') errors.push(error(path, 'INVALID', 'A checkbox is `true` or `false`.'));
  } else if (field.kind === 'TEXT' || field.kind === 'INITIALS') {
    const max = field.kind === 'TEXT' ? 500 : 10;
    if (value.trim() === '') errors.push(error(path, 'REQUIRED', 'Enter a value.'));
    else if (value.length > max) errors.push(error(path, 'TOO_LONG', `At most ${max} characters.`));
    else if ([...value].some((c) => c.charCodeAt(0) < 0x20))
      errors.push(error(path, 'INVALID', 'No control characters.'));
  } else errors.push(error(path, 'INVALID', 'This field is filled when you sign.'));
}

/**
 * The signer fills its TEXT, INITIALS and CHECKBOX fields: one FIELD_FILLED event per field. Needs
 * consent and a view first; every value is checked before anything is written.
 */
export async function fillSignatureFields(
  ctx: DocumentsContext,
  input: FillSignatureFieldsInput,
): Promise<SignatureRequestPayload> {
  return asSigner(ctx, input.requestId, async (tx, actor, { request, signer }) => {
    if (!signer.consentedAt || !signer.viewedAt)
      return fail(['input', 'requestId'], 'CONSENT_REQUIRED', 'Consent and view the document first.');
    if (input.values.length === 0 || input.values.length > 100)
      return fail(['input', 'values'], 'OUT_OF_RANGE', 'Fill 1 to 100 fields at a time.');
    const fields = (await getFields(tx, { firmId: actor.firmId, requestIds: [request.id] })).filter(
      (f) => f.signerIndex === signer.signerIndex,
    );
    const errors: UserError[] = [];
    input.values.forEach(({ fieldId, value }, index) => {
      const field = fields.find((f) => f.id === fieldId);
      const path = ['input', 'values', String(index)];
      if (!field) errors.push(error([...path, 'fieldId'], 'NOT_FOUND', 'No such field of yours.'));
      else checkFieldValue(field, value, [...path, 'value'], errors);
    });
    if (errors.length > 0) return { signatureRequest: null, userErrors: errors };
    const filledAt = new Date();
    for (const { fieldId, value } of input.values) {
      await fillField(tx, { firmId: actor.firmId, fieldId }, { value, filledAt });
      await appendEvidence(tx, ctx, actor, request, {
        kind: 'FIELD_FILLED',
        signerId: signer.id,
        details: { fieldId, value },
        occurredAt: filledAt,
      });
    }
    return { signatureRequest: request, userErrors: [] };
  });
}

/** The adopted signature: a typed name (1–100 characters), or a drawn PNG (base64, at most 200 KB). */
function adoptSignature(
  input: SignSignatureRequestInput['signature'],
  errors: UserError[],
): { kind: 'TYPED' | 'DRAWN'; typed: string | null; png: Buffer | null } | null {
  const path = ['input', 'signature'];
  if ((input.typedName == null) === (input.drawnPng == null)) {
    errors.push(error(path, 'INVALID', 'Type your name or draw your signature.'));
    return null;
  }
  if (input.typedName != null) {
    const typed = checkText(input.typedName, [...path, 'typedName'], 100, errors);
    return { kind: 'TYPED', typed, png: null };
  }
  const png = Buffer.from(input.drawnPng!, 'base64');
  if (png.length > MAX_SIGNATURE_PNG) errors.push(error([...path, 'drawnPng'], 'TOO_LONG', 'At most 200 KB.'));
  else if (png.length < 32 || !png.subarray(0, 8).equals(PNG_MAGIC))
    errors.push(error([...path, 'drawnPng'], 'INVALID', 'Send the drawing as a PNG.'));
  return { kind: 'DRAWN', typed: null, png };
}

/**
 * The signer adopts a signature and signs (issue 16, "The signer's ceremony"): needs consent, a view,
 * its turn (sequential signing), and every required field of its own filled. Records SIGNED. When
 * every SIGNER and APPROVER has signed, the request completes in the same transaction
 * (`completeRequest`). Signing after expiry, twice, or on a draft is a user error; nothing is written.
 */
export async function signSignatureRequest(
  ctx: DocumentsContext,
  input: SignSignatureRequestInput,
): Promise<SignatureRequestPayload> {
  const errors: UserError[] = [];
  const adopted = adoptSignature(input.signature, errors);
  if (!adopted || errors.length > 0) return { signatureRequest: null, userErrors: errors };
  const store = blobStoreFor(ctx.config);
  let written: string | null = null;
  try {
    return await asSigner(ctx, input.requestId, async (tx, actor, { request, signers, signer }) => {
      if (!signer.consentedAt || !signer.viewedAt)
        return fail(['input', 'requestId'], 'CONSENT_REQUIRED', 'Consent and view the document first.');
      if (!isSignersTurn(request, signers, signer))
        return fail(['input', 'requestId'], 'NOT_YOUR_TURN', 'An earlier signer has not signed yet.');
      const fields = await getFields(tx, { firmId: actor.firmId, requestIds: [request.id] });
      const fillable = ['TEXT', 'INITIALS', 'CHECKBOX'];
      const missing = fields.filter(
        (f) => f.signerIndex === signer.signerIndex && f.required && fillable.includes(f.kind) && f.value === null,
      );
      if (missing.length > 0)
        return fail(['input', 'requestId'], 'FIELDS_INCOMPLETE', 'Fill every required field first.');
      if (adopted.png && !(await pngEmbeds(adopted.png)))
        return fail(['input', 'signature', 'drawnPng'], 'INVALID', 'Send the drawing as a PNG.');
      const signedAt = new Date();
      await updateSigner(
        tx,
        { firmId: actor.firmId, signerId: signer.id },
        { status: 'SIGNED', signedAt, signatureKind: adopted.kind, signaturePng: adopted.png },
      );
      await appendEvidence(tx, ctx, actor, request, {
        kind: 'SIGNED',
        signerId: signer.id,
        details: {
          signatureKind: adopted.kind,
          typedName: adopted.typed,
          signatureSha256: adopted.png ? sha256Hex(adopted.png) : null,
        },
        occurredAt: signedAt,
      });
      const after = await getSigners(tx, { firmId: actor.firmId, requestIds: [request.id] });
      if (!after.every((s) => s.role === 'CC' || s.status === 'SIGNED'))
        return { signatureRequest: request, userErrors: [] };
      const completed = await completeRequest(tx, ctx, actor, store, request, after, fields, (key) => (written = key));
      return { signatureRequest: completed, userErrors: [] };
    });
  } catch (thrown) {
    // The transaction rolled back: the signed PDF it stored belongs to nothing.
    if (written) await store.delete(written);
    throw thrown;
  }
}

async function pngEmbeds(png: Buffer): Promise<boolean> {
  const { PDFDocument } = await import('pdf-lib');
  try {
    await (await PDFDocument.create()).embedPng(png);
    return true;
  } catch {
    return false;
  }
}

/**
 * Completes a request whose signers have all signed (issue 16, "Completion"), inside the signing
 * transaction: reads the original and checks it still hashes to `originalSha256`; stamps the
 * signatures and field values (`stampSignedPdf`); appends the certificate of completion with the
 * chain's head so far (`appendCertificate`); stores the result as a new version of the document,
 * marked signed, which becomes current, and files the document as SIGNED_AGREEMENT; records
 * COMPLETED with the stamped and signed SHA-256 and audits `signature_request.complete`.
 * @param onStored told the new blob's key as soon as it is written, so a rollback can delete it.
 * @throws Error when the original's bytes no longer match its frozen SHA-256.
 */
async function completeRequest(
  tx: Tx,
  ctx: DocumentsContext,
  actor: FirmActor,
  store: BlobStore,
  request: SignatureRequestRow,
  signers: readonly SignatureSignerRow[],
  fields: readonly SignatureFieldRow[],
  onStored: (key: string) => void,
): Promise<SignatureRequestRow> {
  const { firmId } = actor;
  const [original] = await getVersionsByIds(tx, { firmId, versionIds: [request.documentVersionId] });
  const bytes = await readAll(await store.read(original!.blobKey));
  if (sha256Hex(bytes) !== request.originalSha256) throw new Error('The document being signed changed in storage');
  const completedAt = new Date();
  const events = await getEvents(tx, { firmId, requestId: request.id });
  // A typed signature is in its SIGNED event, the drawn one on the signer row.
  const signedEvents = new Map(
    events.filter((e) => e.kind === 'SIGNED').map((e) => [e.signerId, e.details.typedName as string | null]),
  );
  const stamped = await stampSignedPdf(
    bytes,
    fields.map((f) => ({ ...f, kind: f.kind })),
    signers.map((s) => ({
      signerIndex: s.signerIndex,
      name: s.name,
      signaturePng: s.signaturePng,
      typedSignature: signedEvents.get(s.id) ?? null,
      signedAt: s.signedAt,
    })),
    completedAt,
  );
  const stampedSha256 = sha256Hex(stamped);
  const chainHead = events.at(-1)!.hash;
  const signed = await appendCertificate(stamped, {
    requestId: request.id,
    filename: original!.filename,
    originalSha256: request.originalSha256,
    stampedSha256,
    chainHead,
    completedAt,
    signers: signers.map((s) => ({
      name: s.name,
      email: s.email,
      role: s.role,
      signedAt: s.signedAt,
      consentVersion: s.consentVersion,
      consentSha256: s.consentSha256,
    })),
    events: events.map((e) => ({
      seq: e.seq,
      kind: e.kind,
      occurredAt: e.occurredAt,
      actor: actorLabel(e, signers),
      authMethod: e.authMethod,
      ip: e.ip,
    })),
  });
  const signedSha256 = sha256Hex(signed);
  const key = blobKey(firmId, newId());
  await store.put(key, signed, 'application/pdf');
  onStored(key);
  const creator = creatorOf(actor);
  const version = await insertVersion(tx, {
    firmId,
    id: newId(),
    documentId: request.documentId,
    clientId: request.clientId,
    versionNumber: await nextVersionNumber(tx, { firmId, documentId: request.documentId }),
    blobKey: key,
    filename: original!.filename.replace(/(\.pdf)?$/i, ' (signed).pdf'),
    contentType: 'application/pdf',
    byteSize: signed.length,
    sha256: signedSha256,
    signed: true,
    createdByKind: creator.kind,
    createdById: creator.id,
  });
  await updateDocument(
    tx,
    { firmId, documentId: request.documentId },
    {
      currentVersionId: version.id,
      filename: version.filename,
      contentType: version.contentType,
      sizeBytes: version.byteSize,
      category: 'SIGNED_AGREEMENT',
      updatedAt: completedAt,
    },
  );
  const completed = await updateSignatureRequest(
    tx,
    { firmId, requestId: request.id },
    { status: 'COMPLETED', endedAt: completedAt, signedVersionId: version.id, stampedSha256, signedSha256 },
  );
  await appendEvidence(tx, ctx, actor, completed, {
    kind: 'COMPLETED',
    documentSha256: signedSha256,
    details: { signedVersionId: version.id, stampedSha256, signedSha256, certificateChainHead: chainHead },
    occurredAt: completedAt,
  });
  await recordAudit(tx, ctx, {
    firmId,
    action: 'signature_request.complete',
    targetType: 'signature_request',
    targetId: request.id,
    metadata: { signedVersionId: version.id, signedSha256 },
  });
  return completed;
}

/** Who acted, as the certificate names them: the signer's name, or the kind of firm actor. */
function actorLabel(event: SignatureEventRow, signers: readonly SignatureSignerRow[]): string {
  const signer = signers.find((s) => s.id === event.signerId);
  if (signer && event.kind !== 'DELIVERED') return signer.name;
  return event.actorKind === 'STAFF' ? 'Firm staff' : event.actorKind === 'API_KEY' ? 'Firm API key' : event.actorKind;
}

/**
 * The signer declines with a reason: the signer DECLINED, the request DECLINED for everyone, with a
 * DECLINED event. Needs nothing before it: a signer may decline without consenting.
 */
export async function declineSignatureRequest(
  ctx: DocumentsContext,
  input: EndSignatureRequestInput,
): Promise<SignatureRequestPayload> {
  const errors: UserError[] = [];
  const reason = checkText(input.reason, ['input', 'reason'], MAX_REASON, errors);
  if (errors.length > 0) return { signatureRequest: null, userErrors: errors };
  return asSigner(ctx, input.requestId, async (tx, actor, { request, signer }) => {
    const endedAt = new Date();
    await updateSigner(tx, { firmId: actor.firmId, signerId: signer.id }, { status: 'DECLINED', declinedAt: endedAt });
    const declined = await updateSignatureRequest(
      tx,
      { firmId: actor.firmId, requestId: request.id },
      { status: 'DECLINED', endedAt, endReason: reason },
    );
    await appendEvidence(tx, ctx, actor, declined, {
      kind: 'DECLINED',
      signerId: signer.id,
      details: { reason },
      occurredAt: endedAt,
    });
    return { signatureRequest: declined, userErrors: [] };
  });
}

/**
 * Whether the caller may see a request: staff with `document:read` (any of the firm's), a portal
 * user only as one of its signers once it is sent. Others' requests answer as missing.
 */
async function visibleRequests(
  tx: Tx,
  firmActor: FirmActor,
  requests: SignatureRequestRow[],
): Promise<SignatureRequestRow[]> {
  if (firmActor.kind !== 'PORTAL') return requests;
  const reachable = requests.filter((r) => r.status !== 'DRAFT' && portalReaches(firmActor, r.clientId));
  if (reachable.length === 0) return [];
  const contactId = await portalUserContact(tx, firmActor.portalUserId);
  const signers = await getSigners(tx, { firmId: firmActor.firmId, requestIds: reachable.map((r) => r.id) });
  return reachable.filter((r) => signers.some((s) => s.requestId === r.id && s.contactId === contactId));
}

function readerActor(actor: Actor): FirmActor {
  if (actor.kind === 'ANONYMOUS') throw unauthenticated();
  return actor.kind === 'PORTAL' ? actor : assertCan(actor, 'document:read');
}

/** A request by id as the caller may see it, or null (unknown, another firm's, not the portal user's). */
export async function findSignatureRequest(
  ctx: DocumentsContext,
  requestId: string,
): Promise<SignatureRequestRow | null> {
  const actor = readerActor(ctx.actor);
  if (!isUuid(requestId)) return null;
  return ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => {
    const rows = await getSignatureRequestsByIds(tx, { firmId: actor.firmId, requestIds: [requestId] });
    return (await visibleRequests(tx, actor, rows))[0] ?? null;
  });
}

/** A client's requests the caller may see, newest first. */
export async function clientSignatureRequests(ctx: DocumentsContext, clientId: string): Promise<SignatureRequestRow[]> {
  const actor = readerActor(ctx.actor);
  if (actor.kind === 'PORTAL' && !portalReaches(actor, clientId)) return [];
  return ctx.database.withTenant({ firmId: actor.firmId }, async (tx) =>
    visibleRequests(
      tx,
      actor,
      await getSignatureRequestsByClients(tx, { firmId: actor.firmId, clientIds: [clientId] }),
    ),
  );
}

/** A request's signers, by index. */
export async function requestSigners(
  ctx: DocumentsContext,
  request: SignatureRequestRow,
): Promise<SignatureSignerRow[]> {
  return ctx.database.withTenant({ firmId: request.firmId }, (tx) =>
    getSigners(tx, { firmId: request.firmId, requestIds: [request.id] }),
  );
}

/** A request's fields; a portal user sees only its own fields' values filled by others as they are. */
export async function requestFields(ctx: DocumentsContext, request: SignatureRequestRow): Promise<SignatureFieldRow[]> {
  return ctx.database.withTenant({ firmId: request.firmId }, (tx) =>
    getFields(tx, { firmId: request.firmId, requestIds: [request.id] }),
  );
}

/** A request's evidence events in order (staff only, by the shield rules). */
export async function requestEvents(ctx: DocumentsContext, request: SignatureRequestRow): Promise<SignatureEventRow[]> {
  assertCan(ctx.actor, 'document:read');
  return ctx.database.withTenant({ firmId: request.firmId }, (tx) =>
    getEvents(tx, { firmId: request.firmId, requestId: request.id }),
  );
}

/** True when `signer` is the caller: the staff user, or the portal user's contact. */
export async function isViewerSigner(ctx: DocumentsContext, signer: SignatureSignerRow): Promise<boolean> {
  const actor = ctx.actor;
  if (actor.kind === 'STAFF') return signer.userId === actor.userId;
  if (actor.kind !== 'PORTAL' || !signer.contactId) return false;
  const contactId = await ctx.database.withTenant({ firmId: actor.firmId }, (tx) =>
    portalUserContact(tx, actor.portalUserId),
  );
  return contactId === signer.contactId;
}

/**
 * Recomputes a request's evidence chain and file hashes (issue 16, "Completion"): the chain from its
 * stored events; the original version's stored bytes against `originalSha256`; once completed, the
 * signed version's stored bytes against `signedSha256` and against the SHA-256 the COMPLETED event
 * recorded. Says which part fails. Staff with `document:read`.
 * @returns null when there is no such request in the firm.
 */
export async function verifySignatureRequest(ctx: DocumentsContext, requestId: string) {
  const actor = assertCan(ctx.actor, 'document:read');
  if (!isUuid(requestId)) return null;
  const store = blobStoreFor(ctx.config);
  const found = await ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => {
    const [request] = await getSignatureRequestsByIds(tx, { firmId: actor.firmId, requestIds: [requestId] });
    if (!request) return null;
    const events = await getEvents(tx, { firmId: actor.firmId, requestId });
    const versionIds = [request.documentVersionId, ...(request.signedVersionId ? [request.signedVersionId] : [])];
    const versions = await getVersionsByIds(tx, { firmId: actor.firmId, versionIds });
    return { request, events, versions };
  });
  if (!found) return null;
  const { request, events, versions } = found;
  const failures: string[] = [];
  const chain = verifyEvidenceChain(events.map(chainContent));
  failures.push(...chain.failures);
  const hashOf = async (versionId: string | null) => {
    const version = versions.find((v) => v.id === versionId);
    if (!version) return null;
    try {
      return sha256Hex(await readAll(await store.read(version.blobKey)));
    } catch {
      return null;
    }
  };
  const originalValid = (await hashOf(request.documentVersionId)) === request.originalSha256;
  if (!originalValid) failures.push('the original document no longer hashes to its frozen SHA-256');
  let signedValid = false;
  if (request.status === 'COMPLETED') {
    const completed = events.find((e) => e.kind === 'COMPLETED');
    signedValid =
      request.signedSha256 !== null &&
      SHA256_HEX.test(request.signedSha256) &&
      (await hashOf(request.signedVersionId)) === request.signedSha256 &&
      completed?.details.signedSha256 === request.signedSha256;
    if (!signedValid) failures.push('the signed PDF does not hash to the SHA-256 recorded at completion');
  }
  const chainValid = chain.failures.length === 0;
  return {
    valid: failures.length === 0 && (request.status !== 'COMPLETED' || signedValid),
    chainValid,
    originalValid,
    signedValid,
    headHash: chain.head,
    failures,
  };
}

/**
 * Public (issue 16): whether a completed request of any firm produced the signed PDF with this
 * SHA-256, and when it completed; nothing else is revealed. A malformed hash answers "not produced".
 */
export async function verifySignedDocument(
  ctx: DocumentsContext,
  sha256: string,
): Promise<{ producedByFirmGraph: boolean; completedAt: Date | null }> {
  const hash = sha256.trim().toLowerCase();
  if (!SHA256_HEX.test(hash)) return { producedByFirmGraph: false, completedAt: null };
  const completedAt = await ctx.database.withTenant({ firmId: null }, (tx) => signedDocumentCompletion(tx, hash));
  return { producedByFirmGraph: completedAt !== null, completedAt };
}

/** The consent text signers accept now. */
export function currentConsent() {
  return { ...ESIGN_CONSENT, sha256: ESIGN_CONSENT_SHA256 };
}
