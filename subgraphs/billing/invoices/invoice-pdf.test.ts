import { execFileSync, spawnSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pdfSha256, renderInvoicePdf, type InvoiceDocument } from './invoice-pdf.ts';

/** A realistic invoice: two lines, one exclusive sales tax, net 30. */
function sampleInvoice(overrides: Partial<InvoiceDocument> = {}): InvoiceDocument {
  return {
    kind: 'INVOICE',
    number: 'INV-2026-00001',
    issueDate: '2026-03-05',
    dueDate: '2026-04-04',
    paymentTerms: 'NET_30',
    currency: 'USD',
    seller: {
      name: 'Harbor & Vine Advisory LLP',
      addressLines: ['200 Market Street, Suite 1400', 'San Francisco, CA 94105', 'United States'],
      taxId: 'EIN 12-3456789',
    },
    billTo: {
      name: 'Northwind Traders Inc.',
      addressLines: ['Attn: Accounts Payable', '1 Harbour Way', 'Seattle, WA 98101'],
    },
    creditedInvoiceNumber: null,
    lines: [
      {
        description:
          'Quarterly bookkeeping, January to March 2026: reconciliations of three bank accounts and two credit cards, accruals and the month-end close',
        quantity: '12.50',
        unitAmountMinor: 18_000n,
        amountMinor: 225_000n,
        taxes: [{ name: 'Sales tax', rateBasisPoints: 825, inclusive: false, amountMinor: 18_563n }],
      },
      {
        description: 'Payroll filing (fixed fee)',
        quantity: '1',
        unitAmountMinor: 45_000n,
        amountMinor: 45_000n,
        taxes: [{ name: 'Sales tax', rateBasisPoints: 825, inclusive: false, amountMinor: 3_713n }],
      },
    ],
    subtotalMinor: 270_000n,
    taxTotals: [{ name: 'Sales tax', rateBasisPoints: 825, inclusive: false, amountMinor: 22_276n }],
    totalMinor: 292_276n,
    amountDueMinor: 292_276n,
    memo: 'Thank you for your business. Please quote the invoice number with your payment.',
    ...overrides,
  };
}

const cp1252 = new TextDecoder('windows-1252');

/**
 * The text pdfkit drew, one string per text-showing operation (`[<hex> kern <hex>] TJ`), read from
 * the inflated content streams: pdfkit writes standard-font text as hex Windows-1252 codes, split
 * only at kerning adjustments, so a line drawn by one `text()` call comes back whole.
 */
function drawnText(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const fragments: string[] = [];
  for (const match of raw.matchAll(/\/Length (\d+)\n\/Filter \/FlateDecode\n>>\nstream\n/g)) {
    const start = match.index + match[0].length;
    const content = inflateSync(pdf.subarray(start, start + Number(match[1]))).toString('latin1');
    for (const [, array] of content.matchAll(/\[([^\]]*)\] TJ/g)) {
      const hex = [...array!.matchAll(/<([0-9a-f]*)>/g)].map(([, h]) => h).join('');
      fragments.push(cp1252.decode(Buffer.from(hex, 'hex')));
    }
  }
  return fragments;
}

function pageCount(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type \/Page(?!s)/g)?.length ?? 0;
}

const hasPdftotext = spawnSync('pdftotext', ['-v']).error === undefined;

afterEach(() => {
  vi.useRealTimers();
});

