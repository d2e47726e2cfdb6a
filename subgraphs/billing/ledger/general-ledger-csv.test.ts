import { describe, expect, it } from 'vitest';
import { generalLedgerCsv } from './general-ledger-csv.ts';

const row = {
  accountingDate: '2026-04-02',
  entryId: '0196a000-0000-7000-8000-000000000001',
  accountCode: '1100',
  accountName: 'Accounts receivable',
  debitMinor: 123456n,
  creditMinor: 0n,
  currency: 'USD',
  memo: null,
};

describe('generalLedgerCsv', () => {
  it('writes a header and one CRLF-terminated record per line, amounts in major units of the currency', () => {
    expect(
      generalLedgerCsv([
        row,
        { ...row, accountCode: '4000', accountName: 'Revenue', debitMinor: 0n, creditMinor: 500n, currency: 'JPY' },
      ]),
    ).toBe(
      'date,entry id,account code,account name,debit,credit,currency,memo\r\n' +
        '2026-04-02,0196a000-0000-7000-8000-000000000001,1100,Accounts receivable,1234.56,,USD,\r\n' +
        '2026-04-02,0196a000-0000-7000-8000-000000000001,4000,Revenue,,500,JPY,\r\n',
    );
  });

  it('quotes fields with commas, quotes, line breaks or edge spaces, doubling inner quotes (RFC 4180 §2)', () => {
    const csv = generalLedgerCsv([
      { ...row, accountName: 'Fees, "other"', memo: 'line one\nline two' },
      { ...row, memo: ' padded' },
      { ...row, memo: 'KWD 1.005', debitMinor: 1005n, currency: 'KWD' },
    ]);
    const records = csv.split('\r\n');
    expect(records[1]).toBe(`2026-04-02,${row.entryId},1100,"Fees, ""other""",1234.56,,USD,"line one\nline two"`);
    expect(records[2]).toBe(`2026-04-02,${row.entryId},1100,Accounts receivable,1234.56,,USD," padded"`);
    expect(records[3]).toBe(`2026-04-02,${row.entryId},1100,Accounts receivable,1.005,,KWD,KWD 1.005`);
    expect(records[4]).toBe('');
  });

  it('is only the header for no rows', () => {
    expect(generalLedgerCsv([])).toBe('date,entry id,account code,account name,debit,credit,currency,memo\r\n');
  });
});
