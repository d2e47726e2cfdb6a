import { describe, expect, it } from 'vitest';
import { capacityMinutes, utilizationBasisPoints, weekdaysBetween } from './utilization.ts';

describe('weekdaysBetween', () => {
  it('counts Monday to Friday, both ends included', () => {
    // 2026-03-02 is a Monday.
    expect(weekdaysBetween('2026-03-02', '2026-03-02')).toBe(1);
    expect(weekdaysBetween('2026-03-02', '2026-03-08')).toBe(5);
    expect(weekdaysBetween('2026-03-07', '2026-03-08')).toBe(0);
    expect(weekdaysBetween('2026-03-06', '2026-03-09')).toBe(2);
    expect(weekdaysBetween('2026-03-01', '2026-03-31')).toBe(22);
    expect(weekdaysBetween('2026-01-01', '2026-12-31')).toBe(261);
    expect(weekdaysBetween('2028-01-01', '2028-12-31')).toBe(260);
  });

  it('is 0 for a reversed period', () => {
    expect(weekdaysBetween('2026-03-09', '2026-03-02')).toBe(0);
  });

  it('agrees with a day-by-day count across daylight-saving changes', () => {
    let expected = 0;
    for (
      let d = new Date('2026-03-20T00:00:00Z');
      d <= new Date('2026-11-10T00:00:00Z');
      d.setUTCDate(d.getUTCDate() + 1)
    )
      if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) expected += 1;
    expect(weekdaysBetween('2026-03-20', '2026-11-10')).toBe(expected);
  });
});

describe('capacity and utilization', () => {
  it('multiplies before dividing', () => {
    expect(capacityMinutes(2400, 5)).toBe(2400);
    expect(capacityMinutes(2250, 3)).toBe(1350);
    expect(capacityMinutes(1001, 1)).toBe(200);
    expect(capacityMinutes(0, 22)).toBe(0);
  });

  it('gives basis points rounded half up, and null without capacity', () => {
    expect(utilizationBasisPoints(1200, 2400)).toBe(5000);
    expect(utilizationBasisPoints(1, 3)).toBe(3333);
    expect(utilizationBasisPoints(2, 3)).toBe(6667);
    expect(utilizationBasisPoints(1, 20_000)).toBe(1);
    expect(utilizationBasisPoints(1, 20_001)).toBe(0);
    expect(utilizationBasisPoints(3000, 2400)).toBe(12_500);
    expect(utilizationBasisPoints(10, 0)).toBeNull();
  });
});
