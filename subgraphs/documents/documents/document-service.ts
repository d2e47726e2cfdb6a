import type { DocumentRow } from '../../../db/schema/documents.ts';
import { assertCanOnClient, assertCanOrPortal, withinPortalReach } from '../../../platform/portal.ts';
import { isUuid } from '../../../platform/ids.ts';
import type { Connection, PageArgs } from '../../../platform/relay.ts';
import type { DocumentsContext } from '../documents-context.ts';

/**
 * A client's documents, newest first. Requires `document:read`, or a portal session granted the client.
 * @param countOnly the query selects only `totalCount`, so no rows are read.
 */
export async function clientDocuments(
  ctx: DocumentsContext,
  clientId: string,
  args: PageArgs,
  countOnly: boolean,
): Promise<Connection<DocumentRow>> {
  assertCanOnClient(ctx.actor, 'document:read', clientId);
  return ctx.loaders.documentsByClient(args, countOnly).load(clientId);
}

/**
 * A document of the active firm, or null (unknown, malformed or other firms' ids alike). Requires
 * `document:read`; a portal session gets only documents of its granted clients, null for the rest.
 */
export async function findDocument(ctx: DocumentsContext, documentId: string): Promise<DocumentRow | null> {
  assertCanOrPortal(ctx.actor, 'document:read');
  const document = isUuid(documentId) ? await ctx.loaders.documentById.load(documentId) : null;
  return withinPortalReach(ctx.actor, document, (row) => row.clientId);
}
