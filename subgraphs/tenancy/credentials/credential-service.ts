import type { Database, Tx } from '../../../db/client.ts';
import { isStorableText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import { verifyAgainstDummy, verifyPassword } from '../identity/passwords.ts';
import { hashToken } from '../../../platform/credentials.ts';
import { clearLoginAttempts, countLoginAttempt, MAX_LOGIN_ATTEMPTS } from './credential-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/**
 * The one answer to a password that is not accepted, for staff, operators and portal users alike:
 * an unknown account, a wrong password, a disabled or revoked account and a locked sign-in all
 * read the same, so the answer reveals nothing of which it was (OWASP Authentication Cheat Sheet,
 * "Authentication and Error Messages"). A caller may name the field at fault
 * (`{ ...INVALID_CREDENTIALS, field: ['input', 'currentPassword'] }`).
 */
export const INVALID_CREDENTIALS: UserError = {
  field: [],
  message: 'The email or password is incorrect, or sign-in is locked for 30 minutes after too many attempts.',
  code: 'INVALID_CREDENTIALS',
};

/**
 * Whose sign-in attempts are counted. Each kind has keys of its own, so a user, an operator and
 * a portal user with one address keep separate counts; portal keys are per firm code (`Firm.slug`),
 * and a portal sign-in link is throttled apart from portal password sign-in.
 * `email` is normalized (trimmed, lower-cased) by the caller.
 */
export type SignInSubject =
  | { kind: 'staff'; email: string }
  | { kind: 'operator'; email: string }
  | { kind: 'portal-login' | 'portal-link'; firmSlug: string; email: string };

/**
 * The lockout key of a subject: the SHA-256 hex of its kind and identifiers
 * (`login:<email>`, `operator:<email>`, `portal-login:<slug>:<email>`, `portal-link:<slug>:<email>`),
 * so emails without an account are never stored in clear.
 */
export function signInThrottleKey(subject: SignInSubject): string {
  switch (subject.kind) {
    case 'staff':
      return hashToken(`login:${subject.email}`);
    case 'operator':
      return hashToken(`operator:${subject.email}`);
    default:
      return hashToken(`${subject.kind}:${subject.firmSlug}:${subject.email}`);
  }
}

/** One counted sign-in attempt (`countSignInAttempt`). */
export interface SignInAttempt {
  /** The attempt's number since the last success or the end of the last lock, from 1. */
  number: number;
  /** The key is locked (more than 10 attempts): the password is not checked, and even the right one fails. */
  locked: boolean;
  /** This is the 10th attempt, which started the 30-minute lock; a success still ends it. */
  startsLock: boolean;
}

/**
 * Counts one sign-in attempt for `throttleKey` in the caller's transaction, atomically and before
 * any password is checked, so aliased fields of one request and concurrent requests each take a
 * number. Lockout per PCI DSS 8.3.4: the 10th attempt since the last success locks the key for 30
 * minutes (`tenancy.login_throttles`, credential-store.ts); attempts keep counting while locked.
 */
export async function countSignInAttempt(tx: Tx, throttleKey: string): Promise<SignInAttempt> {
  const number = await countLoginAttempt(tx, { emailHash: throttleKey });
  return { number, locked: number > MAX_LOGIN_ATTEMPTS, startsLock: number === MAX_LOGIN_ATTEMPTS };
}

/**
 * Whether `password` matches the argon2id PHC `passwordHash` for a counted attempt: always false
 * while the attempt is locked, without hashing.
 */
export async function attemptMatches(attempt: SignInAttempt, passwordHash: string, password: string): Promise<boolean> {
  return !attempt.locked && (await verifyPassword(passwordHash, password));
}

/** Forgets the attempts of `throttleKey` after a success, in the caller's transaction. */
export async function resetSignInAttempts(tx: Tx, throttleKey: string): Promise<void> {
  await clearLoginAttempts(tx, { emailHash: throttleKey });
}

/** The account a sign-in found, with what its password check needs. */
interface CredentialHolder<Account> {
  account: Account;
  /** argon2id PHC string. */
  passwordHash: string;
  /** Disabled or revoked: the password is still checked, and the answer is the same as for a wrong one. */
  barred: boolean;
}

/** One password sign-in for `signInWithPassword`. */
export interface PasswordSignIn<Found, Account> {
  /** `signInThrottleKey` of the subject. */
  throttleKey: string;
  /** The password as typed. */
  password: string;
  /** What the caller typed to name the account (email, firm code): no lookup runs unless each is storable text. */
  identifiers: readonly string[];
  /** Looks the account up in the transaction that counted the attempt (which acts in no firm). */
  find: (tx: Tx) => Promise<Found | undefined>;
  /** What `find` found as a holder to check (reading more under the account's firm if needed); undefined when it has no password. */
  credentials: (found: Found) => CredentialHolder<Account> | undefined | Promise<CredentialHolder<Account> | undefined>;
  /** Records a rejected password of an account that exists (audit), in a transaction of its own. */
  onRejected?: (account: Account, attempt: SignInAttempt) => Promise<void>;
}

/**
 * Checks a password sign-in: counts the attempt (`countSignInAttempt`, PCI DSS 8.3.4 lockout),
 * looks the account up unless locked, and verifies the password with argon2id. An unknown account,
 * a locked key or an account without a password spends one dummy verification instead, so the
 * answer takes as long as for a real account (OWASP Authentication Cheat Sheet, "Authentication
 * Responses"). A wrong password or a barred account calls `onRejected`. The caller answers null
 * with `INVALID_CREDENTIALS` and, on success, resets the count with `resetSignInAttempts` in the
 * transaction that signs the account in (not before: with MFA only the second factor does).
 * @returns the account whose password matched, or null.
 */
export async function signInWithPassword<Found, Account>(
  database: Database,
  signIn: PasswordSignIn<Found, Account>,
): Promise<Account | null> {
  const found = await database.withTenant({ firmId: null }, async (tx) => {
    const attempt = await countSignInAttempt(tx, signIn.throttleKey);
    if (attempt.locked || !signIn.identifiers.every((text) => isStorableText(text))) return undefined;
    const result = await signIn.find(tx);
    return result === undefined ? undefined : { result, attempt };
  });
  const holder = found && (await signIn.credentials(found.result));
  if (!found || !holder) {
    await verifyAgainstDummy(signIn.password);
    return null;
  }
  if (!(await verifyPassword(holder.passwordHash, signIn.password)) || holder.barred) {
    await signIn.onRejected?.(holder.account, found.attempt);
    return null;
  }
  return holder.account;
}
