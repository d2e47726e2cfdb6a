import type { DocumentCategoryValue, DocumentVersionRow, FolderRow, UploadRow } from '../../../db/schema/documents.ts';
import type { Tx } from '../../../db/client.ts';
import { recordAudit } from '../../../platform/audit.ts';
import type { FirmActor } from '../../../platform/authz.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { assertCanOnClient, assertCanOrPortal, portalReaches } from '../../../platform/portal.ts';
import {
  CREATED_AT_CURSOR,
  parsePageArgs,
  toConnection,
  type Connection,
  type PageArgs,
} from '../../../platform/relay.ts';
import { principalOf, type Actor } from '../../../platform/signed-context.ts';
import type { UserError as GenericUserError } from '../../../platform/user-errors.ts';
import { badUserInput } from '../../../platform/errors.ts';
import type {
  CompleteDocumentUploadInput,
  MoveDocumentInput,
  RenameDocumentInput,
  RequestDocumentUploadInput,
  RestoreDocumentVersionInput,
  UserErrorCode,
} from '../__generated__/resolvers-types.ts';
import type { DocumentsContext } from '../documents-context.ts';
import { isFirmClient } from '../documents-crossings.ts';
import { ensureFromClientFolder, getFoldersByIds } from '../folders/folder-store.ts';
import { blobKey, blobStoreFor, type BlobStore, type UploadForm } from '../storage/blob-store.ts';
import {
  DEFAULT_ALLOWED_TYPES,
  DEFAULT_MAX_UPLOAD_BYTES,
  inspectBlob,
  normalizeMediaType,
  typeMatches,
} from '../storage/content-check.ts';
import {
  filenameTaken,
  finishUpload,
  insertDocuments,
  insertUpload,
  insertVersion,
  listDocuments,
  lockDocument,
  lockUpload,
  nextVersionNumber,
  updateDocument,
  type DocumentModel,
} from './document-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** How long a requested upload may wait for `completeDocumentUpload` before the sweep removes it: one hour. */
const UPLOAD_TTL_MS = 60 * 60 * 1000;
/** The longest file name, in characters. */
const MAX_FILENAME = 255;

/** Result of the mutations that answer a document and one of its versions. */
export interface DocumentVersionPayload {
  document: DocumentModel | null;
  version: DocumentVersionRow | null;
  userErrors: UserError[];
}

/** Result of the mutations that answer a document. */
export interface DocumentPayload {
  document: DocumentModel | null;
  userErrors: UserError[];
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** True when `value` holds a C0 or C1 control character, or DEL. */
const hasControl = (value: string) =>
  [...value].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f));

/**
 * Checks a file name: 1–255 characters after trimming, no `/` or `\` (no path), no control
 * characters, not `.` or `..`. Pushes REQUIRED, TOO_LONG or INVALID.
 * @returns the trimmed name.
 */
export function checkFilename(value: string, field: string[], errors: UserError[]): string {
  const name = value.trim();
  if (name.length === 0) errors.push({ field, message: 'Give the file a name.', code: 'REQUIRED' });
  else if (name.length > MAX_FILENAME)
    errors.push({ field, message: `At most ${MAX_FILENAME} characters.`, code: 'TOO_LONG' });
  else if (/[/\\]/.test(name) || hasControl(name) || name === '.' || name === '..')
    errors.push({ field, message: 'A name may not contain / or \\ or control characters.', code: 'INVALID' });
  return name;
}

/** Who made a row: the actor's kind and principal id. */
export function creatorOf(actor: FirmActor): { kind: 'STAFF' | 'API_KEY' | 'PORTAL' | 'OPERATOR'; id: string | null } {
  return { kind: actor.kind, id: principalOf(actor)?.id ?? null };
}

/** True when `actor` may see `document`: staff (the shield and `document:read` decided), or a portal user of its client when it is shared. */
function maySee(actor: Actor, document: DocumentModel): boolean {
  if (document.deletedAt !== null) return false;
  if (actor.kind !== 'PORTAL') return true;
  return portalReaches(actor, document.clientId) && document.portalVisible;
}

/**
 * A live document of the active firm, or null (unknown, malformed, deleted or other firms' ids
 * alike). Requires `document:read`; a portal session gets only shared documents of its granted
 * clients, null for the rest.
 */
