import { describe, expect, it } from 'vitest';
import { formatMinorUnits, isCurrencyCode, minorUnitDigits } from './money.ts';

describe('minor units (ISO 4217)', () => {
  it('knows each currency’s exponent', () => {
    expect(minorUnitDigits('USD')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('KWD')).toBe(3);
  });

  it('formats integer minor units exactly, without floats', () => {
    expect(formatMinorUnits(123_456n, 'USD')).toBe('1234.56');
    expect(formatMinorUnits(5n, 'USD')).toBe('0.05');
    expect(formatMinorUnits(-5n, 'USD')).toBe('-0.05');
    expect(formatMinorUnits(0n, 'EUR')).toBe('0.00');
    expect(formatMinorUnits(500n, 'JPY')).toBe('500');
    expect(formatMinorUnits(1_234n, 'KWD')).toBe('1.234');
    // Beyond Number.MAX_SAFE_INTEGER a float would already be wrong.
    expect(formatMinorUnits(9_007_199_254_740_993n, 'USD')).toBe('90071992547409.93');
  });

  it('accepts ISO 4217 codes only', () => {
    expect(isCurrencyCode('USD')).toBe(true);
    expect(isCurrencyCode('usd')).toBe(false);
    expect(isCurrencyCode('XYZ')).toBe(false);
    expect(isCurrencyCode('US')).toBe(false);
  });
});
