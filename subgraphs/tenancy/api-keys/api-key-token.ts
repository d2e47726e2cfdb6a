import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { hashToken } from '../identity/tokens.ts';

/** Every API key starts with this, so scanners and people can recognise a leaked one. */
export const API_KEY_PREFIX = 'fg_live_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Random part: 32 base62 characters, about 190 bits of entropy. */
const RANDOM_LENGTH = 32;
/** Checksum part: CRC32 of the random part in base62, left-padded to 6 characters (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;
const API_KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}([0-9A-Za-z]{${RANDOM_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`);

function base62Checksum(random: string): string {
  let value = crc32(random);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    out = BASE62[value % 62]! + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/**
 * A new API key secret: `fg_live_` + 32 random base62 characters (`crypto.randomInt`, unbiased)
 * + a 6-character base62 CRC32 checksum of the random part, in the style of GitHub's token format
 * (github.blog, "Behind GitHub's new authentication token formats", 2021). 46 characters in all.
 */
export function newApiKeySecret(): string {
  let random = '';
  for (let i = 0; i < RANDOM_LENGTH; i += 1) random += BASE62[randomInt(62)];
  return `${API_KEY_PREFIX}${random}${base62Checksum(random)}`;
}

/** True when the bearer credential claims to be an API key (by prefix), well formed or not. */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/**
 * Checks an API key's shape and checksum without any I/O, so typos and forged strings are
 * refused before any database lookup.
 * @returns the SHA-256 hex to look the key up by, or null when the key is malformed or its
 * checksum does not match.
 */
export function apiKeyHashIfWellFormed(credential: string): string | null {
  const match = API_KEY_SHAPE.exec(credential);
  if (!match || base62Checksum(match[1]!) !== match[2]) return null;
  return hashToken(credential);
}