export async function findDocument(ctx: DocumentsContext, documentId: string): Promise<DocumentModel | null> {
  assertCanOrPortal(ctx.actor, 'document:read');
  const document = isUuid(documentId) ? await ctx.loaders.documentById.load(documentId) : null;
  return document && maySee(ctx.actor, document) ? document : null;
}

/**
 * A client's live documents, newest first (`Client.documents`), every client of a list in one
 * statement: requires `document:read`, or a portal session granted the client, which sees only the
 * documents shared with it. @param countOnly only `totalCount` is selected: no rows are read.
 */
export async function clientDocuments(
  ctx: DocumentsContext,
  clientId: string,
  args: PageArgs,
  countOnly: boolean,
): Promise<Connection<DocumentModel>> {
  assertCanOnClient(ctx.actor, 'document:read', clientId);
  return ctx.loaders.documentsByClient(args, countOnly).load(clientId);
}

/**
 * A client's live documents, or a folder's, newest first (`Folder.documents`). Requires
 * `document:read`, or a portal session granted the client (which sees only what is shared with the portal).
 * @throws BAD_USER_INPUT for invalid page arguments.
 */
export async function listClientDocuments(
  ctx: DocumentsContext,
  where: { clientId: string; folderId?: string },
  args: PageArgs,
): Promise<Connection<DocumentModel>> {
  const { firmId } = assertCanOnClient(ctx.actor, 'document:read', where.clientId);
  if (args.last != null || args.before != null)
    throw badUserInput('This connection pages forward only: use `first` and `after`.');
  const page = parsePageArgs(args, CREATED_AT_CURSOR);
  const { rows, total } = await ctx.database.withTenant({ firmId }, (tx) =>
    listDocuments(tx, {
      firmId,
      clientId: where.clientId,
      folderId: where.folderId,
      portalOnly: ctx.actor.kind === 'PORTAL',
      page,
    }),
  );
  return toConnection(rows, page, (row) => [row.createdAt.toISOString(), row.id], total);
}

/** A document's versions, newest first (the document was already checked visible). */
export async function documentVersions(ctx: DocumentsContext, document: DocumentModel): Promise<DocumentVersionRow[]> {
  return ctx.loaders.versionsByDocument.load(document.id);
}

/** A document's current version, or null for records made before uploads existed. */
export async function currentVersion(
  ctx: DocumentsContext,
  document: DocumentModel,
): Promise<DocumentVersionRow | null> {
  if (!document.currentVersionId) return null;
  const versions = await ctx.loaders.versionsByDocument.load(document.id);
  return versions.find((version) => version.id === document.currentVersionId) ?? null;
}

/**
 * A signed download link for a version (valid 5 minutes), recorded in the firm's audit log as
 * `document.download` with the document and version ids (never the content), in its own
 * transaction. Requires `document:read`, or a portal session that may see the document.
 * @throws FORBIDDEN when a portal session may not see the version's document.
 */
export async function versionDownloadUrl(
  ctx: DocumentsContext,
  version: DocumentVersionRow,
): Promise<{ url: string; expiresAt: Date }> {
  const actor = assertCanOnClient(ctx.actor, 'document:read', version.clientId);
  const document = await findDocument(ctx, version.documentId);
  if (!document) throw badUserInput('This version is no longer available.');
  const link = await blobStoreFor(ctx.config).createDownloadUrl({
    key: version.blobKey,
    filename: version.filename,
    contentType: version.contentType,
  });
  await ctx.database.withTenant({ firmId: actor.firmId }, (tx) =>
    recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'document.download',
      targetType: 'document',
      targetId: version.documentId,
      metadata: { versionId: version.id, versionNumber: version.versionNumber },
    }),
  );
  return link;
}

/** The firm's upload rules: accepted media types and the largest size in bytes (the defaults of issue 16). */
function uploadPolicy(): { allowedTypes: readonly string[]; maxBytes: number } {
  return { allowedTypes: DEFAULT_ALLOWED_TYPES, maxBytes: DEFAULT_MAX_UPLOAD_BYTES };
}

/** Where an upload will land: its client, folder and (for a new version) document. */
interface UploadTarget {
  clientId: string;
  folderId: string | null;
  documentId: string | null;
}

