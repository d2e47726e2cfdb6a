import type { DocumentRow } from '../../../db/schema/documents.ts';
import { assertCan } from '../../shared/authz.ts';
import { isUuid } from '../../shared/ids.ts';
import type { Connection, PageArgs } from '../../shared/relay.ts';
import type { DocumentsContext } from '../documents-context.ts';

/** The documents subgraph's view of a `Client` entity: only its key. */
export interface DocumentsClientReference {
  id: string;
}

/**
 * A client's documents, newest first. Requires `document:read`.
 * @param countOnly the query selects only `totalCount`, so no rows are read.
 */
export async function clientDocuments(ctx: DocumentsContext, clientId: string, args: PageArgs, countOnly: boolean): Promise<Connection<DocumentRow>> {
  assertCan(ctx.actor, 'document:read');
  return ctx.loaders.documentsByClient(args, countOnly).load(clientId);
}

/** A document of the active firm, or null (unknown, malformed or other firms' ids alike). Requires `document:read`. */
export async function findDocument(ctx: DocumentsContext, documentId: string): Promise<DocumentRow | null> {
  assertCan(ctx.actor, 'document:read');
  return isUuid(documentId) ? ctx.loaders.documentById.load(documentId) : null;
}
