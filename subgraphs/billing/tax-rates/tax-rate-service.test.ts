import { describe, expect, it } from 'vitest';
import { percentOfBasisPoints } from './tax-rate-service.ts';

describe('percentOfBasisPoints', () => {
  it.each([
    [2000, '20'],
    [825, '8.25'],
    [1950, '19.5'],
    [5, '0.05'],
    [0, '0'],
    [10_000, '100'],
  ])('%i basis points are %s %%', (basisPoints, percent) => {
    expect(percentOfBasisPoints(basisPoints)).toBe(percent);
  });
});