/**
 * Resolves and checks where an upload goes: the client must be the firm's; a new version's
 * document must be a live document of that client; a folder must be the client's. A portal user
 * may upload only new documents into its client's `From client` folder (the default for it).
 */
async function checkUploadTarget(
  tx: Tx,
  actor: FirmActor,
  input: RequestDocumentUploadInput,
  errors: UserError[],
): Promise<UploadTarget | null> {
  const { firmId } = actor;
  const notFound = (field: string, what: string) =>
    errors.push({ field: ['input', field], message: `No such ${what}.`, code: 'NOT_FOUND' });
  if (!isUuid(input.clientId) || !(await isFirmClient(tx, input.clientId))) {
    notFound('clientId', 'client');
    return null;
  }
  const clientId = input.clientId;
  if (actor.kind === 'PORTAL') {
    if (input.documentId != null) {
      errors.push({ field: ['input', 'documentId'], message: 'Upload a new document instead.', code: 'FORBIDDEN' });
      return null;
    }
    const dropFolder = await ensureFromClientFolder(tx, { firmId, clientId });
    if (input.folderId != null && input.folderId !== dropFolder.id) {
      // Another folder of this client, or of another, answers like a random id.
      notFound('folderId', 'folder');
      return null;
    }
    return { clientId, folderId: dropFolder.id, documentId: null };
  }
  if (input.documentId != null) {
    const document = isUuid(input.documentId) ? await lockDocument(tx, { firmId, documentId: input.documentId }) : null;
    if (!document || document.clientId !== clientId || document.deletedAt !== null) {
      notFound('documentId', 'document');
      return null;
    }
    return { clientId, folderId: document.folderId, documentId: document.id };
  }
  if (input.folderId != null) {
    const [folder]: FolderRow[] = isUuid(input.folderId)
      ? await getFoldersByIds(tx, { firmId, folderIds: [input.folderId] })
      : [];
    if (!folder || folder.clientId !== clientId) {
      notFound('folderId', 'folder');
      return null;
    }
    return { clientId, folderId: folder.id, documentId: null };
  }
  return { clientId, folderId: null, documentId: null };
}

/**
 * Starts a two-step upload (issue 16, "Uploads"): checks the declared file name, size (1 byte to
 * the firm's limit), media type (the firm's allowlist), SHA-256 and target, records the pending
 * upload (expiring in one hour) and answers the blob store's signed form for `firm/<firm>/<blob>`,
 * valid 15 minutes and bound to the exact size. One transaction; audited as `document.upload_requested`.
 * Requires `document:write`, or a portal session granted the client (into `From client` only).
 * @returns the form and upload id, or user errors and nothing stored.
 */
export async function requestDocumentUpload(
  ctx: DocumentsContext,
  input: RequestDocumentUploadInput,
): Promise<{ upload: (UploadForm & { uploadId: string }) | null; userErrors: UserError[] }> {
  const actor = assertCanOnClient(ctx.actor, 'document:write', input.clientId);
  const { firmId } = actor;
  const errors: UserError[] = [];
  const filename = checkFilename(input.filename, ['input', 'filename'], errors);
  const policy = uploadPolicy();
  if (!Number.isInteger(input.byteSize) || input.byteSize < 1 || input.byteSize > policy.maxBytes) {
    errors.push({
      field: ['input', 'byteSize'],
      message: `A file must hold 1 to ${policy.maxBytes} bytes.`,
      code: 'OUT_OF_RANGE',
    });
  }
  const contentType = normalizeMediaType(input.contentType);
  if (!policy.allowedTypes.includes(contentType)) {
    errors.push({
      field: ['input', 'contentType'],
      message: 'The firm does not accept this type of file.',
      code: 'TYPE_NOT_ALLOWED',
    });
  }
  const sha256 = input.sha256.trim().toLowerCase();
  if (!SHA256_HEX.test(sha256)) {
    errors.push({ field: ['input', 'sha256'], message: 'Give the SHA-256 as 64 hex digits.', code: 'INVALID' });
  }
  if (errors.length > 0) return { upload: null, userErrors: errors };
  const store = blobStoreFor(ctx.config);
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const target = await checkUploadTarget(tx, actor, input, errors);
    if (!target) return { upload: null, userErrors: errors };
    const creator = creatorOf(actor);
    const key = blobKey(firmId, newId());
    const upload = await insertUpload(tx, {
      firmId,
      id: newId(),
      clientId: target.clientId,
      folderId: target.folderId,
      documentId: target.documentId,
      blobKey: key,
      filename,
      byteSize: input.byteSize,
      contentType,
      sha256,
      category: input.category ?? 'OTHER',
      requestedByKind: creator.kind,
      requestedById: creator.id,
      expiresAt: new Date(Date.now() + UPLOAD_TTL_MS),
    });
    const form = await store.createUploadForm({ key, byteSize: input.byteSize, contentType });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'document.upload_requested',
      targetType: 'upload',
      targetId: upload.id,
      metadata: { clientId: target.clientId, documentId: target.documentId, byteSize: input.byteSize, contentType },
    });
    return { upload: { ...form, uploadId: upload.id }, userErrors: [] };
  });
}

