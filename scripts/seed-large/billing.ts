import type { PartySnapshot } from '../../db/schema/billing.ts';
import type { CreditNoteLineSnapshot } from '../../db/schema/invoicing.ts';
import { creditNoteDocumentOf } from '../../subgraphs/billing/invoices/invoice-document.ts';
import { pdfSha256, renderInvoicePdf } from '../../subgraphs/billing/invoices/invoice-pdf.ts';
import { allocateByWeight, between, idAt, type FirmFixture } from './plan.ts';
import type { CopyValue, SeedTable } from './table.ts';

// The firm's books as invoicing and the journal leave them (migrations 0016–0017): every invoice
// has one SERVICE line for its total; issued ones the seller and client printed on them, an
// INVOICE_ISSUED entry on the issue date, a PAYMENT_RECEIVED entry for what was paid, an
// INVOICE_VOIDED entry for VOID ones; some have a credit note (CREDIT_NOTE_ISSUED: applied to what
// is due, or to the client's credit once paid). Each amount due equals the invoice's receivable in
// the journal and every entry balances; seed.ts checks both, set-based, before it commits. Amounts
// are minor units; there is no tax.

const DAY_MS = 86_400_000;
const NET_30_DAYS = 30;

/** The system accounts `billing.open_books` opens (migration 0017), with the same codes, names and types. */
const SYSTEM_ACCOUNTS = [
  ['1100', 'Accounts receivable', 'ASSET', 'ACCOUNTS_RECEIVABLE'],
  ['1200', 'Cash clearing (payment processor)', 'ASSET', 'CASH_CLEARING'],
  ['2100', 'Tax payable', 'LIABILITY', 'TAX_PAYABLE'],
  ['2200', 'Client credit', 'LIABILITY', 'CLIENT_CREDIT'],
  ['2300', 'Unearned revenue (retainers)', 'LIABILITY', 'UNEARNED_REVENUE'],
  ['4000', 'Revenue', 'REVENUE', 'REVENUE'],
  ['6100', 'Write-offs', 'EXPENSE', 'WRITE_OFFS'],
  ['6200', 'Payment processor fees', 'EXPENSE', 'PROCESSOR_FEES'],
  ['6900', 'Rounding', 'EXPENSE', 'ROUNDING'],
] as const;
type SystemAccount = (typeof SYSTEM_ACCOUNTS)[number][3];

/** A credit note against one seeded invoice. */
interface CreditNotePlan {
  id: string;
  number: string;
  issueDate: string;
  totalMinor: bigint;
  /** What it took off the amount due; the rest went to the client's credit. */
  appliedMinor: bigint;
  lines: CreditNoteLineSnapshot[];
  /** SHA-256 of its PDF, rendered by `prepare` (the PDF is rendered again from the row on download). */
  pdfSha256: string;
  createdAt: Date;
}

/** One seeded invoice and what the journal records of it. */
interface InvoicePlan {
  id: string;
  clientIndex: number;
  number: string | null;
  status: 'DRAFT' | 'OPEN' | 'PAID' | 'VOID';
  totalMinor: bigint;
  paidMinor: bigint;
  issueDate: string | null;
  dueDate: string | null;
  /** When it was paid (or paid in part); null when nothing was. */
  paidOn: string | null;
  voidedOn: string | null;
  creditNote: CreditNotePlan | null;
  createdAt: Date;
}

/** A firm's seeded books: its account ids by role and its invoices in creation order. */
interface BooksPlan {
  accounts: Map<SystemAccount, string>;
  invoices: InvoicePlan[];
  seller: PartySnapshot;
}

const plans = new WeakMap<FirmFixture, BooksPlan>();

