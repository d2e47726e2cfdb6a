import { describe, expect, it } from 'vitest';
import { linkKey, signLink, verifyLink, type LinkClaims } from './link-tokens.ts';

const key = linkKey('test-context-secret-0123456789abcdefghijkl');
const now = Date.UTC(2026, 10, 21, 12, 0, 0);
const claims: LinkClaims = {
  key: 'firm/0190f3a0-0000-7000-8000-000000000001/0190f3a0-0000-7000-8000-000000000002',
  method: 'GET',
  contentType: 'application/pdf',
  filename: 'letter.pdf',
  expiresAt: now / 1000 + 300,
};

describe('local blob link tokens', () => {
  it('verify for their method until they expire', () => {
    const token = signLink(key, claims);
    expect(verifyLink(key, token, 'GET', now)).toEqual(claims);
    expect(verifyLink(key, token, 'GET', now + 299_000)).toEqual(claims);
    expect(verifyLink(key, token, 'GET', now + 300_000)).toBeNull();
    expect(verifyLink(key, token, 'POST', now)).toBeNull();
  });

  it('refuse an edited claim, an edited signature and another key', () => {
    const token = signLink(key, claims);
    const [body, signature] = token.split('.') as [string, string];
    const otherBlob = Buffer.from(JSON.stringify({ ...claims, key: claims.key.replace(/2$/, '3') })).toString(
      'base64url',
    );
    expect(verifyLink(key, `${otherBlob}.${signature}`, 'GET', now)).toBeNull();
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    expect(verifyLink(key, `${body}.${flipped}`, 'GET', now)).toBeNull();
    expect(verifyLink(linkKey('another-context-secret-0123456789abcdefgh'), token, 'GET', now)).toBeNull();
    expect(verifyLink(key, `${token}.extra`, 'GET', now)).toBeNull();
  });

  it('derive a key distinct from the context signing secret itself', () => {
    expect(key.equals(Buffer.from('test-context-secret-0123456789abcdefghijkl').subarray(0, 32))).toBe(false);
    expect(key).toHaveLength(32);
  });
});
