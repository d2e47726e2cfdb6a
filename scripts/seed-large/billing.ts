import { allocateByWeight, between, idAt } from './plan.ts';
import type { CopyValue, SeedTable } from './table.ts';

const DAY_MS = 86_400_000;

/**
 * `billing.invoices`: spread over the clients by weight and over each client's lifetime. Numbers
 * are sequential per firm in issue order, with no gaps. Recent invoices are DRAFT or OPEN; older
 * ones mostly PAID, a few VOID or overdue, some OPEN ones partly paid. Amounts are minor units.
 */
export const invoicesTable: SeedTable = {
  table: 'billing.invoices',
  columns: [
    'firm_id',
    'id',
    'client_id',
    'number',
    'status',
    'currency',
    'total_minor',
    'amount_paid_minor',
    'issue_date',
    'due_date',
    'created_at',
  ],
  *rows(firm, { now }) {
    const random = firm.random(this.table);
    const counts = allocateByWeight(firm.clients, firm.targets.invoices);
    const drafts: { clientIndex: number; createdAt: Date }[] = [];
    for (const [clientIndex, count] of counts.entries()) {
      for (let i = 0; i < count; i += 1)
        drafts.push({ clientIndex, createdAt: between(random, firm.clients[clientIndex]!.createdAt, now) });
    }
    drafts.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    let number = 0;
    for (const { clientIndex, createdAt } of drafts) {
      const client = firm.clients[clientIndex]!;
      const ageDays = (now.getTime() - createdAt.getTime()) / DAY_MS;
      const roll = random();
      const status =
        ageDays < 45 ? (roll < 0.3 ? 'DRAFT' : 'OPEN') : roll < 0.92 ? 'PAID' : roll < 0.95 ? 'VOID' : 'OPEN';
      // Log-normal-ish: most invoices a few hundred to a few thousand, a long tail above.
      const totalMinor = BigInt(Math.round(15_000 + 2_000_000 * random() ** 4 + 100_000 * random()));
      const paid = status === 'PAID' ? totalMinor : status === 'OPEN' && random() < 0.2 ? totalMinor / 2n : 0n;
      const issued = status !== 'DRAFT';
      const row: CopyValue[] = [
        firm.id,
        idAt(createdAt),
        client.id,
        issued ? `INV-${String(++number).padStart(6, '0')}` : null,
        status,
        client.currency,
        totalMinor,
        paid,
        issued ? createdAt.toISOString().slice(0, 10) : null,
        issued ? new Date(createdAt.getTime() + 30 * DAY_MS).toISOString().slice(0, 10) : null,
        createdAt,
      ];
      yield row;
    }
  },
};
