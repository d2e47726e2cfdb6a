import type { Resolvers } from '../__generated__/resolvers-types.ts';
import {
  acceptPortalInvitation,
  currentPortalViewer,
  findPortalUser,
  invitePortalUser,
  logInPortal,
  logInWithPortalLink,
  portalUserGrantedClients,
  portalUserStatus,
  refreshPortalSession,
  requestPortalLink,
  resendPortalInvitation,
  revokePortalAccess,
} from './portal-service.ts';

/** Resolvers of portal users, portal sessions and the portal viewer. */
export const portalResolvers: Resolvers = {
  Query: {
    portalViewer: (_parent, _args, ctx) => currentPortalViewer(ctx),
    portalUser: (_parent, { id }, ctx) => findPortalUser(ctx, id),
  },
  Mutation: {
    invitePortalUser: (_parent, { input }, ctx) => invitePortalUser(ctx, input),
    resendPortalInvitation: (_parent, { input }, ctx) => resendPortalInvitation(ctx, input.portalUserId),
    revokePortalAccess: (_parent, { input }, ctx) => revokePortalAccess(ctx, input.portalUserId),
    acceptPortalInvitation: (_parent, { input }, ctx) => acceptPortalInvitation(ctx, input),
    requestPortalLink: (_parent, { input }, ctx) => requestPortalLink(ctx, input),
    logInPortal: (_parent, { input }, ctx) => logInPortal(ctx, input),
    logInWithPortalLink: (_parent, { input }, ctx) => logInWithPortalLink(ctx, input),
    refreshPortalSession: (_parent, { input }, ctx) => refreshPortalSession(ctx, input.refreshToken),
  },
  PortalUser: {
    __resolveReference: (reference, ctx) => ctx.loaders.portalUserById.load(reference.id),
    status: (portalUser) => portalUserStatus(portalUser),
    contact: (portalUser) => ({ id: portalUser.contactId }),
    grantedClients: (portalUser, _args, ctx) => portalUserGrantedClients(ctx, portalUser),
    organization: (portalUser) => (portalUser.organizationId ? { id: portalUser.organizationId } : null),
  },
  PortalViewer: {
    name: (viewer) => viewer.portalUser.name,
    clients: (viewer) => viewer.clientIds.map((id) => ({ id })),
  },
};
