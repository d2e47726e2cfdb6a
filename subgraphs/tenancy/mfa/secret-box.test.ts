import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, open, seal } from './secret-box.ts';

describe('seal and open', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV each time and the key id in the clear', () => {
    const a = seal('JBSWY3DPEHPK3PXPJBSWY3DP', key, 'user-1');
    const b = seal('JBSWY3DPEHPK3PXPJBSWY3DP', key, 'user-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('JBSWY3DP');
    expect(a.split('.')[1]).toBe(keyId(key));
    expect(open(a, [key], 'user-1')).toEqual({ plaintext: 'JBSWY3DPEHPK3PXPJBSWY3DP', keyId: keyId(key) });
  });

  it('opens a value sealed under a retired key listed among the keys, and names that key', () => {
    const retired = randomBytes(32);
    const sealed = seal('secret', retired, 'user-1');
    expect(open(sealed, [key, retired], 'user-1')).toEqual({ plaintext: 'secret', keyId: keyId(retired) });
  });

  it('refuses another key, other associated data and a tampered ciphertext', () => {
    const sealed = seal('secret', key, 'user-1');
    expect(() => open(sealed, [randomBytes(32)], 'user-1')).toThrow(/neither MFA_ENCRYPTION_KEY nor/);
    expect(() => open(sealed, [key], 'user-2')).toThrow();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[4]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    parts[4] = flipped.toString('base64url');
    expect(() => open(parts.join('.'), [key], 'user-1')).toThrow();
  });
});
