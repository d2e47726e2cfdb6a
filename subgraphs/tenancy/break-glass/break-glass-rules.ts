import { allow, or, rule } from 'graphql-shield';
import { allowedTo } from '../../../platform/authz.ts';
import { unauthenticated } from '../../../platform/errors.ts';
import type { Actor } from '../../../platform/signed-context.ts';
import type { RuleMap } from '../../../platform/subgraph-server.ts';
import type { Resolvers } from '../__generated__/resolvers-types.ts';

/** graphql-shield rule: a signed-in platform operator, with or without a live grant. */
const isOperator = rule('isOperator', { cache: 'contextual' })((_parent, _args, context: { actor: Actor }) =>
  context.actor.kind === 'ANONYMOUS' ? unauthenticated() : context.actor.kind === 'OPERATOR',
);

/** graphql-shield rules of the break-glass module: operator sessions and break-glass grants. */
export const breakGlassRules: RuleMap<Resolvers> = {
  Query: {
    breakGlassGrants: allowedTo('audit:read'),
  },
  Mutation: {
    logInOperator: allow,
    logOutOperator: isOperator,
    requestBreakGlass: isOperator,
    approveBreakGlass: isOperator,
    activateBreakGlass: isOperator,
    revokeBreakGlass: or(isOperator, allowedTo('firm:update')),
  },
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
};
