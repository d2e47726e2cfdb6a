import { formatMinorUnits } from '../../../platform/money.ts';
import type { GeneralLedgerRow } from './ledger-store.ts';

/** The general ledger's columns, in order: the CSV's header row. */
const GENERAL_LEDGER_COLUMNS = [
  'date',
  'entry id',
  'account code',
  'account name',
  'debit',
  'credit',
  'currency',
  'memo',
] as const;

/**
 * One CSV field as RFC 4180 §2 writes it: enclosed in double quotes, with inner quotes doubled,
 * when it holds a comma, a double quote, CR or LF (or starts or ends with a space, which some
 * importers trim); as it is otherwise.
 */
function csvField(value: string): string {
  return /[",\r\n]|^ | $/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * The general ledger as CSV text (RFC 4180: a header row, fields quoted where needed, CRLF after
 * every record, the last included): one record per journal line, columns `GENERAL_LEDGER_COLUMNS`.
 * Debit and credit are decimals in major units of the line's currency (`formatMinorUnits`,
 * platform/money.ts: `123456n` USD is `1234.56`), the other side empty; no currency symbol or
 * thousands separator, so accounting software imports them as numbers.
 * @param rows in the order to write, amounts in minor units (`generalLedgerRows`).
 */
export function generalLedgerCsv(rows: readonly GeneralLedgerRow[]): string {
  const records = [
    GENERAL_LEDGER_COLUMNS.join(','),
    ...rows.map((row) =>
      [
        row.accountingDate,
        row.entryId,
        row.accountCode,
        row.accountName,
        row.debitMinor > 0n ? formatMinorUnits(row.debitMinor, row.currency) : '',
        row.creditMinor > 0n ? formatMinorUnits(row.creditMinor, row.currency) : '',
        row.currency,
        row.memo ?? '',
      ]
        .map(csvField)
        .join(','),
    ),
  ];
  return records.map((record) => `${record}\r\n`).join('');
}
