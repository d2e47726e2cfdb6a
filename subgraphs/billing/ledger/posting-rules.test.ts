import { describe, expect, it } from 'vitest';
import { postingDate } from './posting-rules.ts';

describe('postingDate (events in a closed period count on the first open date)', () => {
  it('keeps the event date when the books are open on it', () => {
    expect(postingDate('2026-03-15', null)).toBe('2026-03-15');
    expect(postingDate('2026-04-01', '2026-03-31')).toBe('2026-04-01');
  });

  it('moves an event on or before the lock to the day after it, across month and year ends and leap days', () => {
    expect(postingDate('2026-03-31', '2026-03-31')).toBe('2026-04-01');
    expect(postingDate('2026-01-05', '2026-03-31')).toBe('2026-04-01');
    expect(postingDate('2025-11-30', '2025-12-31')).toBe('2026-01-01');
    expect(postingDate('2028-02-01', '2028-02-28')).toBe('2028-02-29');
  });
});
