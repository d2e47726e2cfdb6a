import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { divideHalfUp } from '../../../platform/money.ts';
import { issuePostingLines } from './invoice-issue-service.ts';
import {
  extendedAmount,
  formatQuantity,
  hoursQuantity,
  invoiceTotals,
  lineTax,
  parseQuantity,
} from './invoice-math.ts';

const amount = fc.bigInt({ min: -10_000_000_000n, max: 10_000_000_000n });
const rate = fc.record({ rateBasisPoints: fc.integer({ min: 0, max: 10_000 }), inclusive: fc.boolean() });

/** |a − b| ≤ ½, in exact rational arithmetic: `value` is `numerator ÷ denominator` rounded. */
const roundsTo = (value: bigint, numerator: bigint, denominator: bigint) => {
  const twice = 2n * (value * denominator - numerator);
  return (twice < 0n ? -twice : twice) <= denominator;
};

describe('divideHalfUp', () => {
  it('rounds to the nearest integer, halves away from zero, symmetric in sign', () => {
    fc.assert(
      fc.property(amount, fc.bigInt({ min: 1n, max: 1_000_000n }), (numerator, denominator) => {
        const value = divideHalfUp(numerator, denominator);
        expect(roundsTo(value, numerator, denominator)).toBe(true);
        expect(divideHalfUp(-numerator, denominator)).toBe(-value);
        // A tie goes away from zero.
        if ((2n * numerator) % denominator === 0n && (numerator % denominator) * 2n !== 0n) {
          expect(value * denominator > numerator === numerator > 0n).toBe(true);
        }
      }),
    );
    expect([divideHalfUp(5n, 2n), divideHalfUp(-5n, 2n), divideHalfUp(4936n, 1000n)]).toEqual([3n, -3n, 5n]);
  });
});

describe('lineTax', () => {
  it('rounds each rate once per line, half-up to the minor unit', () => {
    fc.assert(
      fc.property(amount, fc.array(rate, { maxLength: 3 }), (value, rates) => {
        const tax = lineTax(value, rates);
        const inclusiveBasis = BigInt(rates.filter((r) => r.inclusive).reduce((sum, r) => sum + r.rateBasisPoints, 0));
        rates.forEach((r, i) => {
          const [numerator, denominator] = r.inclusive
            ? [value * BigInt(r.rateBasisPoints), 10_000n + inclusiveBasis]
            : [tax.netMinor * BigInt(r.rateBasisPoints), 10_000n];
          expect(roundsTo(tax.perRate[i]!, numerator, denominator)).toBe(true);
        });
        expect(tax.netMinor + tax.inclusiveMinor).toBe(value);
        expect(tax.perRate.reduce((sum, t) => sum + t, 0n)).toBe(tax.inclusiveMinor + tax.exclusiveMinor);
        // A discount's tax mirrors the same charge's.
        const mirrored = lineTax(-value, rates);
        expect(mirrored.perRate).toEqual(tax.perRate.map((t) => -t));
      }),
    );
  });

  it('refuses a rate outside 0–100 %', () => {
    expect(() => lineTax(100n, [{ rateBasisPoints: 10_001, inclusive: false }])).toThrow(RangeError);
    expect(() => lineTax(100n, [{ rateBasisPoints: -1, inclusive: false }])).toThrow(RangeError);
  });

  it('takes 20 % VAT out of 120.00 inclusive and adds 8.25 % to 100.00 exclusive', () => {
    expect(lineTax(12_000n, [{ rateBasisPoints: 2000, inclusive: true }])).toMatchObject({
      inclusiveMinor: 2000n,
      netMinor: 10_000n,
    });
    expect(lineTax(10_000n, [{ rateBasisPoints: 825, inclusive: false }]).exclusiveMinor).toBe(825n);
  });
});

describe('quantities', () => {
  it('parses and prints up to 4 decimals, and values quantity × price half-up', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 99_999_999_999_999n }), (tenThousandths) => {
        expect(parseQuantity(formatQuantity(tenThousandths))).toBe(tenThousandths);
      }),
    );
    expect([parseQuantity('1.5'), parseQuantity('0.12345'), parseQuantity('-1'), parseQuantity('x')]).toEqual([
      15_000n,
      null,
      null,
      null,
    ]);
    expect(extendedAmount(parseQuantity('2')!, 1234n)).toBe(2468n);
    expect(extendedAmount(parseQuantity('0.3333')!, 100n)).toBe(33n);
    expect(formatQuantity(hoursQuantity(50))).toBe('0.8333');
  });
});

describe('invoice totals and the issue posting', () => {
  const line = fc.record({
    amountMinor: fc.bigInt({ min: -1_000_000n, max: 100_000_000n }),
    rates: fc.array(rate, { maxLength: 2 }),
    serviceId: fc.constantFrom(null, 'service-a', 'service-b'),
  });

  it('sum rounded lines without rounding again, and post a balanced entry of receivable, revenue and tax', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), fc.boolean(), (lines, serviceAccount) => {
        const taxed = lines.map((l) => ({ ...l, tax: lineTax(l.amountMinor, l.rates) }));
        const totals = invoiceTotals(taxed);
        expect(totals.subtotalMinor).toBe(taxed.reduce((sum, l) => sum + l.amountMinor, 0n));
        expect(totals.taxMinor).toBe(taxed.reduce((sum, l) => sum + l.tax.inclusiveMinor + l.tax.exclusiveMinor, 0n));
        expect(totals.totalMinor).toBe(totals.subtotalMinor + taxed.reduce((sum, l) => sum + l.tax.exclusiveMinor, 0n));
        const posting = issuePostingLines(
          {
            id: 'invoice',
            clientId: 'client',
            currency: 'USD',
            totalMinor: totals.totalMinor,
            taxMinor: totals.taxMinor,
          },
          taxed.map((l) => ({
            serviceId: l.serviceId,
            amountMinor: l.amountMinor,
            taxMinor: l.tax.inclusiveMinor + l.tax.exclusiveMinor,
            exclusiveTaxMinor: l.tax.exclusiveMinor,
          })),
          new Map(serviceAccount ? [['service-a', 'account-a']] : []),
        );
        expect(posting.reduce((sum, p) => sum + p.amountMinor, 0n)).toBe(0n);
        expect(posting.every((p) => p.amountMinor !== 0n || p.account === 'ACCOUNTS_RECEIVABLE')).toBe(true);
      }),
    );
  });
});
