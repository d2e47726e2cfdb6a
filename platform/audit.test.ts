import { describe, expect, it } from 'vitest';
import { assertAuditEvent, asSignedInUser, auditActorId } from './audit.ts';

describe('assertAuditEvent', () => {
  it('accepts dotted lowercase actions of two or more segments', () => {
    for (const action of ['client.create', 'auth.login.failed', 'api_key.create', 'mfa.backup_codes.regenerate']) {
      expect(() => assertAuditEvent({ action })).not.toThrow();
    }
  });

  it('refuses actions that are not dotted lowercase', () => {
    for (const action of [
      'client',
      'Client.create',
      'client.',
      '.create',
      'client..create',
      'client.create ',
      'client-create',
      '1x.y',
    ]) {
      expect(() => assertAuditEvent({ action }), action).toThrow(/dotted lowercase/);
    }
  });

  it('accepts flat metadata of short strings, finite numbers, booleans and null', () => {
    expect(() =>
      assertAuditEvent({
        action: 'client.update',
        metadata: { fields: 'name,email', count: 2, mfa: false, from: null, s: 'x'.repeat(500) },
      }),
    ).not.toThrow();
  });

  it('refuses nested values, long strings, non-finite numbers and more than 20 keys', () => {
    const bad: Record<string, unknown>[] = [
      { nested: { a: 1 } },
      { list: [1, 2] },
      { long: 'x'.repeat(501) },
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { u: undefined },
      Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])),
    ];
    for (const metadata of bad) {
      expect(
        () => assertAuditEvent({ action: 'client.update', metadata: metadata as never }),
        JSON.stringify(metadata),
      ).toThrow(/metadata/);
    }
  });
});

describe('audit actors', () => {
  it('names the user, API key or operator, and nobody for anonymous callers', () => {
    expect(auditActorId({ kind: 'STAFF', userId: 'u1' })).toBe('u1');
    expect(auditActorId({ kind: 'API_KEY', apiKeyId: 'k1' })).toBe('k1');
    expect(auditActorId({ kind: 'OPERATOR', operatorId: 'o1' })).toBe('o1');
    expect(auditActorId({ kind: 'ANONYMOUS' })).toBeNull();
  });

  it('asSignedInUser keeps the request id and origin and makes the user the actor', () => {
    const ctx = {
      actor: { kind: 'ANONYMOUS' } as const,
      requestId: 'r-1',
      origin: { ip: '203.0.113.9', userAgent: 'ua' },
    };
    expect(asSignedInUser(ctx, 'u-9')).toEqual({
      actor: { kind: 'STAFF', userId: 'u-9' },
      requestId: 'r-1',
      origin: { ip: '203.0.113.9', userAgent: 'ua' },
    });
  });
});