/**
 * What is wrong with the stored bytes against the upload's declarations, in the order of issue 16:
 * size, hash, the sniffed type against the declared one, then the firm's allowlist. Empty when none.
 */
async function checkStoredBlob(
  store: BlobStore,
  upload: UploadRow,
): Promise<{ errors: UserError[]; contentType: string }> {
  const stored = await store.stat(upload.blobKey);
  const field = ['input', 'uploadId'];
  if (!stored) return { errors: [{ field, message: 'No file was uploaded.', code: 'SIZE_MISMATCH' }], contentType: '' };
  if (stored.byteSize !== upload.byteSize) {
    return {
      errors: [
        { field, message: `The file holds ${stored.byteSize} bytes, not ${upload.byteSize}.`, code: 'SIZE_MISMATCH' },
      ],
      contentType: '',
    };
  }
  const inspection = await inspectBlob(await store.read(upload.blobKey));
  if (inspection.byteSize !== upload.byteSize) {
    return {
      errors: [{ field, message: 'The file changed while it was read.', code: 'SIZE_MISMATCH' }],
      contentType: '',
    };
  }
  if (inspection.sha256 !== upload.sha256) {
    return {
      errors: [{ field, message: 'The file is not the one whose SHA-256 was declared.', code: 'HASH_MISMATCH' }],
      contentType: '',
    };
  }
  const sniffed = inspection.sniffedType;
  // The declared type passed the allowlist at request; bytes of another type (an executable named
  // `.pdf`) are a mismatch, and a type the firm has since stopped accepting is refused.
  if (!typeMatches(upload.contentType, sniffed)) {
    return {
      errors: [
        {
          field,
          message: `The file is not ${upload.contentType}: its bytes are ${sniffed ?? 'of no known type'}.`,
          code: 'TYPE_MISMATCH',
        },
      ],
      contentType: '',
    };
  }
  if (!uploadPolicy().allowedTypes.includes(upload.contentType)) {
    return {
      errors: [{ field, message: 'The firm does not accept this type of file.', code: 'TYPE_NOT_ALLOWED' }],
      contentType: '',
    };
  }
  return { errors: [], contentType: upload.contentType };
}

/**
 * Completes an upload (issue 16, "Uploads"): with the upload locked, checks the stored object's
 * size, SHA-256 and sniffed type (`file-type`) against the request and the firm's allowlist. On a
 * mismatch the blob is deleted, the upload closed as FAILED and no version made; otherwise the
 * document is created (version 1) or gets version n+1, which becomes current. One transaction;
 * audited as `document.upload`. Requires what `requestDocumentUpload` required of the same caller.
 * @returns the document and version, or user errors (SIZE_MISMATCH, HASH_MISMATCH, TYPE_NOT_ALLOWED,
 *   TYPE_MISMATCH, UPLOAD_CLOSED, NOT_FOUND for an unknown or another caller's upload).
 */
