import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { beginMfaEnrolment, confirmMfaEnrolment, disableMfa, regenerateBackupCodes } from '../mfa/mfa-service.ts';
import { changePassword } from './password-service.ts';
import { signUp, updateFirmSecurityPolicy } from './firm-service.ts';
import { currentViewer, logOut, refreshSession, switchActiveFirm, viewerMfaState } from './identity-service.ts';
import { logIn, verifyMfaChallenge } from './login-service.ts';
import { acceptInvitation, firmMemberships, inviteMember, viewerMemberships } from './member-service.ts';

/** Resolvers of firms, users, memberships, sessions and invitations. */
export const identityResolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => currentViewer(ctx),
  },
  Mutation: {
    signUp: (_parent, { input }, ctx) => signUp(ctx, input),
    logIn: (_parent, { input }, ctx) => logIn(ctx, input),
    refreshSession: (_parent, { input }, ctx) => refreshSession(ctx, input.refreshToken),
    logOut: (_parent, _args, ctx) => logOut(ctx),
    switchActiveFirm: (_parent, { input }, ctx) => switchActiveFirm(ctx, input.firmId),
    inviteMember: (_parent, { input }, ctx) => inviteMember(ctx, input),
    acceptInvitation: (_parent, { input }, ctx) => acceptInvitation(ctx, input),
    verifyMfaChallenge: (_parent, { input }, ctx) => verifyMfaChallenge(ctx, input),
    beginMfaEnrolment: (_parent, _args, ctx) => beginMfaEnrolment(ctx),
    confirmMfaEnrolment: (_parent, { input }, ctx) => confirmMfaEnrolment(ctx, input.code),
    disableMfa: (_parent, { input }, ctx) => disableMfa(ctx, input.code),
    regenerateBackupCodes: (_parent, { input }, ctx) => regenerateBackupCodes(ctx, input.code),
    changePassword: (_parent, { input }, ctx) => changePassword(ctx, input),
    updateFirmSecurityPolicy: (_parent, { input }, ctx) => updateFirmSecurityPolicy(ctx, input),
  },
  Viewer: {
    user: async (viewer, _args, ctx) => (await ctx.loaders.userById.load(viewer.userId))!,
    memberships: (viewer, _args, ctx) => viewerMemberships(ctx, viewer),
    activeFirm: (viewer, _args, ctx) => (viewer.activeFirmId ? ctx.loaders.firmById.load(viewer.activeFirmId) : null),
    mfaEnabled: async (_viewer, _args, ctx) => (await viewerMfaState(ctx)).mfaEnabled,
    mfaEnrolmentRequired: async (_viewer, _args, ctx) => (await viewerMfaState(ctx)).mfaEnrolmentRequired,
  },
  Firm: {
    __resolveReference: (reference, ctx) => ctx.loaders.firmById.load(reference.id),
    memberships: (firm, args, ctx) => firmMemberships(ctx, firm, args),
  },
  User: {
    __resolveReference: (reference, ctx) => ctx.loaders.userById.load(reference.id),
  },
  Membership: {
    firm: async (membership, _args, ctx) => membership.firm ?? (await ctx.loaders.firmById.load(membership.firmId))!,
    user: async (membership, _args, ctx) => membership.user ?? (await ctx.loaders.userById.load(membership.userId))!,
  },
};
