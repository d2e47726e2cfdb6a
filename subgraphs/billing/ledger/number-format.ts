/** A document number format, parsed: the text around `{SEQ:n}` and whether `{YYYY}` appears. */
export interface NumberFormat {
  /** The format as given, e.g. `INV-{YYYY}-{SEQ:5}`. */
  format: string;
  /** Digits the sequence is zero-padded to (1–9). */
  sequenceDigits: number;
  /** True when the format holds `{YYYY}`: the counter then starts again each year. */
  yearly: boolean;
}

/** The longest number format accepted, in characters. */
const MAX_NUMBER_FORMAT_LENGTH = 40;

const TOKEN = /\{YYYY\}|\{SEQ:([1-9])\}/g;
const LITERAL = /^[A-Za-z0-9\-/_.]*$/;

/**
 * Parses an invoice or credit note number format (the firm's invoicing settings): exactly one
 * `{SEQ:n}` with n from 1 to 9 (the gapless sequence, zero-padded to n digits), `{YYYY}` (the issue
 * year) at most once, and otherwise only ASCII letters, digits, `-`, `/`, `_` and `.`, at most 40
 * characters in all. Those characters keep a number safe in file names, URLs and CSV.
 * @returns the parsed format, or null when the format breaks any of those rules.
 */
export function parseNumberFormat(format: string): NumberFormat | null {
  if (format.length === 0 || format.length > MAX_NUMBER_FORMAT_LENGTH) return null;
  let sequences = 0;
  let years = 0;
  let sequenceDigits = 0;
  for (const match of format.matchAll(TOKEN)) {
    if (match[1]) {
      sequences += 1;
      sequenceDigits = Number(match[1]);
    } else years += 1;
  }
  if (sequences !== 1 || years > 1 || !LITERAL.test(format.replace(TOKEN, ''))) return null;
  return { format, sequenceDigits, yearly: years === 1 };
}

/**
 * The document number for `sequence` (the counter's value, from 1) issued in `year`:
 * `formatDocumentNumber(parseNumberFormat('INV-{YYYY}-{SEQ:5}')!, 2026, 42)` is `INV-2026-00042`.
 * A sequence longer than the padding keeps all its digits (`{SEQ:2}` and 123 give `123`).
 * @throws RangeError when `sequence` is not a positive integer or `year` not a four-digit year.
 */
export function formatDocumentNumber(format: NumberFormat, year: number, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError(`sequence must be positive: ${sequence}`);
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`not a four-digit year: ${year}`);
  return format.format
    .replace('{YYYY}', String(year))
    .replace(/\{SEQ:[1-9]\}/, String(sequence).padStart(format.sequenceDigits, '0'));
}
