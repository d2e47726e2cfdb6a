import { allow, or, rule } from 'graphql-shield';
import type { RuleMap } from '../../platform/subgraph-server.ts';
import type { Resolvers } from './__generated__/resolvers-types.ts';
import { allowedTo, isFirmMember, isSignedIn } from '../../platform/authz.ts';
import { isOperator } from './break-glass/break-glass-rules.ts';
import { identityIssuedDuring } from './identity/identity-service.ts';
import { isPortalUser } from '../../platform/portal.ts';
import { portalUserSignedInDuring } from './portal/portal-service.ts';
import type { TenancyContext } from './tenancy-context.ts';

// A caller who was anonymous at the start of the request (sign-up, log-in, invitation, refresh)
// may read the one user and firm that request just signed them in as, and nothing else.
// Each rule reads one id of its parent, so that id is its per-request cache key: `cache: 'strict'`
// hashed the whole parent object (object-hash) on every field (docs/benchmarks.md).
const isUserJustSignedIn = rule('isUserJustSignedIn', { cache: (parent: { id: string }) => parent.id })(
  (parent: { id: string }, _args, ctx: TenancyContext) => identityIssuedDuring(ctx)?.userId === parent.id,
);
const isMembershipJustSignedIn = rule('isMembershipJustSignedIn', { cache: (parent: { userId: string }) => parent.userId })(
  (parent: { userId: string }, _args, ctx: TenancyContext) => identityIssuedDuring(ctx)?.userId === parent.userId,
);
const isFirmJustSignedIn = rule('isFirmJustSignedIn', { cache: (parent: { id: string }) => parent.id })(
  (parent: { id: string }, _args, ctx: TenancyContext) => identityIssuedDuring(ctx)?.firmId === parent.id,
);

// A portal session reads its own portal user; a portal mutation's payload, the one it signed in.
const isPortalUserSelf = rule('isPortalUserSelf', { cache: (parent: { id: string }) => parent.id })(
  (parent: { id: string }, _args, ctx: TenancyContext) =>
    (ctx.actor.kind === 'PORTAL' && ctx.actor.portalUserId === parent.id) || portalUserSignedInDuring(ctx) === parent.id,
);

/** graphql-shield rules of the tenancy subgraph; every type not named here is denied. */
export const tenancyRules: RuleMap<Resolvers> = {
  Query: {
    me: allow,
    auditLog: allowedTo('audit:read'),
    verifyAuditLog: allowedTo('audit:read'),
    apiKeys: allowedTo('api_key:read'),
    breakGlassGrants: allowedTo('audit:read'),
    portalViewer: isPortalUser,
    portalUser: allowedTo('contact:read'),
    _entities: isFirmMember,
    _service: allow,
  },
  Mutation: {
    signUp: allow,
    logIn: allow,
    refreshSession: allow,
    acceptInvitation: allow,
    logOut: isSignedIn,
    switchActiveFirm: isSignedIn,
    inviteMember: allowedTo('member:invite'),
    updateAuditRetention: allowedTo('firm:update'),
    verifyMfaChallenge: allow,
    // A session held back by the firm's MFA policy acts in no firm, yet may still do these.
    beginMfaEnrolment: isSignedIn,
    confirmMfaEnrolment: isSignedIn,
    disableMfa: isSignedIn,
    regenerateBackupCodes: isSignedIn,
    changePassword: isSignedIn,
    updateFirmSecurityPolicy: allowedTo('firm:update'),
    createApiKey: allowedTo('api_key:write'),
    revokeApiKey: allowedTo('api_key:write'),
    logInOperator: allow,
    logOutOperator: isOperator,
    requestBreakGlass: isOperator,
    approveBreakGlass: isOperator,
    activateBreakGlass: isOperator,
    revokeBreakGlass: or(isOperator, allowedTo('firm:update')),
    invitePortalUser: allowedTo('portal:invite'),
    resendPortalInvitation: allowedTo('portal:invite'),
    revokePortalAccess: allowedTo('portal:invite'),
    acceptPortalInvitation: allow,
    requestPortalLink: allow,
    logInPortal: allow,
    logInWithPortalLink: allow,
    refreshPortalSession: allow,
  },
  Viewer: isSignedIn,
  // Row visibility (self and active-firm members) is enforced again by the loaders and RLS.
  // A portal user sees a staff member's id and name (message authors), never the email.
  User: {
    '*': or(isSignedIn, isUserJustSignedIn),
    id: or(isSignedIn, isUserJustSignedIn, isPortalUser),
    name: or(isSignedIn, isUserJustSignedIn, isPortalUser),
  },
  Firm: {
    '*': or(isSignedIn, isFirmJustSignedIn),
    memberships: allowedTo('member:read'),
  },
  Membership: or(isSignedIn, isMembershipJustSignedIn),
  MembershipConnection: allow,
  MembershipEdge: allow,
  PageInfo: allow,
  Session: allow,
  Invitation: allowedTo('member:invite'),
  SignUpPayload: allow,
  LogInPayload: allow,
  RefreshSessionPayload: allow,
  LogOutPayload: allow,
  SwitchActiveFirmPayload: allow,
  InviteMemberPayload: allow,
  AcceptInvitationPayload: allow,
  UserError: allow,
  AuditLogEntry: allowedTo('audit:read'),
  AuditMetadataField: allowedTo('audit:read'),
  AuditLogConnection: allow,
  AuditLogEdge: allow,
  AuditLogVerification: allowedTo('audit:read'),
  UpdateAuditRetentionPayload: allow,
  VerifyMfaChallengePayload: allow,
  BeginMfaEnrolmentPayload: allow,
  ConfirmMfaEnrolmentPayload: allow,
  DisableMfaPayload: allow,
  RegenerateBackupCodesPayload: allow,
  ChangePasswordPayload: allow,
  UpdateFirmSecurityPolicyPayload: allow,
  ApiKey: allowedTo('api_key:read'),
  ApiKeyConnection: allow,
  ApiKeyEdge: allow,
  CreateApiKeyPayload: allow,
  RevokeApiKeyPayload: allow,
  // Operators see the grants they act on; a firm's owners see the grants on their firm.
  BreakGlassGrant: or(isOperator, allowedTo('audit:read')),
  BreakGlassGrantConnection: allow,
  BreakGlassGrantEdge: allow,
  // Not an entity: reachable only through a guarded grant or the session an operator just signed in to.
  PlatformOperator: allow,
  OperatorSession: allow,
  LogInOperatorPayload: allow,
  LogOutOperatorPayload: allow,
  RequestBreakGlassPayload: allow,
  ApproveBreakGlassPayload: allow,
  RevokeBreakGlassPayload: allow,
  ActivateBreakGlassPayload: allow,
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
  _Service: allow,
};
