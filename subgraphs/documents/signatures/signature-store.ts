import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { uuidArray, type Tx } from '../../../db/client.ts';
import {
  signatureEvents,
  signatureFields,
  signatureRequests,
  signatureSigners,
  type SignatureEventRow,
  type SignatureFieldRow,
  type SignatureRequestRow,
  type SignatureSignerRow,
} from '../../../db/schema/documents-signatures.ts';

const r = signatureRequests;

/** Inserts a request with its signers and fields (the fields after the signers they reference). */
export async function insertSignatureRequest(
  tx: Tx,
  request: typeof signatureRequests.$inferInsert,
  signers: (typeof signatureSigners.$inferInsert)[],
  fields: (typeof signatureFields.$inferInsert)[],
): Promise<SignatureRequestRow> {
  const [row] = await tx.insert(signatureRequests).values(request).returning();
  await tx.insert(signatureSigners).values(signers);
  if (fields.length > 0) await tx.insert(signatureFields).values(fields);
  return row!;
}

/** A request by id in the firm, locked FOR UPDATE for the rest of the transaction; null when absent. */
export async function lockSignatureRequest(
  tx: Tx,
  { firmId, requestId }: { firmId: string; requestId: string },
): Promise<SignatureRequestRow | null> {
  const [row] = await tx
    .select()
    .from(r)
    .where(and(eq(r.firmId, firmId), eq(r.id, requestId)))
    .for('update');
  return row ?? null;
}

/** Requests by id in the firm, in no particular order. */
export async function getSignatureRequestsByIds(
  tx: Tx,
  { firmId, requestIds }: { firmId: string; requestIds: readonly string[] },
): Promise<SignatureRequestRow[]> {
  return tx
    .select()
    .from(r)
    .where(and(eq(r.firmId, firmId), inArray(r.id, [...requestIds])));
}

/** Requests of the given clients, newest first. */
export async function getSignatureRequestsByClients(
  tx: Tx,
  { firmId, clientIds }: { firmId: string; clientIds: readonly string[] },
): Promise<SignatureRequestRow[]> {
  return tx
    .select()
    .from(r)
    .where(and(eq(r.firmId, firmId), inArray(r.clientId, [...clientIds])))
    .orderBy(desc(r.createdAt), desc(r.id));
}

/** Signers of the given requests, by request and signer index. */
export async function getSigners(
  tx: Tx,
  { firmId, requestIds }: { firmId: string; requestIds: readonly string[] },
): Promise<SignatureSignerRow[]> {
  const s = signatureSigners;
  return tx
    .select()
    .from(s)
    .where(and(eq(s.firmId, firmId), inArray(s.requestId, [...requestIds])))
    .orderBy(asc(s.requestId), asc(s.signerIndex));
}

/** Fields of the given requests, by request, signer index and page. */
export async function getFields(
  tx: Tx,
  { firmId, requestIds }: { firmId: string; requestIds: readonly string[] },
): Promise<SignatureFieldRow[]> {
  const f = signatureFields;
  return tx
    .select()
    .from(f)
    .where(and(eq(f.firmId, firmId), inArray(f.requestId, [...requestIds])))
    .orderBy(asc(f.requestId), asc(f.signerIndex), asc(f.page), asc(f.id));
}

/** A request's evidence events in `seq` order. */
export async function getEvents(
  tx: Tx,
  { firmId, requestId }: { firmId: string; requestId: string },
): Promise<SignatureEventRow[]> {
  const e = signatureEvents;
  return tx
    .select()
    .from(e)
    .where(and(eq(e.firmId, firmId), eq(e.requestId, requestId)))
    .orderBy(asc(e.seq));
}

/** Appends one evidence event (the trigger checks it links to the last one). */
export async function insertEvent(tx: Tx, value: typeof signatureEvents.$inferInsert): Promise<SignatureEventRow> {
  const [row] = await tx.insert(signatureEvents).values(value).returning();
  return row!;
}

/** Updates a request; returns the row after the change. */
export async function updateSignatureRequest(
  tx: Tx,
  { firmId, requestId }: { firmId: string; requestId: string },
  patch: Partial<typeof signatureRequests.$inferInsert>,
): Promise<SignatureRequestRow> {
  const [row] = await tx
    .update(r)
    .set(patch)
    .where(and(eq(r.firmId, firmId), eq(r.id, requestId)))
    .returning();
  return row!;
}

/** Updates one signer. */
export async function updateSigner(
  tx: Tx,
  { firmId, signerId }: { firmId: string; signerId: string },
  patch: Partial<typeof signatureSigners.$inferInsert>,
): Promise<void> {
  const s = signatureSigners;
  await tx
    .update(s)
    .set(patch)
    .where(and(eq(s.firmId, firmId), eq(s.id, signerId)));
}

/** Sets one field's value. */
export async function fillField(
  tx: Tx,
  { firmId, fieldId }: { firmId: string; fieldId: string },
  patch: { value: string; filledAt: Date },
): Promise<void> {
  const f = signatureFields;
  await tx
    .update(f)
    .set(patch)
    .where(and(eq(f.firmId, firmId), eq(f.id, fieldId)));
}

/** The given contacts of the client, with name and email (`crm.client_contacts_for_signing`, migration 0021). */
export async function contactsForSigning(
  tx: Tx,
  { clientId, contactIds }: { clientId: string; contactIds: readonly string[] },
): Promise<{ id: string; name: string; email: string | null }[]> {
  if (contactIds.length === 0) return [];
  const rows = await tx.execute<{ contact_id: string; name: string; email: string | null }>(
    sql`select contact_id, name, email from crm.client_contacts_for_signing(${clientId}::uuid, ${uuidArray(contactIds)})`,
  );
  return [...rows].map((row) => ({ id: row.contact_id, name: row.name, email: row.email }));
}

/** The firm's enabled staff among the users, with name and email (`tenancy.members_for_signing`, migration 0021). */
export async function membersForSigning(
  tx: Tx,
  { userIds }: { userIds: readonly string[] },
): Promise<{ id: string; name: string; email: string }[]> {
  if (userIds.length === 0) return [];
  const rows = await tx.execute<{ user_id: string; name: string; email: string }>(
    sql`select user_id, name, email from tenancy.members_for_signing(${uuidArray(userIds)})`,
  );
  return [...rows].map((row) => ({ id: row.user_id, name: row.name, email: row.email }));
}

/** The contact a portal user of the firm is (`tenancy.portal_user_contact`, migration 0021), or null. */
export async function portalUserContact(tx: Tx, portalUserId: string): Promise<string | null> {
  const [row] = await tx.execute<{ contact_id: string | null }>(
    sql`select tenancy.portal_user_contact(${portalUserId}::uuid) as contact_id`,
  );
  return row?.contact_id ?? null;
}

/** When a completed request of any firm produced the file with this SHA-256 (`documents.signed_document_completion`), or null. */
export async function signedDocumentCompletion(tx: Tx, sha256: string): Promise<Date | null> {
  const [row] = await tx.execute<{ completed_at: string | null }>(
    sql`select documents.signed_document_completion(${sha256}) as completed_at`,
  );
  return row?.completed_at ? new Date(row.completed_at) : null;
}