const day = (date: Date) => date.toISOString().slice(0, 10);
const addDays = (date: string, days: number) => day(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
const party = (name: string): PartySnapshot => ({ name, addressLines: [], taxId: null });

/**
 * The firm's books, planned once per fixture so every table reads the same invoices, ids and dates.
 * Invoices are spread over the clients by weight and over each client's lifetime, numbered
 * `INV-000001`… in issue order; recent ones DRAFT or OPEN, older ones mostly PAID (within 45 days of
 * issue), a few VOID (within a week) or overdue, some OPEN ones paid in half. About 5 % of OPEN
 * invoices get a credit note of a tenth of their total (applied), and 0.5 % of PAID ones (all to the
 * client's credit), numbered `CN-000001`… in date order.
 */
function booksOf(firm: FirmFixture, now: Date): BooksPlan {
  const existing = plans.get(firm);
  if (existing) return existing;
  const random = firm.random('billing.invoices');
  const ids = firm.random('billing.invoices:ids');
  const counts = allocateByWeight(firm.clients, firm.targets.invoices);
  const drafts: { clientIndex: number; createdAt: Date }[] = [];
  for (const [clientIndex, count] of counts.entries()) {
    for (let i = 0; i < count; i += 1)
      drafts.push({ clientIndex, createdAt: between(random, firm.clients[clientIndex]!.createdAt, now) });
  }
  drafts.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const today = day(now);
  const capped = (date: string) => (date > today ? today : date);
  let number = 0;
  const invoices: InvoicePlan[] = [];
  for (const { clientIndex, createdAt } of drafts) {
    const ageDays = (now.getTime() - createdAt.getTime()) / DAY_MS;
    const roll = random();
    const status: InvoicePlan['status'] =
      ageDays < 45 ? (roll < 0.3 ? 'DRAFT' : 'OPEN') : roll < 0.92 ? 'PAID' : roll < 0.95 ? 'VOID' : 'OPEN';
    // Log-normal-ish: most invoices a few hundred to a few thousand, a long tail above.
    const totalMinor = BigInt(Math.round(15_000 + 2_000_000 * random() ** 4 + 100_000 * random()));
    const paidMinor = status === 'PAID' ? totalMinor : status === 'OPEN' && random() < 0.2 ? totalMinor / 2n : 0n;
    const issueDate = status === 'DRAFT' ? null : day(createdAt);
    const invoice: InvoicePlan = {
      id: idAt(createdAt, ids),
      clientIndex,
      number: issueDate ? `INV-${String(++number).padStart(6, '0')}` : null,
      status,
      totalMinor,
      paidMinor,
      issueDate,
      dueDate: issueDate && addDays(issueDate, NET_30_DAYS),
      paidOn: issueDate && paidMinor > 0n ? capped(addDays(issueDate, Math.floor(random() * 45))) : null,
      voidedOn: issueDate && status === 'VOID' ? capped(addDays(issueDate, 1 + Math.floor(random() * 7))) : null,
      creditNote: null,
      createdAt,
    };
    const credited = (status === 'OPEN' && random() < 0.05) || (status === 'PAID' && random() < 0.005);
    if (credited && issueDate) {
      const after = invoice.paidOn ?? issueDate;
      const totalCredit = totalMinor / 10n;
      const creditDate = capped(addDays(after, 1 + Math.floor(random() * 20)));
      invoice.creditNote = {
        id: idAt(new Date(Date.parse(`${creditDate}T12:00:00Z`)), ids),
        number: '',
        issueDate: creditDate,
        totalMinor: totalCredit,
        appliedMinor: status === 'PAID' ? 0n : totalCredit,
        lines: [
          {
            invoiceLineId: null,
            description: `Credit against invoice ${invoice.number}`,
            amountMinor: totalCredit.toString(),
            taxes: [],
          },
        ],
        pdfSha256: '',
        createdAt: new Date(Date.parse(`${creditDate}T12:00:00Z`)),
      };
    }
    invoices.push(invoice);
  }
  const notes = invoices.flatMap((invoice) => (invoice.creditNote ? [invoice.creditNote] : []));
  notes.sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.id.localeCompare(b.id));
  for (const [index, note] of notes.entries()) note.number = `CN-${String(index + 1).padStart(6, '0')}`;
  const accountIds = firm.random('billing.accounts');
  const accounts = new Map(SYSTEM_ACCOUNTS.map(([, , , role]) => [role, idAt(firm.createdAt, accountIds)] as const));
  const plan = { accounts, invoices, seller: party(firm.name) };
  plans.set(firm, plan);
  return plan;
}

/** `billing.accounts`: the system accounts `open_books` would open, with ids the journal lines below name. */
export const accountsTable: SeedTable = {
  table: 'billing.accounts',
  columns: ['firm_id', 'id', 'code', 'name', 'type', 'system_account', 'created_at'],
  *rows(firm, { now }) {
    const { accounts } = booksOf(firm, now);
    for (const [code, name, type, role] of SYSTEM_ACCOUNTS)
      yield [firm.id, accounts.get(role)!, code, name, type, role, firm.createdAt];
  },
};

