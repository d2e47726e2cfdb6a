import { rule } from 'graphql-shield';
import { forbidden, unauthenticated } from './errors.ts';
import type { Permission } from './permissions.ts';
import { can, type Actor } from './signed-context.ts';

/** A staff actor acting inside a firm. */
export type FirmActor = Extract<Actor, { kind: 'STAFF' }> & { firmId: string };

/**
 * Service-layer check of the permission catalogue (design brief §3, wall 2). Deny is the default.
 * @returns the actor narrowed to a staff member of an active firm.
 * @throws UNAUTHENTICATED for anonymous callers; FORBIDDEN when the role lacks `permission`.
 */
export function assertCan(actor: Actor, permission: Permission): FirmActor {
  if (actor.kind !== 'STAFF') throw unauthenticated();
  if (!can(actor, permission)) throw forbidden();
  return actor as FirmActor;
}

const permissionRules = new Map<Permission, ReturnType<ReturnType<typeof rule>>>();

/**
 * graphql-shield rule: the caller's role in the active firm grants `permission`. Cached per request.
 * Anonymous callers get UNAUTHENTICATED; signed-in callers without the permission get FORBIDDEN.
 */
export function allowedTo(permission: Permission) {
  let existing = permissionRules.get(permission);
  if (!existing) {
    existing = rule(`allowedTo:${permission}`, { cache: 'contextual' })(
      (_parent, _args, context: { actor: Actor }) => (context.actor.kind === 'ANONYMOUS' ? unauthenticated() : can(context.actor, permission)),
    );
    permissionRules.set(permission, existing);
  }
  return existing;
}

/** graphql-shield rule: a signed-in staff user with an active firm (for `_entities`). */
export const isFirmMember = rule('isFirmMember', { cache: 'contextual' })((_parent, _args, context: { actor: Actor }) =>
  context.actor.kind === 'ANONYMOUS' ? unauthenticated() : context.actor.firmId !== null,
);

/** graphql-shield rule: any signed-in staff user, with or without an active firm. */
export const isSignedIn = rule('isSignedIn', { cache: 'contextual' })((_parent, _args, context: { actor: Actor }) =>
  context.actor.kind === 'STAFF' ? true : unauthenticated(),
);
