import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantIsolationPolicy } from './tenant-policy.ts';

// Clients and users live in other subgraphs' schemas, so their ids carry no foreign key across the
// wall: documents checks a client through crm's SECURITY DEFINER crossing when it writes.

/** The documents subgraph's PostgreSQL schema. */
export const documents = pgSchema('documents');

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/** What kind of document it is; retention policies are per category (issue 16, "Retention"). */
export const documentCategoryEnum = documents.enum('document_category', [
  'TAX_RETURN',
  'ENGAGEMENT_LETTER',
  'SIGNED_AGREEMENT',
  'STATEMENT',
  'OTHER',
]);

/** A folder's kind: the firm's own, or the client's `From client` drop folder (one per client). */
export const folderKindEnum = documents.enum('folder_kind', ['STANDARD', 'FROM_CLIENT']);

/** Who made something: a staff user, an API key or a portal user (`SubgraphContext.actor.kind`). */
export const creatorKindEnum = documents.enum('creator_kind', ['STAFF', 'API_KEY', 'PORTAL', 'OPERATOR']);

/** A requested upload's state: PENDING until completed, refused (FAILED) or swept (EXPIRED). */
export const uploadStatusEnum = documents.enum('upload_status', ['PENDING', 'COMPLETED', 'FAILED', 'EXPIRED']);

/** Folders of a client's documents, as a tree (`parentId` null at the top). */
export const documentFolders = documents.table(
  'folders',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    parentId: uuid('parent_id'),
    name: text('name').notNull(),
    kind: folderKindEnum('kind').notNull().default('STANDARD'),
    sharedWithPortal: boolean('shared_with_portal').notNull().default(false),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({ columns: [t.firmId, t.parentId], foreignColumns: [t.firmId, t.id] }).onDelete('restrict'),
    unique('folders_sibling_name_key').on(t.firmId, t.clientId, t.parentId, t.name).nullsNotDistinct(),
    uniqueIndex('folders_one_from_client_idx')
      .on(t.firmId, t.clientId)
      .where(sql`${t.kind} = 'FROM_CLIENT'`),
    check('folders_not_own_parent', sql`${t.parentId} is distinct from ${t.id}`),
    tenantIsolationPolicy('folders'),
  ],
);

/**
 * Documents per client. `filename`, `contentType` and `sizeBytes` are the current version's (rows
 * the seed wrote before uploads existed have no version). A deleted document keeps its row, hidden,
 * until it is restored or purged.
 */
export const documentRecords = documents.table(
  'documents',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    folderId: uuid('folder_id'),
    category: documentCategoryEnum('category').notNull().default('OTHER'),
    currentVersionId: uuid('current_version_id'),
    sharedWithPortal: boolean('shared_with_portal').notNull().default(false),
    updatedAt: at('updated_at').notNull().defaultNow(),
    deletedAt: at('deleted_at'),
    deletedById: uuid('deleted_by_id'),
    deleteReason: text('delete_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    index('documents_firm_client_created_idx').on(t.firmId, t.clientId, t.createdAt, t.id),
    index('documents_firm_folder_idx').on(t.firmId, t.folderId),
    foreignKey({ columns: [t.firmId, t.folderId], foreignColumns: [documentFolders.firmId, documentFolders.id] }),
    check('documents_size_nonnegative', sql`${t.sizeBytes} >= 0`),
    tenantIsolationPolicy('documents'),
  ],
);

/**
 * The immutable versions of a document (a trigger refuses UPDATE): the blob, its size in bytes, its
 * SHA-256 (lowercase hex) and the media type sniffed from its bytes. `signed` marks a version the
 * e-signature service produced.
 */
export const documentVersions = documents.table(
  'document_versions',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    documentId: uuid('document_id').notNull(),
    clientId: uuid('client_id').notNull(),
    versionNumber: integer('version_number').notNull(),
    blobKey: text('blob_key').notNull(),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    signed: boolean('signed').notNull().default(false),
    createdByKind: creatorKindEnum('created_by_kind').notNull(),
    createdById: uuid('created_by_id'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('document_versions_number_key').on(t.firmId, t.documentId, t.versionNumber),
    unique('document_versions_blob_key').on(t.firmId, t.blobKey),
    foreignKey({
      columns: [t.firmId, t.documentId],
      foreignColumns: [documentRecords.firmId, documentRecords.id],
    }).onDelete('cascade'),
    check('document_versions_number_positive', sql`${t.versionNumber} >= 1`),
    check('document_versions_size_positive', sql`${t.byteSize} > 0`),
    check('document_versions_sha256_hex', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    tenantIsolationPolicy('document_versions'),
  ],
);

/**
 * Uploads requested with `requestDocumentUpload`, waiting for their bytes and `completeDocumentUpload`
 * (or the sweep, after `expiresAt`). The declared size (bytes), SHA-256 and type are what completion
 * checks the stored object against.
 */
export const documentUploads = documents.table(
  'uploads',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    folderId: uuid('folder_id'),
    documentId: uuid('document_id'),
    blobKey: text('blob_key').notNull(),
    filename: text('filename').notNull(),
    byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
    contentType: text('content_type').notNull(),
    sha256: text('sha256').notNull(),
    category: documentCategoryEnum('category').notNull().default('OTHER'),
    status: uploadStatusEnum('status').notNull().default('PENDING'),
    requestedByKind: creatorKindEnum('requested_by_kind').notNull(),
    requestedById: uuid('requested_by_id'),
    versionId: uuid('version_id'),
    createdAt: at('created_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
    finishedAt: at('finished_at'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('uploads_blob_key').on(t.firmId, t.blobKey),
    index('uploads_pending_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'PENDING'`),
    check('uploads_size_positive', sql`${t.byteSize} > 0`),
    check('uploads_sha256_hex', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    tenantIsolationPolicy('uploads'),
  ],
);

/** A stored document record. */
export type DocumentRow = typeof documentRecords.$inferSelect;
/** A stored document version. */
export type DocumentVersionRow = typeof documentVersions.$inferSelect;
/** A stored folder. */
export type FolderRow = typeof documentFolders.$inferSelect;
/** A requested upload. */
export type UploadRow = typeof documentUploads.$inferSelect;
/** A document category. */
export type DocumentCategoryValue = (typeof documentCategoryEnum.enumValues)[number];
