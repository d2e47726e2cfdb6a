import type { FolderRow } from '../../../db/schema/documents.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { assertCanOnClient, portalReaches } from '../../../platform/portal.ts';
import type { UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type {
  CreateFolderInput,
  PortalShareInput,
  RenameFolderInput,
  UserErrorCode,
} from '../__generated__/resolvers-types.ts';
import type { DocumentsContext } from '../documents-context.ts';
import { isFirmClient } from '../documents-crossings.ts';
import { checkFilename, findDocument } from '../documents/document-service.ts';
import { lockDocument, updateDocument, type DocumentModel } from '../documents/document-store.ts';
import {
  ensureFromClientFolder,
  folderNameTaken,
  getFoldersByIds,
  insertFolder,
  updateFolder,
} from './folder-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result of `createFolder` and `renameFolder`. */
export interface FolderPayload {
  folder: FolderRow | null;
  userErrors: UserError[];
}

/** Result of `shareWithPortal` and `unshareFromPortal`. */
export interface PortalSharePayload {
  document: DocumentModel | null;
  folder: FolderRow | null;
  userErrors: UserError[];
}

const portalMaySee = (folder: FolderRow) => folder.sharedWithPortal || folder.kind === 'FROM_CLIENT';

/**
 * A folder of the active firm, or null (unknown, other firms'). A portal session gets only shared
 * folders and the `From client` folder of its granted clients. Requires `document:read` for staff.
 */
export async function findFolder(ctx: DocumentsContext, folderId: string | null): Promise<FolderRow | null> {
  if (folderId === null || !isUuid(folderId)) return null;
  const folder = await ctx.loaders.folderById.load(folderId);
  if (!folder) return null;
  assertCanOnClient(ctx.actor, 'document:read', folder.clientId);
  if (ctx.actor.kind === 'PORTAL' && !(portalReaches(ctx.actor, folder.clientId) && portalMaySee(folder))) return null;
  return folder;
}

/** A client's top-level folders by name (a portal session: those it may see). Requires `document:read` or a portal grant on the client. */
export async function clientFolders(ctx: DocumentsContext, clientId: string): Promise<FolderRow[]> {
  assertCanOnClient(ctx.actor, 'document:read', clientId);
  return ctx.loaders.foldersByClient.load(clientId);
}

/** A folder's subfolders by name (a portal session: those it may see). */
export async function childFolders(ctx: DocumentsContext, folder: FolderRow): Promise<FolderRow[]> {
  assertCanOnClient(ctx.actor, 'document:read', folder.clientId);
  return ctx.loaders.foldersByParent.load(folder.id);
}

/**
 * Makes a folder for a client, at the top or inside one of its folders. The name follows the file
 * name rules and is unique among siblings (DUPLICATE); `From client` is taken at the top by the
 * client's drop folder. Requires `document:write`. One transaction; audited as `folder.create`.
 */
export async function createFolder(ctx: DocumentsContext, input: CreateFolderInput): Promise<FolderPayload> {
  const { firmId } = assertCan(ctx.actor, 'document:write');
  const errors: UserError[] = [];
  const name = checkFilename(input.name, ['input', 'name'], errors);
  if (errors.length > 0) return { folder: null, userErrors: errors };
  return ctx.database.withTenant({ firmId }, async (tx): Promise<FolderPayload> => {
    if (!isUuid(input.clientId) || !(await isFirmClient(tx, input.clientId))) {
      return {
        folder: null,
        userErrors: [{ field: ['input', 'clientId'], message: 'No such client.', code: 'NOT_FOUND' }],
      };
    }
    let parentId: string | null = null;
    if (input.parentId != null) {
      const [parent] = isUuid(input.parentId) ? await getFoldersByIds(tx, { firmId, folderIds: [input.parentId] }) : [];
      if (!parent || parent.clientId !== input.clientId) {
        return {
          folder: null,
          userErrors: [{ field: ['input', 'parentId'], message: 'No such folder.', code: 'NOT_FOUND' }],
        };
      }
      parentId = parent.id;
    } else {
      await ensureFromClientFolder(tx, { firmId, clientId: input.clientId });
    }
    const folder = await insertFolder(tx, { firmId, id: newId(), clientId: input.clientId, parentId, name });
    if (!folder) {
      return {
        folder: null,
        userErrors: [{ field: ['input', 'name'], message: 'A folder here has this name.', code: 'DUPLICATE' }],
      };
    }
    await recordAudit(tx, ctx, {
      firmId,
      action: 'folder.create',
      targetType: 'folder',
      targetId: folder.id,
      metadata: { parentId },
    });
    return { folder, userErrors: [] };
  });
}

/** Renames a folder (not a `From client` folder: FORBIDDEN). Requires `document:write`. Audited as `folder.rename`. */
export async function renameFolder(ctx: DocumentsContext, input: RenameFolderInput): Promise<FolderPayload> {
  const { firmId } = assertCan(ctx.actor, 'document:write');
  const errors: UserError[] = [];
  const name = checkFilename(input.name, ['input', 'name'], errors);
  if (errors.length > 0) return { folder: null, userErrors: errors };
  return ctx.database.withTenant({ firmId }, async (tx): Promise<FolderPayload> => {
    const [folder] = isUuid(input.folderId) ? await getFoldersByIds(tx, { firmId, folderIds: [input.folderId] }) : [];
    if (!folder)
      return {
        folder: null,
        userErrors: [{ field: ['input', 'folderId'], message: 'No such folder.', code: 'NOT_FOUND' }],
      };
    if (folder.kind === 'FROM_CLIENT') {
      return {
        folder: null,
        userErrors: [
          { field: ['input', 'folderId'], message: 'The client’s drop folder keeps its name.', code: 'FORBIDDEN' },
        ],
      };
    }
    if (
      await folderNameTaken(tx, {
        firmId,
        clientId: folder.clientId,
        parentId: folder.parentId,
        name,
        exceptId: folder.id,
      })
    ) {
      return {
        folder: null,
        userErrors: [{ field: ['input', 'name'], message: 'A folder here has this name.', code: 'DUPLICATE' }],
      };
    }
    const renamed = await updateFolder(tx, { firmId, folderId: folder.id }, { name });
    await recordAudit(tx, ctx, { firmId, action: 'folder.rename', targetType: 'folder', targetId: folder.id });
    return { folder: renamed, userErrors: [] };
  });
}

/**
 * Shares (`shared` true) or stops sharing a document, or a folder and the documents directly in
 * it, with the client's portal users. Exactly one of `documentId` and `folderId`. Requires
 * `document:share`. One transaction; audited as `document.share`/`document.unshare` (or `folder.…`).
 */
export async function setPortalSharing(
  ctx: DocumentsContext,
  input: PortalShareInput,
  shared: boolean,
): Promise<PortalSharePayload> {
  const { firmId } = assertCan(ctx.actor, 'document:share');
  const verb = shared ? 'share' : 'unshare';
  if ((input.documentId == null) === (input.folderId == null)) {
    return {
      document: null,
      folder: null,
      userErrors: [{ field: ['input'], message: 'Name a document or a folder.', code: 'REQUIRED' }],
    };
  }
  if (input.documentId != null) {
    const documentId = input.documentId;
    const found = await ctx.database.withTenant({ firmId }, async (tx) => {
      const document = isUuid(documentId) ? await lockDocument(tx, { firmId, documentId }) : null;
      if (!document || document.deletedAt !== null) return false;
      await updateDocument(tx, { firmId, documentId }, { sharedWithPortal: shared });
      await recordAudit(tx, ctx, { firmId, action: `document.${verb}`, targetType: 'document', targetId: documentId });
      return true;
    });
    if (!found) {
      return {
        document: null,
        folder: null,
        userErrors: [{ field: ['input', 'documentId'], message: 'No such document.', code: 'NOT_FOUND' }],
      };
    }
    ctx.loaders.documentById.clear(documentId);
    return { document: await findDocument(ctx, documentId), folder: null, userErrors: [] };
  }
  const folderId = input.folderId!;
  const folder = await ctx.database.withTenant({ firmId }, async (tx) => {
    const [existing] = isUuid(folderId) ? await getFoldersByIds(tx, { firmId, folderIds: [folderId] }) : [];
    if (!existing) return null;
    const changed = await updateFolder(tx, { firmId, folderId }, { sharedWithPortal: shared });
    await recordAudit(tx, ctx, { firmId, action: `folder.${verb}`, targetType: 'folder', targetId: folderId });
    return changed;
  });
  if (!folder) {
    return {
      document: null,
      folder: null,
      userErrors: [{ field: ['input', 'folderId'], message: 'No such folder.', code: 'NOT_FOUND' }],
    };
  }
  return { document: null, folder, userErrors: [] };
}
