import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { creatorKindEnum, documentRecords, documents, documentVersions } from './documents.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

// E-signature (issue 16, "E-signature"): requests over one frozen PDF version, their signers and
// fields, and the hash-chained evidence events, which triggers keep append-only (migration 0021).

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/** A request's lifecycle: DRAFT → SENT → COMPLETED, or DECLINED, EXPIRED, VOIDED. */
export const signatureRequestStatusEnum = documents.enum('signature_request_status', [
  'DRAFT',
  'SENT',
  'COMPLETED',
  'DECLINED',
  'EXPIRED',
  'VOIDED',
]);
/** Everyone at once, or one after another by `order`. */
export const signingOrderEnum = documents.enum('signing_order', ['PARALLEL', 'SEQUENTIAL']);
/** What a signer does: signs, approves (signs without a signature field of its own), or only receives a copy. */
export const signerRoleEnum = documents.enum('signer_role', ['SIGNER', 'APPROVER', 'CC']);
/** One signer's progress. */
export const signerStatusEnum = documents.enum('signer_status', ['PENDING', 'VIEWED', 'SIGNED', 'DECLINED']);
/** A field a signer fills on the document. */
export const signatureFieldKindEnum = documents.enum('signature_field_kind', [
  'SIGNATURE',
  'INITIALS',
  'DATE_SIGNED',
  'TEXT',
  'CHECKBOX',
]);
/** The evidence events of a request (issue 16, "Evidence"). */
export const signatureEventKindEnum = documents.enum('signature_event_kind', [
  'CREATED',
  'SENT',
  'DELIVERED',
  'CONSENTED',
  'VIEWED',
  'FIELD_FILLED',
  'SIGNED',
  'DECLINED',
  'COMPLETED',
  'EXPIRED',
  'VOIDED',
]);

/**
 * A signature request over one PDF version, whose SHA-256 (lowercase hex) is frozen here at creation.
 * On completion `signedVersionId` is the signed PDF's version and `signedSha256` its SHA-256;
 * `stampedSha256` is the SHA-256 of the stamped pages before the certificate was appended, which the
 * certificate itself states. `subjectType`/`subjectId` name what the signing decides (a proposal).
 */