describe('renderInvoicePdf', () => {
  it('renders the same bytes for the same document, whatever the clock says', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-05T09:00:00Z'));
    const first = await renderInvoicePdf(sampleInvoice());
    vi.setSystemTime(new Date('2031-11-20T17:45:00Z'));
    const second = await renderInvoicePdf(sampleInvoice());
    expect(pdfSha256(second)).toBe(pdfSha256(first));
    expect(second.equals(first)).toBe(true);
  });

  it('renders different bytes for a different number', async () => {
    const first = await renderInvoicePdf(sampleInvoice());
    const other = await renderInvoicePdf(sampleInvoice({ number: 'INV-2026-00002' }));
    expect(pdfSha256(other)).not.toBe(pdfSha256(first));
  });

  it('dates the file by its issue date and derives its /ID from the document, not the clock', async () => {
    const pdf = (await renderInvoicePdf(sampleInvoice())).toString('latin1');
    expect(pdf).toContain('(D:20260305000000Z)');
    const id = /\/ID \[<([0-9a-f]{32})> <\1>\]/.exec(pdf)?.[1];
    expect(id).toBeDefined();
    const otherIssueDate = (await renderInvoicePdf(sampleInvoice({ issueDate: '2026-03-06' }))).toString('latin1');
    expect(otherIssueDate).toContain('(D:20260306000000Z)');
    expect(otherIssueDate).not.toContain(id);
  });

  it('shows the seller, the number, the client, the dates, the totals, the terms and the memo', async () => {
    const text = drawnText(await renderInvoicePdf(sampleInvoice()));
    expect(text).toEqual(
      expect.arrayContaining([
        'Harbor & Vine Advisory LLP',
        'Tax ID: EIN 12-3456789',
        'INVOICE',
        'INV-2026-00001',
        '5 March 2026',
        '4 April 2026',
        'Net 30',
        'Northwind Traders Inc.',
        'Seattle, WA 98101',
        'Payroll filing (fixed fee)',
        '12.50',
        '180.00',
        '2,250.00',
        'Sales tax 8.25%: 185.63',
        'Subtotal',
        '2,700.00',
        'Sales tax 8.25%',
        '222.76',
        'Total',
        'Amount due',
        'USD 2,922.76',
        'Payment due within 30 days of the issue date. Please pay by 4 April 2026.',
      ]),
    );
    expect(text.join(' ')).toContain('Please quote the invoice number with your payment.');
  });

  it('wraps a long description instead of running it into the quantity column', async () => {
    const text = drawnText(await renderInvoicePdf(sampleInvoice()));
    expect(text).toContain('Quarterly bookkeeping, January to March 2026: ');
    expect(text).not.toContain(sampleInvoice().lines[0]!.description);
  });

  it.skipIf(!hasPdftotext)('is read by poppler (pdftotext) with the number, client and total', async () => {
    const pdf = await renderInvoicePdf(sampleInvoice());
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString('utf8');
    expect(text).toContain('INV-2026-00001');
    expect(text).toContain('Northwind Traders Inc.');
    expect(text).toMatch(/Amount due\s+USD 2,922\.76/);
  });

  it('formats amounts with the currency’s own minor unit: none for JPY, three digits for KWD', async () => {
    const line = { description: 'Advisory', quantity: '1', taxes: [] };
    const jpy = drawnText(
      await renderInvoicePdf(
        sampleInvoice({
          currency: 'JPY',
          lines: [{ ...line, unitAmountMinor: 1_234_567n, amountMinor: 1_234_567n }],
          subtotalMinor: 1_234_567n,
          taxTotals: [],
          totalMinor: 1_234_567n,
          amountDueMinor: 1_234_567n,
        }),
      ),
    );
    expect(jpy).toEqual(expect.arrayContaining(['1,234,567', 'JPY 1,234,567', 'AMOUNT (JPY)']));
    const kwd = drawnText(
      await renderInvoicePdf(
        sampleInvoice({
          currency: 'KWD',
          lines: [{ ...line, unitAmountMinor: 1_234_567n, amountMinor: 1_234_567n }],
          subtotalMinor: 1_234_567n,
          taxTotals: [],
          totalMinor: 1_234_567n,
          amountDueMinor: 1_000n,
        }),
      ),
    );
    expect(kwd).toEqual(expect.arrayContaining(['1,234.567', 'KWD 1,234.567', 'KWD 1.000']));
  });

  it('puts 60 lines on several pages, each numbered, with every line and the totals on them', async () => {
    const base = sampleInvoice();
    const lines = Array.from({ length: 60 }, (_, index) => ({
      ...base.lines[index % 2]!,
      description: `Line ${index + 1}: ${base.lines[index % 2]!.description}`,
    }));
    const pdf = await renderInvoicePdf(sampleInvoice({ lines }));
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThanOrEqual(2);
    const text = drawnText(pdf);
    for (const number of [1, 2, 30, 59, 60]) expect(text.some((t) => t.startsWith(`Line ${number}: `))).toBe(true);
    expect(text.filter((t) => t === 'DESCRIPTION')).toHaveLength(pages);
    expect(text).toContain(`Harbor & Vine Advisory LLP  \u00b7  INV-2026-00001  \u00b7  Page ${pages} of ${pages}`);
    expect(text).toContain('USD 2,922.76');
  });

  it('titles a credit note as one, names the invoice it credits and asks for no payment', async () => {
    const text = drawnText(
      await renderInvoicePdf(
        sampleInvoice({
          kind: 'CREDIT_NOTE',
          number: 'CN-2026-00001',
          dueDate: null,
          paymentTerms: null,
          creditedInvoiceNumber: 'INV-2026-00001',
          taxTotals: [{ name: 'VAT', rateBasisPoints: 2000, inclusive: true, amountMinor: 45_000n }],
        }),
      ),
    );
    expect(text).toEqual(
      expect.arrayContaining([
        'CREDIT NOTE',
        'CN-2026-00001',
        'Credits invoice',
        'INV-2026-00001',
        'This credit note credits invoice INV-2026-00001.',
        'Includes VAT 20%',
        'Total credit',
      ]),
    );
    expect(text).not.toContain('Amount due');
    expect(text).not.toContain('Due date');
    expect(text.some((t) => t.startsWith('Payment due'))).toBe(false);
  });

  it('prints what the standard fonts lack without its accents, or as "?"', async () => {
    const text = drawnText(
      await renderInvoicePdf(sampleInvoice({ billTo: { name: 'Zoë Łukasiewicz Dvořák 東京', addressLines: [] } })),
    );
    // ë and á are Windows-1252 characters; ř decomposes to r; Ł is stroked; 東京 has no Latin form.
    expect(text).toContain('Zoë Lukasiewicz Dvorák ??');
  });

  it('refuses a currency outside ISO 4217', async () => {
    await expect(renderInvoicePdf(sampleInvoice({ currency: 'XYZ' }))).rejects.toThrow(/ISO 4217/);
  });
});

describe('pdfSha256', () => {
  it('is the SHA-256 in lower-case hex (FIPS 180-4 test vector "abc")', () => {
    expect(pdfSha256(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
