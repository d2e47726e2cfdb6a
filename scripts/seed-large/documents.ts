import { allocateByWeight, between, idAt } from './plan.ts';
import type { SeedTable } from './table.ts';

const KINDS: [name: string, contentType: string, extension: string][] = [
  ['Engagement letter', 'application/pdf', 'pdf'],
  ['Tax return', 'application/pdf', 'pdf'],
  ['Management accounts', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'],
  ['Bank statements', 'application/pdf', 'pdf'],
  ['Payroll summary', 'text/csv', 'csv'],
  ['Board minutes', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
  ['Receipt', 'image/jpeg', 'jpg'],
];

/** `documents.documents`: document records spread over the clients by weight and over time. */
export const documentsTable: SeedTable = {
  table: 'documents.documents',
  columns: ['firm_id', 'id', 'client_id', 'filename', 'content_type', 'size_bytes', 'created_at'],
  *rows(firm, { now }) {
    const random = firm.random(this.table);
    const counts = allocateByWeight(firm.clients, firm.targets.documents);
    for (const [clientIndex, count] of counts.entries()) {
      const client = firm.clients[clientIndex]!;
      for (let i = 0; i < count; i += 1) {
        const createdAt = between(random, client.createdAt, now);
        const [kind, contentType, extension] = KINDS[Math.floor(random() * KINDS.length)]!;
        yield [
          firm.id,
          idAt(createdAt),
          client.id,
          `${kind} ${createdAt.getUTCFullYear()}-${String(i + 1).padStart(3, '0')}.${extension}`,
          contentType,
          Math.round(8_000 + 5_000_000 * random() ** 3),
          createdAt,
        ];
      }
    }
  },
};
