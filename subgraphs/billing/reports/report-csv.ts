import { formatMinorUnits } from '../../../platform/money.ts';
import type { ClientAgingFigures, RegisterEntryFigures } from './report-store.ts';

/** Characters that make a field need quotes (RFC 4180 §2.6): the separator, the quote, CR and LF. */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field (RFC 4180 §2.5–2.7): in double quotes, with inner quotes doubled, when it holds a
 * comma, a quote, CR or LF; as it is otherwise.
 */
function field(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Free text (a client's name) for a CSV cell: a leading `=`, `+`, `-`, `@`, tab or CR is prefixed
 * with `'`, so a spreadsheet opening the file shows it instead of evaluating it as a formula (OWASP,
 * "CSV Injection"). Amounts are never passed through it: `-12.50` must stay a number.
 */
export function csvText(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/**
 * A CSV document per RFC 4180: the header line, then one line per row, each line ended by CRLF
 * (§2.1–2.3), fields quoted where needed (§2.5–2.7). Every row must have the header's length.
 * @throws Error when a row's length differs from the header's (a bug in the caller).
 */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  let out = `${header.map(field).join(',')}\r\n`;
  for (const row of rows) {
    if (row.length !== header.length) throw new Error(`CSV row of ${row.length} fields for ${header.length} columns`);
    out += `${row.map(field).join(',')}\r\n`;
  }
  return out;
}

/** The AR aging CSV's columns. */
const AGING_CSV_HEADER = [
  'client_id',
  'client_name',
  'currency',
  'current',
  'days_1_30',
  'days_31_60',
  'days_61_90',
  'days_over_90',
  'total',
] as const;

/**
 * The AR aging as CSV (`toCsv`): one row per client and currency, amounts as exact decimal strings
 * of the currency (`formatMinorUnits`: `1234.56`). `names` maps client ids to names; a client it
 * lacks (or the nil UUID of lines without a client) gets an empty name.
 */
export function agingCsv(rows: readonly ClientAgingFigures[], names: ReadonlyMap<string, string>): string {
  return toCsv(
    AGING_CSV_HEADER,
    rows.map((row) => [
      row.clientId,
      csvText(names.get(row.clientId) ?? ''),
      row.currency,
      ...row.buckets.map((amount) => formatMinorUnits(amount, row.currency)),
      formatMinorUnits(row.totalMinor, row.currency),
    ]),
  );
}

/** The invoice register CSV's columns. */
const REGISTER_CSV_HEADER = [
  'issue_date',
  'kind',
  'number',
  'invoice_number',
  'client_id',
  'client_name',
  'status',
  'currency',
  'subtotal',
  'tax',
  'total',
  'amount_due',
] as const;

/**
 * The invoice register as CSV (`toCsv`): one row per invoice and credit note, in the register's
 * order; `invoice_number` is the credited invoice for credit notes (the invoice's own number
 * otherwise); `status` and `amount_due` are empty for credit notes; amounts as exact decimal strings.
 */
export function registerCsv(entries: readonly RegisterEntryFigures[], names: ReadonlyMap<string, string>): string {
  return toCsv(
    REGISTER_CSV_HEADER,
    entries.map((entry) => {
      const amount = (minor: bigint) => formatMinorUnits(minor, entry.currency);
      return [
        entry.issueDate,
        entry.kind,
        entry.number,
        entry.invoiceNumber,
        entry.clientId,
        csvText(names.get(entry.clientId) ?? ''),
        entry.status ?? '',
        entry.currency,
        amount(entry.subtotalMinor),
        amount(entry.taxMinor),
        amount(entry.totalMinor),
        entry.amountDueMinor === null ? '' : amount(entry.amountDueMinor),
      ];
    }),
  );
}
