import type { RoleValue } from '../db/schema/tenancy.ts';

/**
 * The closed permission catalogue (design brief §3, wall 2), as `resource:verb`.
 * A typo does not compile.
 */
export const PERMISSIONS = [
  'firm:read',
  'firm:update',
  'member:read',
  'member:invite',
  'client:read',
  'client:write',
  'client:archive',
  'invoice:read',
  'document:read',
  'api_key:read',
  'api_key:write',
  'audit:read',
  'contact:read',
  'contact:write',
  'portal:invite',
  'message:read',
  'message:send',
] as const;

/** One `resource:verb` of the closed catalogue. */
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Permissions that only read. A platform operator under a live break-glass grant holds exactly
 * these for the grant's firm (design brief §3: break-glass access is read-only).
 */
export const READ_PERMISSIONS: ReadonlySet<Permission> = new Set(PERMISSIONS.filter((p) => p.endsWith(':read')));

const STAFF: readonly Permission[] = ['firm:read', 'client:read', 'document:read', 'contact:read', 'message:read', 'message:send'];
const MANAGER: readonly Permission[] = [...STAFF, 'member:read', 'client:write', 'client:archive', 'invoice:read', 'contact:write', 'portal:invite'];
const ADMIN: readonly Permission[] = [...MANAGER, 'member:invite', 'firm:update', 'api_key:read', 'api_key:write', 'audit:read'];

/** What each firm role may do. Deny is the default: a permission not listed is refused. */
export const ROLE_PERMISSIONS: Readonly<Record<RoleValue, ReadonlySet<Permission>>> = {
  OWNER: new Set(ADMIN),
  ADMIN: new Set(ADMIN),
  MANAGER: new Set(MANAGER),
  STAFF: new Set(STAFF),
};

/** Role order, highest first; nobody may grant a role above their own. */
export const ROLE_RANK: Readonly<Record<RoleValue, number>> = { OWNER: 4, ADMIN: 3, MANAGER: 2, STAFF: 1 };