/** `billing.invoices`: the planned invoices, with their amounts as the journal holds them. */
export const invoicesTable: SeedTable = {
  table: 'billing.invoices',
  columns: [
    'firm_id',
    'id',
    'client_id',
    'number',
    'status',
    'currency',
    'subtotal_minor',
    'total_minor',
    'amount_paid_minor',
    'amount_credited_minor',
    'amount_due_minor',
    'issue_date',
    'due_date',
    'seller',
    'bill_to',
    'issued_at',
    'voided_at',
    'void_reason',
    'created_at',
    'updated_at',
  ],
  *rows(firm, { now }) {
    const { invoices, seller } = booksOf(firm, now);
    const sellerJson = JSON.stringify(seller);
    for (const invoice of invoices) {
      const client = firm.clients[invoice.clientIndex]!;
      const issued = invoice.status !== 'DRAFT';
      const credited = invoice.creditNote?.totalMinor ?? 0n;
      const applied = invoice.creditNote?.appliedMinor ?? 0n;
      const due = issued && invoice.status !== 'VOID' ? invoice.totalMinor - invoice.paidMinor - applied : 0n;
      const row: CopyValue[] = [
        firm.id,
        invoice.id,
        client.id,
        invoice.number,
        invoice.status,
        client.currency,
        invoice.totalMinor,
        invoice.totalMinor,
        invoice.paidMinor,
        credited,
        due,
        invoice.issueDate,
        invoice.dueDate,
        issued ? sellerJson : null,
        issued ? JSON.stringify(party(client.name)) : null,
        issued ? invoice.createdAt : null,
        invoice.voidedOn ? new Date(Date.parse(`${invoice.voidedOn}T12:00:00Z`)) : null,
        invoice.voidedOn ? 'Issued in error' : null,
        invoice.createdAt,
        invoice.createdAt,
      ];
      yield row;
    }
  },
};

/** `billing.invoice_lines`: one SERVICE line per invoice, for its total. */
export const invoiceLinesTable: SeedTable = {
  table: 'billing.invoice_lines',
  columns: [
    'firm_id',
    'id',
    'invoice_id',
    'position',
    'kind',
    'description',
    'quantity',
    'unit_amount_minor',
    'standard_minor',
    'amount_minor',
  ],
  *rows(firm, { now }) {
    const ids = firm.random('billing.invoice_lines');
    for (const invoice of booksOf(firm, now).invoices) {
      const total = invoice.totalMinor;
      yield [
        firm.id,
        idAt(invoice.createdAt, ids),
        invoice.id,
        1,
        'SERVICE',
        'Professional services',
        '1',
        total,
        total,
        total,
      ];
    }
  },
};

/** `billing.credit_notes`: the planned credit notes, printed with the invoice's parties. */
export const creditNotesTable: SeedTable = {
  table: 'billing.credit_notes',
  columns: [
    'firm_id',
    'id',
    'invoice_id',
    'client_id',
    'number',
    'currency',
    'issue_date',
    'reason',
    'lines',
    'subtotal_minor',
    'tax_minor',
    'total_minor',
    'applied_minor',
    'to_credit_minor',
    'seller',
    'bill_to',
    'pdf_sha256',
    'created_at',
  ],
  /** Renders each credit note's PDF once, for the hash its row stores (as issueCreditNote does). */
  async prepare(firms, { now }) {
    for (const firm of firms) {
      const { invoices, seller } = booksOf(firm, now);
      for (const invoice of invoices) {
        const note = invoice.creditNote;
        if (!note) continue;
        const client = firm.clients[invoice.clientIndex]!;
        const document = creditNoteDocumentOf(
          {
            number: note.number,
            issueDate: note.issueDate,
            currency: client.currency,
            seller,
            billTo: party(client.name),
            lines: note.lines,
            subtotalMinor: note.totalMinor,
            totalMinor: note.totalMinor,
            reason: CREDIT_REASON,
          },
          invoice.number!,
        );
        note.pdfSha256 = pdfSha256(await renderInvoicePdf(document));
      }
    }
  },
  *rows(firm, { now }) {
    const { invoices, seller } = booksOf(firm, now);
    for (const invoice of invoices) {
      const note = invoice.creditNote;
      if (!note) continue;
      const client = firm.clients[invoice.clientIndex]!;
      yield [
        firm.id,
        note.id,
        invoice.id,
        client.id,
        note.number,
        client.currency,
        note.issueDate,
        CREDIT_REASON,
        JSON.stringify(note.lines),
        note.totalMinor,
        0n,
        note.totalMinor,
        note.appliedMinor,
        note.totalMinor - note.appliedMinor,
        JSON.stringify(seller),
        JSON.stringify(party(client.name)),
        note.pdfSha256,
        note.createdAt,
      ];
    }
  },
};

const CREDIT_REASON = 'Agreed reduction';

/** One planned journal entry with its lines (signed amounts: debits positive). */
interface EntryPlan {
  id: string;
  kind: 'INVOICE_ISSUED' | 'PAYMENT_RECEIVED' | 'INVOICE_VOIDED' | 'CREDIT_NOTE_ISSUED';
  sourceType: 'INVOICE' | 'PAYMENT' | 'CREDIT_NOTE';
  sourceId: string;
  date: string;
  memo: string;
  lines: [SystemAccount, bigint][];
  invoice: InvoicePlan;
}

