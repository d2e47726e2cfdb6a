import { hash, verify } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * argon2id at OWASP's first recommended setting (Password Storage Cheat Sheet): 19 MiB memory,
 * 2 iterations, parallelism 1. Hashes are PHC strings, so the parameters travel with each hash.
 */
// `algorithm: 2` is `Algorithm.Argon2id`, a const enum that isolated modules cannot import.
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Shortest accepted password. NIST SP 800-63B asks for at least 8; we ask for 12. */
const MIN_PASSWORD_LENGTH = 12;
/** Longest accepted password (bounds hashing work per request). */
const MAX_PASSWORD_LENGTH = 256;

const strength = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });

/**
 * Why a new password is refused, or null when it is acceptable: 12-256 characters and a zxcvbn
 * score of at least 3 of 4, which rejects common, dictionary and keyboard-walk passwords
 * (NIST SP 800-63B §3.1.1.2 blocklist check). `userInputs` (name, email, firm) count as guessable.
 */
export function passwordWeakness(password: string, userInputs: string[] = []): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  const result = strength.check(password, userInputs);
  if (result.score < 3) return result.feedback.warning ?? 'This password is too easy to guess.';
  return null;
}

/** Hashes a password with argon2id (off the main thread); returns a PHC string. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** True when `password` matches the PHC `passwordHash`; false for any mismatch or malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * Spends the same time as a real verification. Log-in calls it for unknown emails, so response
 * time does not reveal whether an account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummyHash ??= hashPassword('dummy password that never matches');
  await verifyPassword(await dummyHash, password);
}
