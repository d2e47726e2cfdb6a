import type { SeedTable } from './table.ts';

/** `crm.clients`: the firm's client accounts, about 8% archived. */
export const clientsTable: SeedTable = {
  table: 'crm.clients',
  columns: ['firm_id', 'id', 'name', 'email', 'phone', 'website', 'currency', 'status', 'created_at', 'updated_at', 'archived_at'],
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
