import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { hashToken } from '../identity/tokens.ts';

/** Every API key starts with this, so scanners and people can recognise a leaked one. */
export const API_KEY_PREFIX = 'fg_live_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The firm's UUID (128 bits) in base62: 22 characters, since 62^22 > 2^128. */
const FIRM_LENGTH = 22;
/** Random part: 32 base62 characters, about 190 bits of entropy. */
const RANDOM_LENGTH = 32;
/** Checksum: CRC32 of the firm and random parts in base62, left-padded to 6 characters (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;
const API_KEY_SHAPE = new RegExp(
  `^${API_KEY_PREFIX}([0-9A-Za-z]{${FIRM_LENGTH + RANDOM_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

function toBase62(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) {
    out = BASE62[Number(value % 62n)]! + out;
    value /= 62n;
  }
  return out;
}

function fromBase62(text: string): bigint {
  let value = 0n;
  for (const char of text) value = value * 62n + BigInt(BASE62.indexOf(char));
  return value;
}

const checksum = (body: string) => toBase62(BigInt(crc32(body)), CHECKSUM_LENGTH);

/**
 * A new API key secret for `firmId`: `fg_live_`, the firm's UUID in 22 base62 characters, 32
 * random base62 characters (`crypto.randomInt`, unbiased), and a 6-character base62 CRC32 of the
 * two, in the style of GitHub's token format (github.blog, "Behind GitHub's new authentication
 * token formats", 2021). 68 characters in all. The firm travels in the key, like the firm in an
 * invitation token, so the gateway can look the key up under that firm's row-level security.
 */
export function newApiKeySecret(firmId: string): string {
  const firm = toBase62(BigInt(`0x${firmId.replaceAll('-', '')}`), FIRM_LENGTH);
  let random = '';
  for (let i = 0; i < RANDOM_LENGTH; i += 1) random += BASE62[randomInt(62)];
  return `${API_KEY_PREFIX}${firm}${random}${checksum(firm + random)}`;
}

/** True when the bearer credential claims to be an API key (by prefix), well formed or not. */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/**
 * Checks an API key's shape and checksum without any I/O, so typos and made-up strings are
 * refused before any database lookup.
 * @returns the key's firm and the SHA-256 hex of the whole key to look it up by, or null when the
 * key is malformed, its checksum does not match, or its firm part is not a UUID.
 */
export function parseApiKey(credential: string): { firmId: string; tokenHash: string } | null {
  const match = API_KEY_SHAPE.exec(credential);
  if (!match || checksum(match[1]!) !== match[2]) return null;
  const firm = fromBase62(match[1]!.slice(0, FIRM_LENGTH));
  if (firm >= 1n << 128n) return null;
  const hex = firm.toString(16).padStart(32, '0');
  const firmId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { firmId, tokenHash: hashToken(credential) };
}
