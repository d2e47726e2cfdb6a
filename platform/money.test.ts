import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ISO_4217_TABLE_PATH, readListOne, renderTable } from '../scripts/iso-4217.ts';
import { ISO_4217_MINOR_UNITS } from './iso-4217.ts';
import {
  CurrencyCodeScalar,
  DecimalScalar,
  formatMinorUnits,
  isCurrencyCode,
  minorUnitDigits,
  money,
  parseMinorUnits,
} from './money.ts';

const listOne = readListOne();

describe('minor units (ISO 4217)', () => {
  it('knows each currency’s exponent', () => {
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('KWD')).toBe(3);
  });

  it('takes exponents from List One, not ICU: the codes ICU gets wrong on Node 24', () => {
    for (const code of ['HUF', 'COP', 'IDR', 'PKR', 'ALL', 'AFN', 'IRR', 'LAK', 'LBP', 'MGA', 'MMK', 'SYP', 'YER']) {
      expect([code, minorUnitDigits(code)]).toEqual([code, 2]);
    }
    for (const code of ['KPW', 'SOS']) expect([code, minorUnitDigits(code)]).toEqual([code, 2]);
    expect(minorUnitDigits('IQD')).toBe(3);
  });

  it('the committed table is the one scripts/iso-4217.ts generates from List One', () => {
    expect(readFileSync(ISO_4217_TABLE_PATH, 'utf8')).toBe(renderTable(listOne));
    expect(listOne.minorUnits.length).toBeGreaterThan(150);
  });

  it.each(listOne.minorUnits)('%s: exponent %i, and Money/Decimal round-trip', (code, digits) => {
    expect(isCurrencyCode(code)).toBe(true);
    expect(minorUnitDigits(code)).toBe(digits);
    expect(CurrencyCodeScalar.parseValue(code)).toBe(code);
    // 1 major unit and 1 minor unit, in this currency's own notation.
    const oneMajor = 10n ** BigInt(digits);
    const formatted = money(oneMajor + 1n, code);
    expect(formatted.amount).toBe(digits === 0 ? '2' : `1.${'0'.repeat(digits - 1)}1`);
    expect(DecimalScalar.serialize(formatted.amount)).toBe(formatted.amount);
    expect(DecimalScalar.parseValue(formatted.amount)).toBe(formatted.amount);
    // The decimal string, read back with the table's exponent, is the same integer of minor units.
    const [whole, fraction = ''] = formatted.amount.split('.');
    expect(BigInt(whole! + fraction.padEnd(digits, '0'))).toBe(oneMajor + 1n);
    expect(fraction.length).toBe(digits);
  });

  it('formats integer minor units exactly, without floats', () => {
    expect(formatMinorUnits(123_456n, 'USD')).toBe('1234.56');
    expect(formatMinorUnits(5n, 'USD')).toBe('0.05');
    expect(formatMinorUnits(-5n, 'USD')).toBe('-0.05');
    expect(formatMinorUnits(0n, 'EUR')).toBe('0.00');
    expect(formatMinorUnits(500n, 'JPY')).toBe('500');
    expect(formatMinorUnits(1_234n, 'KWD')).toBe('1.234');
    expect(formatMinorUnits(150n, 'HUF')).toBe('1.50');
    // Beyond Number.MAX_SAFE_INTEGER a float would already be wrong.
    expect(formatMinorUnits(9_007_199_254_740_993n, 'USD')).toBe('90071992547409.93');
  });

  it('accepts exactly the table’s codes', () => {
    expect(isCurrencyCode('USD')).toBe(true);
    expect(isCurrencyCode('usd')).toBe(false);
    expect(isCurrencyCode('XYZ')).toBe(false);
    expect(isCurrencyCode('US')).toBe(false);
    // ISO 4217 codes without a numeric minor unit are not money: gold, the testing code.
    expect(isCurrencyCode('XAU')).toBe(false);
    expect(isCurrencyCode('XXX')).toBe(false);
    expect(isCurrencyCode('toString')).toBe(false);
    expect(() => CurrencyCodeScalar.parseValue('XAU')).toThrow(/ISO 4217/);
    expect(() => minorUnitDigits('XAU')).toThrow(/XAU/);
    expect(Object.keys(ISO_4217_MINOR_UNITS).sort()).toEqual(listOne.minorUnits.map(([code]) => code));
  });
});

describe('parseMinorUnits', () => {
  it('inverts formatMinorUnits for every amount and currency exponent (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.constantFrom('USD', 'JPY', 'KWD'), (a, c) => {
        return parseMinorUnits(formatMinorUnits(a, c), c) === a;
      }),
    );
  });

  it('pads short fractions and refuses more digits than the minor unit, or non-decimals', () => {
    expect(parseMinorUnits('150.5', 'USD')).toBe(15_050n);
    expect(parseMinorUnits('150', 'USD')).toBe(15_000n);
    expect(parseMinorUnits('500', 'JPY')).toBe(500n);
    expect(parseMinorUnits('1.005', 'USD')).toBeNull();
    expect(parseMinorUnits('1.5', 'JPY')).toBeNull();
    for (const bad of ['', '1e3', '1.', '.5', ' 1', '0x10']) expect(parseMinorUnits(bad, 'USD')).toBeNull();
  });
});
