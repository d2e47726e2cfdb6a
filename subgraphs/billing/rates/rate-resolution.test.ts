import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveRate, valueOfMinutes, type RateCard, type RateQuery } from './rate-resolution.ts';

// A handful of ids, so generated cards often apply to the generated query.
const ids = fc.constantFrom('a', 'b', 'c');
const role = fc.constantFrom('OWNER' as const, 'ADMIN' as const, 'MANAGER' as const, 'STAFF' as const);
const day = fc.integer({ min: 1, max: 28 }).map((d) => `2026-03-${String(d).padStart(2, '0')}`);
const currency = fc.constantFrom('USD', 'EUR');

const card: fc.Arbitrary<RateCard> = fc
  .record({
    source: fc.constantFrom(
      'ENGAGEMENT_STAFF' as const,
      'ENGAGEMENT_SERVICE' as const,
      'CLIENT_STAFF' as const,
      'STAFF_STANDARD' as const,
      'FIRM_ROLE' as const,
    ),
    scope: fc.record({ engagementId: ids, clientId: ids, userId: ids, serviceId: ids, role }),
    currency,
    hourlyMinor: fc.bigInt({ min: 0n, max: 100_000n }),
    effectiveFrom: day,
    id: fc.uuid(),
  })
  .map(({ source, scope, ...rest }) => ({
    ...rest,
    source,
    engagementId: source.startsWith('ENGAGEMENT') ? scope.engagementId : null,
    clientId: source === 'CLIENT_STAFF' ? scope.clientId : null,
    userId: ['ENGAGEMENT_STAFF', 'CLIENT_STAFF', 'STAFF_STANDARD'].includes(source) ? scope.userId : null,
    serviceId: source === 'ENGAGEMENT_SERVICE' ? scope.serviceId : null,
    role: source === 'FIRM_ROLE' ? scope.role : null,
  }));

const query: fc.Arbitrary<RateQuery> = fc.record({
  engagementId: ids,
  clientId: ids,
  userId: ids,
  serviceId: ids,
  role: fc.option(role, { nil: null }),
  currency,
  workDate: day,
});

const PRECEDENCE = ['ENGAGEMENT_STAFF', 'ENGAGEMENT_SERVICE', 'CLIENT_STAFF', 'STAFF_STANDARD', 'FIRM_ROLE'];

/** The rule restated independently: does this card name the query's scope? */
function applies(c: RateCard, q: RateQuery): boolean {
  const scope = {
    ENGAGEMENT_STAFF: c.engagementId === q.engagementId && c.userId === q.userId,
    ENGAGEMENT_SERVICE: c.engagementId === q.engagementId && c.serviceId === q.serviceId,
    CLIENT_STAFF: c.clientId === q.clientId && c.userId === q.userId,
    STAFF_STANDARD: c.userId === q.userId,
    FIRM_ROLE: q.role !== null && c.role === q.role,
  }[c.source];
  return scope && c.currency === q.currency && c.effectiveFrom <= q.workDate;
}

describe('rate resolution (property)', () => {
  it('picks an applicable card, none of a higher-precedence source, and the latest of its source', () => {
    fc.assert(
      fc.property(fc.array(card, { maxLength: 25 }), query, (cards, q) => {
        const chosen = resolveRate(cards, q);
        const candidates = cards.filter((c) => applies(c, q));
        if (chosen === null) return candidates.length === 0;
        const rank = PRECEDENCE.indexOf(chosen.source);
        return (
          applies(chosen, q) &&
          candidates.every((c) => PRECEDENCE.indexOf(c.source) >= rank) &&
          candidates.every((c) => c.source !== chosen.source || c.effectiveFrom <= chosen.effectiveFrom)
        );
      }),
    );
  });

  it('is not changed by a card that takes effect after the work date, or by card order', () => {
    fc.assert(
      fc.property(fc.array(card, { maxLength: 25 }), card, query, (cards, later, q) => {
        fc.pre(later.effectiveFrom > q.workDate);
        const before = resolveRate(cards, q);
        const withLater = resolveRate([later, ...cards], q);
        const reversed = resolveRate([...cards].reverse(), q);
        const sameRate = (a: RateCard | null, b: RateCard | null) =>
          a?.source === b?.source && a?.effectiveFrom === b?.effectiveFrom;
        return sameRate(before, withLater) && sameRate(before, reversed);
      }),
    );
  });

  it('keeps the old rate for entries dated before a change and the new one from its date', () => {
    const base = { engagementId: null, clientId: null, serviceId: null, role: null, currency: 'USD' } as const;
    const cards: RateCard[] = [
      { ...base, id: 'old', source: 'STAFF_STANDARD', userId: 'u', hourlyMinor: 15_000n, effectiveFrom: '2026-01-01' },
      { ...base, id: 'new', source: 'STAFF_STANDARD', userId: 'u', hourlyMinor: 18_000n, effectiveFrom: '2026-03-01' },
    ];
    const q = {
      engagementId: 'e',
      clientId: 'c',
      userId: 'u',
      serviceId: 's',
      role: 'STAFF' as const,
      currency: 'USD',
    };
    expect(resolveRate(cards, { ...q, workDate: '2026-02-28' })?.id).toBe('old');
    expect(resolveRate(cards, { ...q, workDate: '2026-03-01' })?.id).toBe('new');
    expect(resolveRate(cards, { ...q, workDate: '2025-12-31' })).toBeNull();
    expect(resolveRate(cards, { ...q, workDate: '2026-03-01', currency: 'EUR' })).toBeNull();
  });
});

describe('valueOfMinutes (property)', () => {
  it('is minutes × rate ÷ 60 rounded half-up: within half a minor unit, ties up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1440 }), fc.bigInt({ min: 0n, max: 10n ** 12n }), (minutes, hourly) => {
        const value = valueOfMinutes(minutes, hourly);
        const exactTimes60 = BigInt(minutes) * hourly;
        const remainder = exactTimes60 - value * 60n;
        return remainder >= -30n && remainder < 30n;
      }),
    );
  });

  it('never decreases with more minutes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1439 }), fc.bigInt({ min: 0n, max: 10n ** 9n }), (minutes, hourly) => {
        return valueOfMinutes(minutes + 1, hourly) >= valueOfMinutes(minutes, hourly);
      }),
    );
  });

  it('rounds a half minor unit up and refuses negative or fractional input', () => {
    expect(valueOfMinutes(1, 30n)).toBe(1n); // 0.5 → 1
    expect(valueOfMinutes(1, 29n)).toBe(0n); // 0.483… → 0
    expect(valueOfMinutes(90, 15_000n)).toBe(22_500n);
    expect(() => valueOfMinutes(-1, 1n)).toThrow(RangeError);
    expect(() => valueOfMinutes(1.5, 1n)).toThrow(RangeError);
    expect(() => valueOfMinutes(1, -1n)).toThrow(RangeError);
  });
});