export const signatureRequests = documents.table(
  'signature_requests',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    documentId: uuid('document_id').notNull(),
    documentVersionId: uuid('document_version_id').notNull(),
    originalSha256: text('original_sha256').notNull(),
    status: signatureRequestStatusEnum('status').notNull().default('DRAFT'),
    signingOrder: signingOrderEnum('signing_order').notNull(),
    message: text('message').notNull(),
    expiresAt: at('expires_at').notNull(),
    subjectType: text('subject_type'),
    subjectId: uuid('subject_id'),
    createdByKind: creatorKindEnum('created_by_kind').notNull(),
    createdById: uuid('created_by_id'),
    createdAt: at('created_at').notNull().defaultNow(),
    sentAt: at('sent_at'),
    endedAt: at('ended_at'),
    endReason: text('end_reason'),
    signedVersionId: uuid('signed_version_id'),
    stampedSha256: text('stamped_sha256'),
    signedSha256: text('signed_sha256'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    index('signature_requests_client_idx').on(t.firmId, t.clientId, t.createdAt),
    index('signature_requests_signed_sha256_idx')
      .on(t.signedSha256)
      .where(sql`${t.status} = 'COMPLETED'`),
    index('signature_requests_open_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} in ('DRAFT', 'SENT')`),
    foreignKey({ columns: [t.firmId, t.documentId], foreignColumns: [documentRecords.firmId, documentRecords.id] }),
    foreignKey({
      columns: [t.firmId, t.documentVersionId],
      foreignColumns: [documentVersions.firmId, documentVersions.id],
    }),
    foreignKey({
      columns: [t.firmId, t.signedVersionId],
      foreignColumns: [documentVersions.firmId, documentVersions.id],
    }),
    check('signature_requests_sha256_hex', sql`${t.originalSha256} ~ '^[0-9a-f]{64}$'`),
    tenantIsolationPolicy('signature_requests'),
  ],
);

/**
 * The people a request asks, with `signerIndex` (0-based, the index of the input's `signers`) and
 * `order` (sequential signing goes by ascending order). A signer is a client contact (`contactId`,
 * who signs in the portal) or a staff user (`userId`); `name` and `email` are snapshotted for the
 * certificate. The consent accepted is recorded by version and the SHA-256 of its text; the adopted
 * signature is a PNG.
 */
export const signatureSigners = documents.table(
  'signature_signers',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    requestId: uuid('request_id').notNull(),
    signerIndex: integer('signer_index').notNull(),
    order: integer('order').notNull(),
    role: signerRoleEnum('role').notNull(),
    contactId: uuid('contact_id'),
    userId: uuid('user_id'),
    name: text('name').notNull(),
    email: text('email'),
    status: signerStatusEnum('status').notNull().default('PENDING'),
    consentVersion: text('consent_version'),
    consentSha256: text('consent_sha256'),
    consentedAt: at('consented_at'),
    viewedAt: at('viewed_at'),
    signedAt: at('signed_at'),
    declinedAt: at('declined_at'),
    signatureKind: text('signature_kind'),
    signaturePng: bytea('signature_png'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('signature_signers_index_key').on(t.firmId, t.requestId, t.signerIndex),
    foreignKey({
      columns: [t.firmId, t.requestId],
      foreignColumns: [signatureRequests.firmId, signatureRequests.id],
    }).onDelete('cascade'),
    check('signature_signers_one_identity', sql`(${t.contactId} is null) <> (${t.userId} is null)`),
    tenantIsolationPolicy('signature_signers'),
  ],
);

/**
 * Where a signer fills what: page (1-based) and a rectangle in PDF points from the page's lower-left
 * corner (PDF user space, ISO 32000-1 §8.3.2.3). `value` is what the signer filled.
 */
export const signatureFields = documents.table(
  'signature_fields',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    requestId: uuid('request_id').notNull(),
    signerIndex: integer('signer_index').notNull(),
    page: integer('page').notNull(),
    x: doublePrecision('x').notNull(),
    y: doublePrecision('y').notNull(),
    width: doublePrecision('width').notNull(),
    height: doublePrecision('height').notNull(),
    kind: signatureFieldKindEnum('kind').notNull(),
    required: boolean('required').notNull(),
    value: text('value'),
    filledAt: at('filled_at'),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({
      columns: [t.firmId, t.requestId, t.signerIndex],
      foreignColumns: [signatureSigners.firmId, signatureSigners.requestId, signatureSigners.signerIndex],
    }).onDelete('cascade'),
    check('signature_fields_box', sql`${t.page} >= 1 and ${t.width} > 0 and ${t.height} > 0`),
    tenantIsolationPolicy('signature_fields'),
  ],
);

/**
 * The evidence of a request, hash-chained: `hash = sha256(prevHash ‖ canonical event)` (lowercase
 * hex; the first event's `prevHash` is 64 zeros), `seq` from 1 without gaps. Each event has its time
 * (UTC), actor, how the actor authenticated, IP and user agent, and the document's SHA-256 at that
 * moment. Triggers refuse UPDATE and DELETE (migration 0021).
 */
export const signatureEvents = documents.table(
  'signature_events',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    requestId: uuid('request_id').notNull(),
    seq: integer('seq').notNull(),
    kind: signatureEventKindEnum('kind').notNull(),
    signerId: uuid('signer_id'),
    actorKind: text('actor_kind').notNull(),
    actorId: uuid('actor_id'),
    authMethod: text('auth_method').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    documentSha256: text('document_sha256').notNull(),
    details: jsonb('details').$type<Record<string, string | number | boolean | null>>().notNull(),
    occurredAt: at('occurred_at').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('signature_events_seq_key').on(t.firmId, t.requestId, t.seq),
    foreignKey({
      columns: [t.firmId, t.requestId],
      foreignColumns: [signatureRequests.firmId, signatureRequests.id],
    }),
    check('signature_events_seq_positive', sql`${t.seq} >= 1`),
    tenantIsolationPolicy('signature_events'),
  ],
);

/** A stored signature request. */
export type SignatureRequestRow = typeof signatureRequests.$inferSelect;
/** A stored signer. */
export type SignatureSignerRow = typeof signatureSigners.$inferSelect;
/** A stored signature field. */
export type SignatureFieldRow = typeof signatureFields.$inferSelect;
/** A stored evidence event. */
export type SignatureEventRow = typeof signatureEvents.$inferSelect;
