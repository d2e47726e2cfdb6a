import { describe, expect, it } from 'vitest';
import { agingCsv, csvText, registerCsv, toCsv } from './report-csv.ts';

describe('toCsv (RFC 4180)', () => {
  it('ends every line with CRLF and quotes only fields with a comma, a quote, CR or LF, doubling inner quotes', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['plain', 'with, comma'],
          ['say "hi"', 'two\nlines'],
          ['cr\r', ''],
        ],
      ),
    ).toBe('a,b\r\nplain,"with, comma"\r\n"say ""hi""","two\nlines"\r\n"cr\r",\r\n');
  });

  it('refuses a row whose length is not the header’s', () => {
    expect(() => toCsv(['a', 'b'], [['only one']])).toThrow(/1 fields for 2 columns/);
  });

  it('keeps free text from being read as a formula, and leaves ordinary text alone', () => {
    expect(csvText('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    expect(csvText('+1')).toBe("'+1");
    expect(csvText('@SUM')).toBe("'@SUM");
    expect(csvText('Acme, Inc.')).toBe('Acme, Inc.');
  });
});

describe('report CSVs', () => {
  it('writes the AR aging with decimal amounts in the currency’s digits and the client’s name', () => {
    const csv = agingCsv(
      [
        { clientId: 'c1', currency: 'USD', buckets: [100n, 0n, 2550n, 0n, -5n], totalMinor: 2645n },
        { clientId: 'c2', currency: 'JPY', buckets: [0n, 0n, 0n, 0n, 1200n], totalMinor: 1200n },
      ],
      new Map([['c1', 'Reyes "Dental", LLC']]),
    );
    expect(csv.split('\r\n')).toEqual([
      'client_id,client_name,currency,current,days_1_30,days_31_60,days_61_90,days_over_90,total',
      'c1,"Reyes ""Dental"", LLC",USD,1.00,0.00,25.50,0.00,-0.05,26.45',
      'c2,,JPY,0,0,0,0,1200,1200',
      '',
    ]);
  });

  it('writes the register with the credited invoice’s number and no status or amount due for credit notes', () => {
    const base = { clientId: 'c1', currency: 'EUR', subtotalMinor: 10000n, taxMinor: 2000n, totalMinor: 12000n };
    const csv = registerCsv(
      [
        {
          ...base,
          kind: 'INVOICE',
          id: 'i1',
          number: 'INV-1',
          issueDate: '2026-03-01',
          invoiceId: 'i1',
          invoiceNumber: 'INV-1',
          status: 'OPEN',
          amountDueMinor: 9000n,
        },
        {
          ...base,
          kind: 'CREDIT_NOTE',
          id: 'n1',
          number: 'CN-1',
          issueDate: '2026-03-02',
          invoiceId: 'i1',
          invoiceNumber: 'INV-1',
          status: null,
          amountDueMinor: null,
          totalMinor: 3000n,
        },
      ],
      new Map([['c1', '-Minus Ltd']]),
    );
    expect(csv.split('\r\n').slice(1, 3)).toEqual([
      "2026-03-01,INVOICE,INV-1,INV-1,c1,'-Minus Ltd,OPEN,EUR,100.00,20.00,120.00,90.00",
      "2026-03-02,CREDIT_NOTE,CN-1,INV-1,c1,'-Minus Ltd,,EUR,100.00,20.00,30.00,",
    ]);
  });
});
