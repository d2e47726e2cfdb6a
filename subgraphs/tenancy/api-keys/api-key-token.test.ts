import { describe, expect, it } from 'vitest';
import { apiKeyHashIfWellFormed, looksLikeApiKey, newApiKeySecret } from './api-key-token.ts';

describe('API key format', () => {
  it('issues fg_live_ keys of 46 base62 characters that pass their own checksum', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newApiKeySecret()));
    expect(keys.size).toBe(50);
    for (const key of keys) {
      expect(key).toMatch(/^fg_live_[0-9A-Za-z]{38}$/);
      expect(looksLikeApiKey(key)).toBe(true);
      expect(apiKeyHashIfWellFormed(key)).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('refuses a key whose random part or checksum was altered', () => {
    const key = newApiKeySecret();
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
    expect(apiKeyHashIfWellFormed(flip(key, 10))).toBeNull();
    expect(apiKeyHashIfWellFormed(flip(key, key.length - 1))).toBeNull();
  });

  it('refuses wrong prefixes, lengths and alphabets', () => {
    const key = newApiKeySecret();
    expect(apiKeyHashIfWellFormed(key.replace('fg_live_', 'fg_test_'))).toBeNull();
    expect(apiKeyHashIfWellFormed(key.slice(0, -1))).toBeNull();
    expect(apiKeyHashIfWellFormed(`${key}0`)).toBeNull();
    expect(apiKeyHashIfWellFormed(`${key.slice(0, 20)}-${key.slice(21)}`)).toBeNull();
    expect(apiKeyHashIfWellFormed('')).toBeNull();
    expect(looksLikeApiKey('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
  });

  it('hashes the same key to the same SHA-256 every time', () => {
    const key = newApiKeySecret();
    expect(apiKeyHashIfWellFormed(key)).toBe(apiKeyHashIfWellFormed(key));
  });
});
