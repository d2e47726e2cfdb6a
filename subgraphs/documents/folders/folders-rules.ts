import { allow, or } from 'graphql-shield';
import type { FolderRow } from '../../../db/schema/documents.ts';
import { allowedTo } from '../../../platform/authz.ts';
import { portalCanSee } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

// Portal-visible fields, named one by one; which folders a portal user sees (shared ones and
// `From client`) the service decides. `sharedWithPortal` stays staff-only.
const folderForPortal = or(
  allowedTo('document:read'),
  portalCanSee<FolderRow>('Folder', (folder) => folder.clientId),
);

/** graphql-shield rules of the folders module: `Folder` and the folder and sharing mutations. */
export const foldersRules: RuleMap<Resolvers> = {
  Mutation: {
    createFolder: allowedTo('document:write'),
    renameFolder: allowedTo('document:write'),
    shareWithPortal: allowedTo('document:share'),
    unshareFromPortal: allowedTo('document:share'),
  },
  Folder: {
    '*': allowedTo('document:read'),
    id: folderForPortal,
    name: folderForPortal,
    kind: folderForPortal,
    client: folderForPortal,
    parent: folderForPortal,
    folders: folderForPortal,
    documents: folderForPortal,
    createdAt: folderForPortal,
  },
  FolderPayload: allow,
  PortalSharePayload: allow,
};
