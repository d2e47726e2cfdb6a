import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bucketsFor } from './rate-limit.ts';

const limits = {
  caller: { size: 1000, restoreRate: 50 },
  firm: { size: 5000, restoreRate: 250 },
  anonymous: { size: 200, restoreRate: 5 },
};

describe('bucketsFor', () => {
  const firmId = randomUUID();
  const id = randomUUID();

  it("spends a signed-in caller's own bucket first, then its firm's", () => {
    expect(
      bucketsFor(
        { kind: 'STAFF', userId: id, sessionId: randomUUID(), firmId, roles: ['STAFF'] },
        '203.0.113.9',
        limits,
      ),
    ).toEqual([
      { key: `user:${id}`, limit: limits.caller },
      { key: `firm:${firmId}`, limit: limits.firm },
    ]);
    expect(bucketsFor({ kind: 'API_KEY', apiKeyId: id, firmId, scopes: [] }, null, limits)).toEqual([
      { key: `api_key:${id}`, limit: limits.caller },
      { key: `firm:${firmId}`, limit: limits.firm },
    ]);
  });

  it('has no firm bucket outside a firm', () => {
    expect(
      bucketsFor({ kind: 'STAFF', userId: id, sessionId: randomUUID(), firmId: null, roles: [] }, null, limits),
    ).toEqual([{ key: `user:${id}`, limit: limits.caller }]);
    expect(
      bucketsFor(
        { kind: 'OPERATOR', operatorId: id, sessionId: randomUUID(), firmId: null, grantId: null },
        null,
        limits,
      ),
    ).toEqual([{ key: `operator:${id}`, limit: limits.caller }]);
  });

  it('charges an operator under break-glass to the firm it reads, too', () => {
    expect(
      bucketsFor(
        { kind: 'OPERATOR', operatorId: id, sessionId: randomUUID(), firmId, grantId: randomUUID() },
        null,
        limits,
      ),
    ).toEqual([
      { key: `operator:${id}`, limit: limits.caller },
      { key: `firm:${firmId}`, limit: limits.firm },
    ]);
  });

  it('keys anonymous callers by client address', () => {
    expect(bucketsFor({ kind: 'ANONYMOUS' }, '2001:db8::1', limits)).toEqual([
      { key: 'ip:2001:db8::1', limit: limits.anonymous },
    ]);
  });
});
