import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CONTEXT_TTL_SECONDS,
  hmacKey,
  signContext,
  verifyContext,
  type RequestIdentity,
} from '../platform/signed-context.ts';

const identity: RequestIdentity = {
  actor: {
    kind: 'STAFF',
    userId: '0196a000-0000-7000-8000-000000000001',
    sessionId: '0196a000-0000-7000-8000-000000000002',
    firmId: '0196a000-0000-7000-8000-000000000003',
    roles: ['OWNER'],
  },
  requestId: 'req-1',
  origin: { ip: '127.0.0.1', userAgent: 'vitest' },
};

afterEach(() => vi.useRealTimers());

describe('verifyContext', () => {
  it('verifies a context once and returns the same frozen identity for the same token', async () => {
    const key = hmacKey('signed-context-test-key-0123456789abcdef');
    const token = await signContext(identity, key);
    const first = await verifyContext(token, key);
    expect(first).toEqual(identity);
    expect(await verifyContext(token, key)).toBe(first);
    expect(Object.isFrozen(first!.actor)).toBe(true);
    expect(() => (first!.actor as { roles: string[] }).roles.push('ADMIN')).toThrow(TypeError);
  });

  it('stops accepting a remembered token once it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const key = hmacKey('signed-context-test-key-0123456789abcdef');
    const token = await signContext(identity, key);
    expect(await verifyContext(token, key)).toEqual(identity);
    vi.setSystemTime(Date.now() + (CONTEXT_TTL_SECONDS + 1) * 1000);
    expect(await verifyContext(token, key)).toBeNull();
  });

  it('never answers from the cache for another key, an altered token or a forged one', async () => {
    const key = hmacKey('signed-context-test-key-0123456789abcdef');
    const otherKey = hmacKey('another-context-secret-0123456789abcdef');
    const token = await signContext(identity, key);
    expect(await verifyContext(token, key)).not.toBeNull();
    expect(await verifyContext(token, otherKey)).toBeNull();
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { act: { roles: string[] } };
    claims.act.roles = ['OWNER', 'ADMIN'];
    const altered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    expect(await verifyContext(altered, key)).toBeNull();
    const forged = await signContext(identity, otherKey);
    expect(await verifyContext(forged, key)).toBeNull();
    expect(await verifyContext(undefined, key)).toBeNull();
  });
});
