import type { SeedTable } from './table.ts';

/** `tenancy.firms`: one row per firm. */
export const firmsTable: SeedTable = {
  table: 'tenancy.firms',
  columns: ['id', 'name', 'slug', 'created_at'],
  *rows(firm) {
    yield [firm.id, firm.name, firm.slug, firm.createdAt];
  },
};

/** `tenancy.users`: every staff member is a user of their own (platform-wide table). */
export const usersTable: SeedTable = {
  table: 'tenancy.users',
  columns: ['id', 'email', 'name', 'password_hash', 'created_at', 'updated_at'],
  *rows(firm, { passwordHash }) {
    for (const person of firm.staff)
      yield [person.id, person.email, person.name, passwordHash, person.createdAt, person.createdAt];
  },
};

/** `tenancy.memberships`: the staff's roles (one OWNER, one ADMIN, then MANAGER and STAFF). */
export const membershipsTable: SeedTable = {
  table: 'tenancy.memberships',
  columns: ['firm_id', 'id', 'user_id', 'role', 'created_at'],
  *rows(firm) {
    for (const person of firm.staff) yield [firm.id, person.membershipId, person.id, person.role, person.createdAt];
  },
};

/**
 * `tenancy.portal_users`: contacts who accepted a portal invitation, as `acceptPortalInvitation`
 * leaves them: the seeded password's hash, `activated_at` set, name and email copied from the contact.
 */
export const portalUsersTable: SeedTable = {
  table: 'tenancy.portal_users',
  columns: [
    'firm_id',
    'id',
    'contact_id',
    'email',
    'name',
    'password_hash',
    'organization_id',
    'invited_by_user_id',
    'created_at',
    'activated_at',
    'revoked_at',
  ],
  *rows(firm, { passwordHash }) {
    for (const user of firm.portalUsers) {
      yield [
        firm.id,
        user.id,
        user.contact.id,
        user.contact.email,
        user.contact.name,
        passwordHash,
        null,
        user.invitedByUserId,
        user.invitedAt,
        user.activatedAt,
        null,
      ];
    }
  },
};

/** `tenancy.portal_client_grants`: the clients each portal user was granted one by one. */
export const portalClientGrantsTable: SeedTable = {
  table: 'tenancy.portal_client_grants',
  columns: ['firm_id', 'portal_user_id', 'client_id', 'created_at'],
  *rows(firm) {
    for (const user of firm.portalUsers) {
      for (const clientId of user.clientIds) yield [firm.id, user.id, clientId, user.invitedAt];
    }
  },
};

/** `tenancy.portal_logins`: the log-in directory entry an accepted invitation writes, so `logInPortal` finds the firm. */
export const portalLoginsTable: SeedTable = {
  table: 'tenancy.portal_logins',
  columns: ['email', 'firm_id', 'firm_slug', 'portal_user_id'],
  *rows(firm) {
    for (const user of firm.portalUsers) yield [user.contact.email, firm.id, firm.slug, user.id];
  },
};
