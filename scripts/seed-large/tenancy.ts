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
    for (const person of firm.staff) yield [person.id, person.email, person.name, passwordHash, person.createdAt, person.createdAt];
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
