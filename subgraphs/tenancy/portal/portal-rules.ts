import { allow, or, rule } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import { isPortalUser } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import { portalUserSignedInDuring } from './portal-service.ts';

// A portal session reads its own portal user; a portal mutation's payload, the one it signed in.
const isPortalUserSelf = rule('isPortalUserSelf', { cache: (parent: { id: string }) => parent.id })(
  (parent: { id: string }, _args, ctx: TenancyContext) =>
    (ctx.actor.kind === 'PORTAL' && ctx.actor.portalUserId === parent.id) ||
    portalUserSignedInDuring(ctx) === parent.id,
);

/** graphql-shield rules of the portal module: portal users, their sessions and invitations. */
export const portalRules: RuleMap<Resolvers> = {
  Query: {
    portalViewer: isPortalUser,
    portalUser: allowedTo('contact:read'),
  },
  Mutation: {
    invitePortalUser: allowedTo('portal:invite'),
    resendPortalInvitation: allowedTo('portal:invite'),
    revokePortalAccess: allowedTo('portal:invite'),
    acceptPortalInvitation: allow,
    requestPortalLink: allow,
    logInPortal: allow,
    logInWithPortalLink: allow,
    refreshPortalSession: allow,
  },
  // Staff with `contact:read` see the firm's portal users; a portal user sees its own name and status.
  PortalUser: {
    '*': or(allowedTo('contact:read'), isPortalUserSelf),
    contact: allowedTo('contact:read'),
    grantedClients: allowedTo('contact:read'),
    organization: allowedTo('contact:read'),
  },
  PortalViewer: isPortalUser,
  PortalSession: allow,
  // Bare references to crm entities: only an id the parent already holds; crm guards the rest.
  Client: allow,
  Contact: allow,
  ClientOrganization: allow,
  InvitePortalUserPayload: allow,
  ResendPortalInvitationPayload: allow,
  RevokePortalAccessPayload: allow,
  AcceptPortalInvitationPayload: allow,
  RequestPortalLinkPayload: allow,
  LogInPortalPayload: allow,
  LogInWithPortalLinkPayload: allow,
  RefreshPortalSessionPayload: allow,
};
