import type { Resolvers } from '../__generated__/resolvers-types.ts';
import {
  activateBreakGlass,
  approveBreakGlass,
  breakGlassGrantsOfActiveFirm,
  grantStatus,
  logInOperator,
  logOutOperator,
  requestBreakGlass,
  revokeBreakGlass,
} from './break-glass-service.ts';

/** Resolvers of platform operators and break-glass grants. */
export const breakGlassResolvers: Resolvers = {
  Query: {
    breakGlassGrants: (_parent, args, ctx) => breakGlassGrantsOfActiveFirm(ctx, args),
  },
  Mutation: {
    logInOperator: (_parent, { input }, ctx) => logInOperator(ctx, input),
    logOutOperator: (_parent, _args, ctx) => logOutOperator(ctx),
    requestBreakGlass: (_parent, { input }, ctx) => requestBreakGlass(ctx, input),
    approveBreakGlass: (_parent, { input }, ctx) => approveBreakGlass(ctx, input),
    revokeBreakGlass: (_parent, { input }, ctx) => revokeBreakGlass(ctx, input),
    activateBreakGlass: (_parent, { input }, ctx) => activateBreakGlass(ctx, input),
  },
  BreakGlassGrant: {
    status: (grant) => grantStatus(grant),
  },
};
