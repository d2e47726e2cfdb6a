import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { ISO_4217_MINOR_UNITS } from './iso-4217.ts';

/**
 * Digits after the decimal point of a currency's minor unit (USD 2, JPY 0, KWD 3, HUF 2, IQD 3),
 * from the pinned ISO 4217 List One table in platform/iso-4217.ts. ICU's data (`Intl.NumberFormat`)
 * is not used: it gives cash digits for some codes (HUF, COP, IDR, IQD, … read 0 on Node 24).
 *
 * @throws Error for a code the table does not hold (check with `isCurrencyCode` first).
 */
export function minorUnitDigits(currency: string): number {
  const digits = Object.hasOwn(ISO_4217_MINOR_UNITS, currency) ? ISO_4217_MINOR_UNITS[currency] : undefined;
  if (digits === undefined) throw new Error(`Not an ISO 4217 currency with minor units: ${currency}`);
  return digits;
}

/** True exactly for the codes of the ISO 4217 table (platform/iso-4217.ts), e.g. `USD`; not `usd` or `XXX`. */
export function isCurrencyCode(value: string): boolean {
  return Object.hasOwn(ISO_4217_MINOR_UNITS, value);
}

/**
 * Formats integer minor units as an exact decimal string in major units:
 * `formatMinorUnits(123456n, 'USD')` is `"1234.56"`, `(-5n, 'USD')` is `"-0.05"`, `(500n, 'JPY')` is `"500"`.
 * Pure bigint arithmetic; never a float.
 */
export function formatMinorUnits(amountMinor: bigint, currency: string): string {
  const digits = minorUnitDigits(currency);
  const negative = amountMinor < 0n;
  const abs = (negative ? -amountMinor : amountMinor).toString().padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  const fraction = digits > 0 ? `.${abs.slice(abs.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/**
 * Parses an exact decimal string in major units into integer minor units of `currency`, the inverse
 * of `formatMinorUnits`: `parseMinorUnits('150.5', 'USD')` is `15050n`, `('500', 'JPY')` is `500n`.
 * Returns null when the string is not a decimal (`-?digits[.digits]`) or has more fraction digits
 * than the currency's minor unit (`'1.005'` in USD): money is never rounded on the way in.
 * @throws Error for a code the ISO 4217 table does not hold (`minorUnitDigits`).
 */
export function parseMinorUnits(amount: string, currency: string): bigint | null {
  const digits = minorUnitDigits(currency);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) return null;
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > digits) return null;
  const minor = BigInt(whole + fraction.padEnd(digits, '0'));
  return sign === '-' ? -minor : minor;
}

/**
 * `numerator ÷ denominator` rounded to a whole number, halves away from zero: FirmGraph's one
 * rounding rule for money (the value of time, a line's tax, a manual line's quantity × price, a
 * credit note's share of tax). On non-negative amounts this is the "round half up" of commercial
 * rounding; on negative ones (discount lines) it mirrors it, so a discount's tax is exactly the
 * negative of the same charge's. IEEE 754-2019 §4.3.1 names it roundTiesToAway.
 * Exact in bigint arithmetic at any size.
 * @throws RangeError when `denominator` is not positive.
 */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError(`denominator must be positive: ${denominator}`);
  const magnitude = ((numerator < 0n ? -numerator : numerator) * 2n + denominator) / (2n * denominator);
  return numerator < 0n ? -magnitude : magnitude;
}

/** The GraphQL `Money` object for an amount in minor units. */
export function money(amountMinor: bigint, currency: string): { amount: string; currency: string } {
  return { amount: formatMinorUnits(amountMinor, currency), currency };
}

/** `CurrencyCode` scalar: ISO 4217 alphabetic code, upper case. Rejects unknown codes with BAD_USER_INPUT. */
export const CurrencyCodeScalar = new GraphQLScalarType({
  name: 'CurrencyCode',
  description: 'An ISO 4217 alphabetic currency code in upper case.',
  serialize: (value) => String(value),
  parseValue: (value) => parseCurrency(value),
  parseLiteral: (ast) => parseCurrency(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseCurrency(value: unknown): string {
  if (typeof value === 'string' && isCurrencyCode(value)) return value;
  throw new GraphQLError('CurrencyCode must be an ISO 4217 code such as "USD".', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** `Decimal` scalar (output only here): an exact decimal string produced by `formatMinorUnits`. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'An exact decimal number as a string.',
  serialize: (value) => {
    if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return value;
    throw new GraphQLError('Decimal must be an exact decimal string.');
  },
  parseValue: (value) => {
    if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return value;
    throw new GraphQLError('Decimal must be a string such as "12.50".', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});
