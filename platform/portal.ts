import { rule } from 'graphql-shield';
import { assertCan, denied, type FirmActor } from './authz.ts';
import { unauthenticated } from './errors.ts';
import type { Permission } from './permissions.ts';
import type { Actor } from './signed-context.ts';

/** True when `actor` is a portal user whose session was granted `clientId`. */
export function portalReaches(actor: Actor, clientId: string | null | undefined): boolean {
  return actor.kind === 'PORTAL' && clientId != null && actor.clientIds.includes(clientId);
}

/**
 * Service check (wall 2) for data that belongs to one client and is portal-visible: staff, API
 * keys and operators need `permission` (as `assertCan`); a portal user needs a grant on `clientId`.
 * Call it only on paths that serve portal-visible fields; everything else keeps `assertCan`, which
 * refuses portal users.
 * @throws UNAUTHENTICATED for anonymous callers; FORBIDDEN otherwise.
 */
export function assertCanOnClient(actor: Actor, permission: Permission, clientId: string): FirmActor {
  if (actor.kind === 'PORTAL') {
    if (!portalReaches(actor, clientId)) throw denied(actor);
    return actor;
  }
  return assertCan(actor, permission);
}

/**
 * Like `assertCanOnClient` before the client is known (reading by id): staff need `permission`, a
 * portal user passes here and its rows are then filtered by `withinPortalReach`.
 * @throws UNAUTHENTICATED for anonymous callers; FORBIDDEN for others lacking `permission`.
 */
export function assertCanOrPortal(actor: Actor, permission: Permission): FirmActor {
  return actor.kind === 'PORTAL' ? actor : assertCan(actor, permission);
}

/**
 * Containment of rows a portal user reads by id: the row, or null when its client was not granted
 * (an ungranted client's row answers exactly like a missing one: no existence oracle). Other
 * actors get the row unchanged.
 */
export function withinPortalReach<T>(actor: Actor, row: T | null, clientIdOf: (row: T) => string): T | null {
  if (row === null || actor.kind !== 'PORTAL') return row;
  return portalReaches(actor, clientIdOf(row)) ? row : null;
}

/**
 * graphql-shield rule naming portal-visible fields (wall 1): the caller is a portal user granted
 * the client the parent object belongs to (`clientIdOf(parent)`). Combine it with the staff rule:
 * `or(allowedTo('invoice:read'), portalCanSee('Invoice', (invoice) => invoice.clientId))`, on
 * exactly the fields a client may see. A field not named this way stays staff-only, and a portal
 * user naming it gets FORBIDDEN, never a silent null.
 */
export function portalCanSee<TParent>(name: string, clientIdOf: (parent: TParent) => string | null | undefined) {
  // Keyed by the parent's client id: `cache: 'strict'` would hash the whole parent on every field.
  return rule(`portalCanSee:${name}`, { cache: (parent: TParent) => clientIdOf(parent) ?? '' })(
    (parent: TParent, _args, context: { actor: Actor }) => {
      if (context.actor.kind === 'ANONYMOUS') return unauthenticated();
      return portalReaches(context.actor, clientIdOf(parent));
    },
  );
}

/** graphql-shield rule: the caller is a signed-in portal user (portal-only root fields). */
export const isPortalUser = rule('isPortalUser', { cache: 'contextual' })(
  (_parent, _args, context: { actor: Actor }) =>
    context.actor.kind === 'PORTAL'
      ? true
      : context.actor.kind === 'ANONYMOUS'
        ? unauthenticated()
        : denied(context.actor),
);