/** The journal entries of one invoice, in date order, as issue, payment, void and credit notes post them. */
function* entriesOf(invoice: InvoicePlan, ids: () => number): Generator<EntryPlan> {
  if (!invoice.issueDate) return;
  const at = (date: string) => idAt(new Date(Date.parse(`${date}T12:00:00Z`)), ids);
  const total = invoice.totalMinor;
  const base = { invoice };
  yield {
    ...base,
    id: at(invoice.issueDate),
    kind: 'INVOICE_ISSUED',
    sourceType: 'INVOICE',
    sourceId: invoice.id,
    date: invoice.issueDate,
    memo: `Invoice ${invoice.number}`,
    lines: [
      ['ACCOUNTS_RECEIVABLE', total],
      ['REVENUE', -total],
    ],
  };
  if (invoice.paidOn) {
    const id = at(invoice.paidOn);
    yield {
      ...base,
      id,
      kind: 'PAYMENT_RECEIVED',
      sourceType: 'PAYMENT',
      sourceId: id,
      date: invoice.paidOn,
      memo: `Payment of invoice ${invoice.number}`,
      lines: [
        ['CASH_CLEARING', invoice.paidMinor],
        ['ACCOUNTS_RECEIVABLE', -invoice.paidMinor],
      ],
    };
  }
  if (invoice.voidedOn) {
    yield {
      ...base,
      id: at(invoice.voidedOn),
      kind: 'INVOICE_VOIDED',
      sourceType: 'INVOICE',
      sourceId: invoice.id,
      date: invoice.voidedOn,
      memo: `Void of invoice ${invoice.number}`,
      lines: [
        ['ACCOUNTS_RECEIVABLE', -total],
        ['REVENUE', total],
      ],
    };
  }
  const note = invoice.creditNote;
  if (note) {
    const lines: [SystemAccount, bigint][] = [['REVENUE', note.totalMinor]];
    if (note.appliedMinor > 0n) lines.push(['ACCOUNTS_RECEIVABLE', -note.appliedMinor]);
    if (note.totalMinor > note.appliedMinor) lines.push(['CLIENT_CREDIT', note.appliedMinor - note.totalMinor]);
    yield {
      ...base,
      id: at(note.issueDate),
      kind: 'CREDIT_NOTE_ISSUED',
      sourceType: 'CREDIT_NOTE',
      sourceId: note.id,
      date: note.issueDate,
      memo: `Credit note ${note.number} against invoice ${invoice.number}`,
      lines,
    };
  }
}

/** Every journal entry of the firm, derived again (same ids) for the entries' and the lines' tables. */
function* firmEntries(firm: FirmFixture, now: Date): Generator<EntryPlan> {
  const ids = firm.random('billing.journal_entries');
  for (const invoice of booksOf(firm, now).invoices) yield* entriesOf(invoice, ids);
}

/** `billing.journal_entries`: issue, payment, void and credit-note entries of the seeded invoices. */
export const journalEntriesTable: SeedTable = {
  table: 'billing.journal_entries',
  columns: ['firm_id', 'id', 'kind', 'source_type', 'source_id', 'accounting_date', 'event_date', 'memo', 'posted_at'],
  *rows(firm, { now }) {
    for (const entry of firmEntries(firm, now))
      yield [firm.id, entry.id, entry.kind, entry.sourceType, entry.sourceId, entry.date, entry.date, entry.memo, now];
  },
};

/** `billing.journal_lines`: the entries' lines, each carrying its invoice's client and the invoice. */
export const journalLinesTable: SeedTable = {
  table: 'billing.journal_lines',
  columns: [
    'firm_id',
    'entry_id',
    'line_no',
    'account_id',
    'accounting_date',
    'debit_minor',
    'credit_minor',
    'currency',
    'client_id',
    'invoice_id',
  ],
  *rows(firm, { now }) {
    const { accounts } = booksOf(firm, now);
    for (const entry of firmEntries(firm, now)) {
      const client = firm.clients[entry.invoice.clientIndex]!;
      for (const [index, [account, amount]] of entry.lines.entries()) {
        yield [
          firm.id,
          entry.id,
          index + 1,
          accounts.get(account)!,
          entry.date,
          amount > 0n ? amount : 0n,
          amount < 0n ? -amount : 0n,
          client.currency,
          client.id,
          entry.invoice.id,
        ];
      }
    }
  },
};