export async function completeDocumentUpload(
  ctx: DocumentsContext,
  input: CompleteDocumentUploadInput,
): Promise<DocumentVersionPayload> {
  const actor = assertCanOrPortal(ctx.actor, 'document:write');
  const { firmId } = actor;
  const fail = (code: UserErrorCode, message: string): DocumentVersionPayload => ({
    document: null,
    version: null,
    userErrors: [{ field: ['input', 'uploadId'], message, code }],
  });
  const store = blobStoreFor(ctx.config);
  const outcome = await ctx.database.withTenant({ firmId }, async (tx) => {
    const upload = isUuid(input.uploadId) ? await lockUpload(tx, { firmId, uploadId: input.uploadId }) : null;
    const creator = creatorOf(actor);
    // A portal user completes only its own uploads; any other id answers like a random one.
    const mine =
      upload &&
      (actor.kind !== 'PORTAL' || (upload.requestedById === creator.id && portalReaches(actor, upload.clientId)));
    if (!upload || !mine) return { payload: fail('NOT_FOUND', 'No such upload.') };
    if (upload.status !== 'PENDING' || upload.expiresAt.getTime() <= Date.now()) {
      return { payload: fail('UPLOAD_CLOSED', 'This upload is closed: request a new one.') };
    }
    const checked = await checkStoredBlob(store, upload);
    if (checked.errors.length > 0) {
      await finishUpload(tx, { firmId, uploadId: upload.id }, { status: 'FAILED' });
      return { payload: { document: null, version: null, userErrors: checked.errors }, deleteBlob: upload.blobKey };
    }
    let documentId = upload.documentId;
    if (documentId === null) {
      documentId = newId();
      await insertDocuments(tx, [
        {
          firmId,
          id: documentId,
          clientId: upload.clientId,
          folderId: upload.folderId,
          filename: upload.filename,
          contentType: checked.contentType,
          sizeBytes: upload.byteSize,
          category: upload.category as DocumentCategoryValue,
        },
      ]);
    } else {
      const document = await lockDocument(tx, { firmId, documentId });
      if (!document || document.deletedAt !== null) return { payload: fail('NOT_FOUND', 'The document was deleted.') };
    }
    const version = await insertVersion(tx, {
      firmId,
      id: newId(),
      documentId,
      clientId: upload.clientId,
      versionNumber: await nextVersionNumber(tx, { firmId, documentId }),
      blobKey: upload.blobKey,
      filename: upload.filename,
      contentType: checked.contentType,
      byteSize: upload.byteSize,
      sha256: upload.sha256,
      createdByKind: creator.kind,
      createdById: creator.id,
    });
    await updateDocument(
      tx,
      { firmId, documentId },
      {
        currentVersionId: version.id,
        filename: version.filename,
        contentType: version.contentType,
        sizeBytes: version.byteSize,
      },
    );
    await finishUpload(tx, { firmId, uploadId: upload.id }, { status: 'COMPLETED', versionId: version.id });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'document.upload',
      targetType: 'document',
      targetId: documentId,
      metadata: {
        versionId: version.id,
        versionNumber: version.versionNumber,
        byteSize: version.byteSize,
        sha256: version.sha256,
      },
    });
    return { payload: null, documentId, version };
  });
  if (outcome.deleteBlob) await store.delete(outcome.deleteBlob);
  if (outcome.payload) return outcome.payload;
  ctx.loaders.documentById.clear(outcome.documentId!);
  ctx.loaders.versionsByDocument.clear(outcome.documentId!);
  return { document: await findDocument(ctx, outcome.documentId!), version: outcome.version!, userErrors: [] };
}

/**
 * Runs a staff change of one live document of the firm under its row lock, then answers it fresh.
 * Unknown, deleted and other firms' ids are a NOT_FOUND user error at `input.documentId`.
 */
async function changeDocument(
  ctx: DocumentsContext,
  firmId: string,
  documentId: string,
  change: (tx: Tx, document: NonNullable<Awaited<ReturnType<typeof lockDocument>>>) => Promise<UserError[]>,
): Promise<DocumentPayload> {
  const userErrors = await ctx.database.withTenant({ firmId }, async (tx) => {
    const document = isUuid(documentId) ? await lockDocument(tx, { firmId, documentId }) : null;
    if (!document || document.deletedAt !== null) {
      return [{ field: ['input', 'documentId'], message: 'No such document.', code: 'NOT_FOUND' as const }];
    }
    return change(tx, document);
  });
  if (userErrors.length > 0) return { document: null, userErrors };
  ctx.loaders.documentById.clear(documentId);
  ctx.loaders.versionsByDocument.clear(documentId);
  return { document: await findDocument(ctx, documentId), userErrors: [] };
}

