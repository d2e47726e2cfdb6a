import { divideHalfUp } from '../../../platform/money.ts';

// The arithmetic of invoice lines and totals, in integer minor units of the invoice's currency.
// Tax rates are basis points (1 % = 100, at most 10,000). Every rounding goes through `divideHalfUp`
// (platform/money.ts), once per line and tax rate: totals are sums of rounded lines, never rounded
// again, so an invoice's tax is exactly the sum of its lines' tax.

/** A tax rate as a line applies it. */
export interface LineTaxRate {
  rateBasisPoints: number;
  /** True when the line's amount already contains the tax (VAT-inclusive prices); false when it is added. */
  inclusive: boolean;
}

/** One line's tax: per rate (in the order given), and the line's net (its amount without inclusive tax). */
export interface LineTax {
  perRate: bigint[];
  /** Tax contained in the amount. */
  inclusiveMinor: bigint;
  /** Tax added on top of the amount. */
  exclusiveMinor: bigint;
  /** The amount without its inclusive tax: the revenue the line earns. */
  netMinor: bigint;
}

/** Basis points in one whole (100 %). */
const BASIS_POINTS = 10_000n;

/**
 * The tax of one line of `amountMinor` (negative for a discount) under `rates`. An inclusive rate r
 * takes `amount × r ÷ (10,000 + Σ inclusive rates)` out of the amount; an exclusive rate r adds
 * `net × r ÷ 10,000`, where net is the amount less its inclusive tax. Each is rounded half-up to the
 * minor unit (`divideHalfUp`), per line and rate.
 * @throws RangeError for a rate outside 0–10,000 basis points or not an integer.
 */
export function lineTax(amountMinor: bigint, rates: readonly LineTaxRate[]): LineTax {
  for (const rate of rates) {
    if (!Number.isInteger(rate.rateBasisPoints) || rate.rateBasisPoints < 0 || rate.rateBasisPoints > 10_000) {
      throw new RangeError(`tax rate must be 0 to 10000 basis points: ${rate.rateBasisPoints}`);
    }
  }
  const inclusiveBasis = rates.reduce((sum, rate) => (rate.inclusive ? sum + BigInt(rate.rateBasisPoints) : sum), 0n);
  const inclusiveTaxes = rates.map((rate) =>
    rate.inclusive ? divideHalfUp(amountMinor * BigInt(rate.rateBasisPoints), BASIS_POINTS + inclusiveBasis) : 0n,
  );
  const inclusiveMinor = inclusiveTaxes.reduce((sum, tax) => sum + tax, 0n);
  const netMinor = amountMinor - inclusiveMinor;
  const perRate = rates.map((rate, index) =>
    rate.inclusive ? inclusiveTaxes[index]! : divideHalfUp(netMinor * BigInt(rate.rateBasisPoints), BASIS_POINTS),
  );
  const exclusiveMinor = perRate.reduce((sum, tax, index) => (rates[index]!.inclusive ? sum : sum + tax), 0n);
  return { perRate, inclusiveMinor, exclusiveMinor, netMinor };
}

/** Fraction digits a line quantity may have. */
const QUANTITY_SCALE = 4;

/**
 * A decimal quantity (`"1"`, `"2.5"`, `"0.1250"`: at most 4 fraction digits, not negative) as an
 * integer of ten-thousandths, or null when it is not one.
 */
export function parseQuantity(quantity: string): bigint | null {
  const match = /^(\d{1,10})(?:\.(\d{1,4}))?$/.exec(quantity.trim());
  if (!match) return null;
  return BigInt(match[1]! + (match[2] ?? '').padEnd(QUANTITY_SCALE, '0'));
}

/** A quantity in ten-thousandths as the decimal string stored and shown (`12500n` → `"1.25"`, `10000n` → `"1"`). */
export function formatQuantity(tenThousandths: bigint): string {
  const digits = tenThousandths.toString().padStart(QUANTITY_SCALE + 1, '0');
  const whole = digits.slice(0, -QUANTITY_SCALE);
  const fraction = digits.slice(-QUANTITY_SCALE).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

/** Hours of `minutes` as a quantity in ten-thousandths, rounded half-up (`divideHalfUp`): 50 minutes is 0.8333 h. */
export function hoursQuantity(minutes: number): bigint {
  return divideHalfUp(BigInt(minutes) * 10n ** BigInt(QUANTITY_SCALE), 60n);
}

/** A manual line's standard value: quantity (ten-thousandths) × unit amount, rounded half-up to the minor unit. */
export function extendedAmount(quantity: bigint, unitAmountMinor: bigint): bigint {
  return divideHalfUp(quantity * unitAmountMinor, 10n ** BigInt(QUANTITY_SCALE));
}

/** What the totals of an invoice (or credit note) are made of: each line's amount and its taxes. */
export interface TotalsLine {
  amountMinor: bigint;
  tax: Pick<LineTax, 'inclusiveMinor' | 'exclusiveMinor'>;
}

/** An invoice's totals: subtotal Σ amounts, tax Σ taxes (inclusive and exclusive), total = subtotal + exclusive tax. */
export interface Totals {
  subtotalMinor: bigint;
  taxMinor: bigint;
  totalMinor: bigint;
}

/** Sums lines into totals; nothing is rounded here (each line's tax was rounded once, by `lineTax`). */
export function invoiceTotals(lines: readonly TotalsLine[]): Totals {
  let subtotalMinor = 0n;
  let taxMinor = 0n;
  let exclusiveMinor = 0n;
  for (const line of lines) {
    subtotalMinor += line.amountMinor;
    taxMinor += line.tax.inclusiveMinor + line.tax.exclusiveMinor;
    exclusiveMinor += line.tax.exclusiveMinor;
  }
  return { subtotalMinor, taxMinor, totalMinor: subtotalMinor + exclusiveMinor };
}
