import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Sealed format: `v1.<keyId>.<iv>.<tag>.<ciphertext>`, parts base64url. The key id is the first
// 8 bytes of SHA-256 of the key, so a rotated key can be told apart from the one that sealed a value.
const VERSION = 'v1';
const IV_BYTES = 12;

/** Identifies a 32-byte key without revealing it: hex of the first 8 bytes of its SHA-256. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Seals `plaintext` with AES-256-GCM (NIST SP 800-38D) under `key` (32 bytes), with a random
 * 96-bit IV per value. `associatedData` (e.g. the owning user's id) is authenticated but not
 * stored, so a sealed value copied to another row does not open there.
 * @returns `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts).
 */
export function seal(plaintext: string, key: Buffer, associatedData: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    VERSION,
    keyId(key),
    iv.toString('base64url'),
    tag.toString('base64url'),
    ciphertext.toString('base64url'),
  ].join('.');
}

/**
 * Opens a value sealed by `seal`, with whichever of `keys` sealed it (found by key id, so a
 * rotated-out key listed among them still opens old values) and the same associated data.
 * @returns the plaintext and the id of the key that opened it (re-seal when it is not the current one).
 * @throws Error when the format is unknown, no key has the sealed key id, or authentication fails (tampering).
 */
export function open(
  sealed: string,
  keys: readonly Buffer[],
  associatedData: string,
): { plaintext: string; keyId: string } {
  const [version, sealedKeyId, iv, tag, ciphertext] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || ciphertext === undefined) throw new Error('Unrecognised sealed value');
  const key = keys.find((candidate) => keyId(candidate) === sealedKeyId);
  if (!key)
    throw new Error(
      `Sealed under key ${sealedKeyId}, which is neither MFA_ENCRYPTION_KEY nor in MFA_PREVIOUS_ENCRYPTION_KEYS`,
    );
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const plaintext = Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
  return { plaintext, keyId: keyId(key) };
}
