import { allow, or, rule } from 'graphql-shield';
import { allowedTo, isSignedIn } from '../../../platform/authz.ts';
import { isPortalUser } from '../../../platform/portal.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import { identityIssuedDuring } from './identity-service.ts';

// A caller who was anonymous at the start of the request (sign-up, log-in, invitation, refresh)
// may read the one user and firm that request just signed them in as, and nothing else.
// Each rule reads one id of its parent, so that id is its per-request cache key: `cache: 'strict'`
// hashed the whole parent object (object-hash) on every field (docs/benchmarks.md).
const isUserJustSignedIn = rule('isUserJustSignedIn', { cache: (parent: { id: string }) => parent.id })(
  (parent: { id: string }, _args, ctx: TenancyContext) => identityIssuedDuring(ctx)?.userId === parent.id,
);
const isMembershipJustSignedIn = rule('isMembershipJustSignedIn', {
  cache: (parent: { userId: string }) => parent.userId,
})((parent: { userId: string }, _args, ctx: TenancyContext) => identityIssuedDuring(ctx)?.userId === parent.userId);
const isFirmJustSignedIn = rule('isFirmJustSignedIn', { cache: (parent: { id: string }) => parent.id })(
  (parent: { id: string }, _args, ctx: TenancyContext) => identityIssuedDuring(ctx)?.firmId === parent.id,
);

/** graphql-shield rules of the identity module: firms, users, memberships, sessions, invitations and MFA. */
export const identityRules: RuleMap<Resolvers> = {
  Query: {
    me: allow,
  },
  Mutation: {
    signUp: allow,
    logIn: allow,
    refreshSession: allow,
    acceptInvitation: allow,
    logOut: isSignedIn,
    switchActiveFirm: isSignedIn,
    inviteMember: allowedTo('member:invite'),
    verifyMfaChallenge: allow,
    // A session held back by the firm's MFA policy acts in no firm, yet may still do these.
    beginMfaEnrolment: isSignedIn,
    confirmMfaEnrolment: isSignedIn,
    disableMfa: isSignedIn,
    regenerateBackupCodes: isSignedIn,
    changePassword: isSignedIn,
    updateFirmSecurityPolicy: allowedTo('firm:update'),
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
  Session: allow,
  Invitation: allowedTo('member:invite'),
  SignUpPayload: allow,
  LogInPayload: allow,
  RefreshSessionPayload: allow,
  LogOutPayload: allow,
  SwitchActiveFirmPayload: allow,
  InviteMemberPayload: allow,
  AcceptInvitationPayload: allow,
  VerifyMfaChallengePayload: allow,
  BeginMfaEnrolmentPayload: allow,
  ConfirmMfaEnrolmentPayload: allow,
  DisableMfaPayload: allow,
  RegenerateBackupCodesPayload: allow,
  ChangePasswordPayload: allow,
  UpdateFirmSecurityPolicyPayload: allow,
};
