import type { GraphQLError } from 'graphql';
import { rule } from 'graphql-shield';
import { forbidden, unauthenticated } from './errors.ts';
import type { Permission } from './permissions.ts';
import { can, type Actor } from './signed-context.ts';

/** Any signed-in actor acting inside a firm: staff, API key, or operator under a break-glass grant. */
export type FirmActor = Exclude<Actor, { kind: 'ANONYMOUS' }> & { firmId: string };

/** A staff user acting inside their active firm. */
export type FirmStaffActor = Extract<Actor, { kind: 'STAFF' }> & { firmId: string };

/**
 * Service-layer check of the permission catalogue (wall 2, README "Architecture"). Deny is the default.
 * @returns the actor narrowed to one acting inside a firm.
 * @throws UNAUTHENTICATED for anonymous callers; FORBIDDEN when roles, scopes or grant lack `permission`.
 */
export function assertCan(actor: Actor, permission: Permission): FirmActor {
  if (actor.kind === 'ANONYMOUS') throw unauthenticated();
  if (!can(actor, permission)) throw denied(actor);
  return actor as FirmActor;
}

/**
 * The FORBIDDEN error for a signed-in actor the catalogue denies. When the firm's MFA policy is
 * why (an OWNER or ADMIN who has not enrolled), the message says so and what to do.
 */
export function denied(actor: Actor): GraphQLError {
  return actor.kind === 'STAFF' && actor.mfaEnrolmentRequired
    ? forbidden(
        'Your firm requires multi-factor authentication for your role: enrol with beginMfaEnrolment and confirmMfaEnrolment first',
      )
    : forbidden();
}

/**
 * Like `assertCan`, for actions only a human member of the firm may take (inviting members,
 * changing their own account): API keys and operators get FORBIDDEN even when scoped.
 */
export function assertStaffCan(actor: Actor, permission: Permission): FirmStaffActor {
  const acting = assertCan(actor, permission);
  if (acting.kind !== 'STAFF') throw forbidden();
  return acting as FirmStaffActor;
}

const permissionRules = new Map<Permission, ReturnType<ReturnType<typeof rule>>>();

/**
 * graphql-shield rule: the caller's roles, scopes or grant allow `permission`. Cached per request.
 * Anonymous callers get UNAUTHENTICATED; signed-in callers without the permission get FORBIDDEN.
 */
export function allowedTo(permission: Permission) {
  let existing = permissionRules.get(permission);
  if (!existing) {
    existing = rule(`allowedTo:${permission}`, { cache: 'contextual' })((_parent, _args, context: { actor: Actor }) =>
      context.actor.kind === 'ANONYMOUS' ? unauthenticated() : can(context.actor, permission) || denied(context.actor),
    );
    permissionRules.set(permission, existing);
  }
  return existing;
}

/** graphql-shield rule: a signed-in actor acting inside a firm (for `_entities`). */
export const isFirmMember = rule('isFirmMember', { cache: 'contextual' })(
  (_parent, _args, context: { actor: Actor }) =>
    context.actor.kind === 'ANONYMOUS' ? unauthenticated() : context.actor.firmId !== null || denied(context.actor),
);

/** graphql-shield rule: any signed-in staff user, with or without an active firm. */
export const isSignedIn = rule('isSignedIn', { cache: 'contextual' })((_parent, _args, context: { actor: Actor }) =>
  context.actor.kind === 'STAFF' ? true : unauthenticated(),
);