/**
 * Renames a document (its versions keep the names they were uploaded with). A live sibling with
 * the name is DUPLICATE. Requires `document:write` (staff, keys). Audited as `document.rename`.
 */
export async function renameDocument(ctx: DocumentsContext, input: RenameDocumentInput): Promise<DocumentPayload> {
  const actor = assertCanOrPortal(ctx.actor, 'document:write');
  if (actor.kind === 'PORTAL') throw badUserInput('Not available in the portal.');
  const errors: UserError[] = [];
  const filename = checkFilename(input.filename, ['input', 'filename'], errors);
  if (errors.length > 0) return { document: null, userErrors: errors };
  return changeDocument(ctx, actor.firmId, input.documentId, async (tx, document) => {
    if (await filenameTaken(tx, { ...document, filename, exceptId: document.id })) {
      return [{ field: ['input', 'filename'], message: 'Another document here has this name.', code: 'DUPLICATE' }];
    }
    await updateDocument(tx, { firmId: actor.firmId, documentId: document.id }, { filename });
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'document.rename',
      targetType: 'document',
      targetId: document.id,
    });
    return [];
  });
}

/**
 * Files a document in another folder of the same client, or at its top level (`folderId` null).
 * Requires `document:write`. Audited as `document.move`.
 */
export async function moveDocument(ctx: DocumentsContext, input: MoveDocumentInput): Promise<DocumentPayload> {
  const actor = assertCanOrPortal(ctx.actor, 'document:write');
  if (actor.kind === 'PORTAL') throw badUserInput('Not available in the portal.');
  return changeDocument(ctx, actor.firmId, input.documentId, async (tx, document) => {
    let folderId: string | null = null;
    if (input.folderId != null) {
      const [folder] = isUuid(input.folderId)
        ? await getFoldersByIds(tx, { firmId: actor.firmId, folderIds: [input.folderId] })
        : [];
      if (!folder || folder.clientId !== document.clientId) {
        return [{ field: ['input', 'folderId'], message: 'No such folder.', code: 'NOT_FOUND' }];
      }
      folderId = folder.id;
    }
    await updateDocument(tx, { firmId: actor.firmId, documentId: document.id }, { folderId });
    await recordAudit(tx, ctx, {
      firmId: actor.firmId,
      action: 'document.move',
      targetType: 'document',
      targetId: document.id,
      metadata: { folderId },
    });
    return [];
  });
}

/**
 * Makes an earlier version current again. Versions never change: the document's current pointer
 * (and its name, type and size) moves to the version. Requires `document:write`. Audited as
 * `document.restore_version`.
 */
export async function restoreDocumentVersion(
  ctx: DocumentsContext,
  input: RestoreDocumentVersionInput,
): Promise<DocumentVersionPayload> {
  const actor = assertCanOrPortal(ctx.actor, 'document:write');
  if (actor.kind === 'PORTAL') throw badUserInput('Not available in the portal.');
  const { firmId } = actor;
  const [version] = isUuid(input.versionId) ? await ctx.loaders.versionById.loadMany([input.versionId]) : [];
  if (!version || version instanceof Error) {
    return {
      document: null,
      version: null,
      userErrors: [{ field: ['input', 'versionId'], message: 'No such version.', code: 'NOT_FOUND' }],
    };
  }
  const result = await changeDocument(ctx, firmId, version.documentId, async (tx, document) => {
    await updateDocument(
      tx,
      { firmId, documentId: document.id },
      {
        currentVersionId: version.id,
        filename: version.filename,
        contentType: version.contentType,
        sizeBytes: version.byteSize,
      },
    );
    await recordAudit(tx, ctx, {
      firmId,
      action: 'document.restore_version',
      targetType: 'document',
      targetId: document.id,
      metadata: { versionId: version.id, versionNumber: version.versionNumber },
    });
    return [];
  });
  if (result.userErrors.length > 0) {
    return { document: null, version: null, userErrors: [{ ...result.userErrors[0]!, field: ['input', 'versionId'] }] };
  }
  return { document: result.document, version, userErrors: [] };
}
