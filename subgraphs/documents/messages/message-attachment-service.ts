import type { DocumentModel } from '../documents/document-store.ts';
import type { MessageAttachmentsReference } from './message-attachment-model.ts';
import { isUuid } from '../../../platform/ids.ts';
import { assertCanOrPortal, withinPortalReach } from '../../../platform/portal.ts';
import type { DocumentsContext } from '../documents-context.ts';

/**
 * The documents a message attaches, in attachment order, that the caller may see: documents of the
 * caller's firm (RLS) and, for a portal user, of a client its session was granted. Any other id
 * (another firm's, removed since) is left out rather than failing the message. `sendMessage`
 * already refused ids that were not the thread's client's documents (`documents.attachable_document_ids`).
 * Requires `document:read` (staff, keys, operators) or a portal session.
 * @throws UNAUTHENTICATED for anonymous callers; FORBIDDEN without `document:read`.
 */
export async function messageAttachments(
  ctx: DocumentsContext,
  message: MessageAttachmentsReference,
): Promise<DocumentModel[]> {
  assertCanOrPortal(ctx.actor, 'document:read');
  const ids = (message.attachmentIds ?? []).filter(isUuid);
  const rows = await Promise.all(ids.map((id) => ctx.loaders.documentById.load(id)));
  return rows.filter(
    (row): row is DocumentModel =>
      row !== null &&
      row.deletedAt === null &&
      withinPortalReach(ctx.actor, row, (document) => document.clientId) !== null,
  );
}
