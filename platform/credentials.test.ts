import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, newApiKeySecret, parseApiKey } from './credentials.ts';

describe('API key format', () => {
  it('issues fg_live_ keys of 68 base62 characters that carry their firm and pass their own checksum', () => {
    const firmId = randomUUID();
    const keys = new Set(Array.from({ length: 50 }, () => newApiKeySecret(firmId)));
    expect(keys.size).toBe(50);
    for (const key of keys) {
      expect(key).toMatch(/^fg_live_[0-9A-Za-z]{60}$/);
      expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
      expect(parseApiKey(key)).toEqual({ firmId, tokenHash: createHash('sha256').update(key).digest('hex') });
    }
  });

  it('round-trips the smallest and largest UUIDs', () => {
    for (const firmId of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff']) {
      expect(parseApiKey(newApiKeySecret(firmId))?.firmId).toBe(firmId);
    }
  });

  it('refuses a key whose firm, random part or checksum was altered', () => {
    const key = newApiKeySecret(randomUUID());
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
    expect(parseApiKey(flip(key, 10))).toBeNull();
    expect(parseApiKey(flip(key, 40))).toBeNull();
    expect(parseApiKey(flip(key, key.length - 1))).toBeNull();
  });

  it('refuses wrong prefixes, lengths and alphabets', () => {
    const key = newApiKeySecret(randomUUID());
    expect(parseApiKey(key.replace('fg_live_', 'fg_test_'))).toBeNull();
    expect(parseApiKey(key.slice(0, -1))).toBeNull();
    expect(parseApiKey(`${key}0`)).toBeNull();
    expect(parseApiKey(`${key.slice(0, 20)}-${key.slice(21)}`)).toBeNull();
    expect(parseApiKey('')).toBeNull();
  });
});
