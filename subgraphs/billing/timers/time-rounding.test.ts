import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundTimerMinutes, type TimeRoundingValue } from './time-rounding.ts';

const STEPS: [TimeRoundingValue, number][] = [
  ['NONE', 1],
  ['UP_TO_6_MINUTES', 6],
  ['UP_TO_15_MINUTES', 15],
];
const rounding = fc.constantFrom(...STEPS);
/** Up to a full day: below the 1,440-minute cap every property of the rule holds exactly. */
const withinADay = fc.integer({ min: 0, max: 1440 * 60 });

describe('roundTimerMinutes', () => {
  it('rounds a started minute up, then up to the next multiple of the step, at least one step', () => {
    expect(roundTimerMinutes(0, 'NONE')).toBe(1);
    expect(roundTimerMinutes(1, 'NONE')).toBe(1);
    expect(roundTimerMinutes(60, 'NONE')).toBe(1);
    expect(roundTimerMinutes(61, 'NONE')).toBe(2);
    expect(roundTimerMinutes(0, 'UP_TO_6_MINUTES')).toBe(6);
    expect(roundTimerMinutes(12 * 60, 'UP_TO_6_MINUTES')).toBe(12);
    expect(roundTimerMinutes(12 * 60 + 1, 'UP_TO_6_MINUTES')).toBe(18);
    expect(roundTimerMinutes(16 * 60, 'UP_TO_15_MINUTES')).toBe(30);
    expect(roundTimerMinutes(15 * 60, 'UP_TO_15_MINUTES')).toBe(15);
  });

  it('caps at 1,440 minutes', () => {
    for (const [setting] of STEPS) {
      expect(roundTimerMinutes(1440 * 60, setting)).toBe(1440);
      expect(roundTimerMinutes(1440 * 60 + 1, setting)).toBe(1440);
      expect(roundTimerMinutes(7 * 86_400, setting)).toBe(1440);
    }
  });

  it('refuses negative, fractional and non-finite elapsed time', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => roundTimerMinutes(bad, 'NONE')).toThrow(RangeError);
    }
  });

  it('is at least the elapsed minutes rounded up, less than that plus a step, and a multiple of the step', () => {
    fc.assert(
      fc.property(withinADay, rounding, (seconds, [setting, step]) => {
        const minutes = roundTimerMinutes(seconds, setting);
        const elapsed = Math.max(1, Math.ceil(seconds / 60));
        expect(minutes).toBeGreaterThanOrEqual(elapsed);
        expect(minutes).toBeLessThan(elapsed + step);
        expect(minutes % step).toBe(0);
        expect(minutes).toBeLessThanOrEqual(1440);
      }),
    );
  });

  it('never records less for a longer timer (monotone), at any length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * 86_400 }), fc.nat(3 * 86_400), rounding, (a, extra, [setting]) => {
        expect(roundTimerMinutes(a + extra, setting)).toBeGreaterThanOrEqual(roundTimerMinutes(a, setting));
      }),
    );
  });

  it('never records less than unrounded time', () => {
    fc.assert(
      fc.property(withinADay, (seconds) => {
        const none = roundTimerMinutes(seconds, 'NONE');
        expect(roundTimerMinutes(seconds, 'UP_TO_6_MINUTES')).toBeGreaterThanOrEqual(none);
        expect(roundTimerMinutes(seconds, 'UP_TO_15_MINUTES')).toBeGreaterThanOrEqual(none);
      }),
    );
  });
});
