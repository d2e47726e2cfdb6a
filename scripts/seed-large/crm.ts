import type { SeedTable } from './table.ts';

/** `crm.clients`: the firm's client accounts, about 8% archived. */
export const clientsTable: SeedTable = {
  table: 'crm.clients',
  columns: [
    'firm_id',
    'id',
    'name',
    'email',
    'phone',
    'website',
    'currency',
    'status',
    'created_at',
    'updated_at',
    'archived_at',
  ],
  *rows(firm, { now }) {
    for (const [n, client] of firm.clients.entries()) {
      const archivedAt = client.archived ? new Date((client.createdAt.getTime() + now.getTime()) / 2) : null;
      yield [
        firm.id,
        client.id,
        client.name,
        client.email,
        `+1 555 ${String(n % 10_000).padStart(4, '0')}`,
        null,
        client.currency,
        client.archived ? 'ARCHIVED' : 'ACTIVE',
        client.createdAt,
        archivedAt ?? client.createdAt,
        archivedAt,
      ];
    }
  },
};

/** `crm.contacts`: the people at the firm's clients, about three per client at scale 1. */
export const contactsTable: SeedTable = {
  table: 'crm.contacts',
  columns: ['firm_id', 'id', 'name', 'email', 'phone', 'title', 'created_at', 'updated_at'],
  *rows(firm) {
    for (const contact of firm.contacts)
      yield [
        firm.id,
        contact.id,
        contact.name,
        contact.email,
        contact.phone,
        contact.title,
        contact.createdAt,
        contact.createdAt,
      ];
  },
};

/** `crm.client_contacts`: each contact's links, with its role at each client. */
export const clientContactsTable: SeedTable = {
  table: 'crm.client_contacts',
  columns: ['firm_id', 'client_id', 'contact_id', 'role', 'created_at'],
  *rows(firm) {
    for (const contact of firm.contacts) {
      for (const link of contact.links) yield [firm.id, link.clientId, contact.id, link.role, link.createdAt];
    }
  },
};

/** `crm.client_team_members`: the staff on each client's team, put there when the client (or they) joined. */
export const clientTeamMembersTable: SeedTable = {
  table: 'crm.client_team_members',
  columns: ['firm_id', 'client_id', 'user_id', 'created_at'],
  *rows(firm) {
    for (const client of firm.clients) {
      for (const person of client.team)
        yield [
          firm.id,
          client.id,
          person.id,
          person.createdAt > client.createdAt ? person.createdAt : client.createdAt,
        ];
    }
  },
};
