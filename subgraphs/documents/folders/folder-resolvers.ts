import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { listClientDocuments } from '../documents/document-service.ts';
import {
  childFolders,
  clientFolders,
  createFolder,
  findFolder,
  renameFolder,
  setPortalSharing,
} from './folder-service.ts';

/** Resolvers of `Folder`, `Client.folders` and the folder and sharing mutations. */
export const folderResolvers: Resolvers = {
  Mutation: {
    createFolder: (_parent, { input }, ctx) => createFolder(ctx, input),
    renameFolder: (_parent, { input }, ctx) => renameFolder(ctx, input),
    shareWithPortal: (_parent, { input }, ctx) => setPortalSharing(ctx, input, true),
    unshareFromPortal: (_parent, { input }, ctx) => setPortalSharing(ctx, input, false),
  },
  Client: {
    folders: (client, _args, ctx) => clientFolders(ctx, client.id),
  },
  Folder: {
    client: (folder) => ({ id: folder.clientId }),
    parent: (folder, _args, ctx) => findFolder(ctx, folder.parentId),
    folders: (folder, _args, ctx) => childFolders(ctx, folder),
    documents: (folder, args, ctx) =>
      listClientDocuments(ctx, { clientId: folder.clientId, folderId: folder.id }, args),
  },
};
