import { z } from 'zod';

/** An expected, displayable problem with the input (`userErrors`, README "Using the API"). */
export interface UserError<TCode extends string = string> {
  /** Path to the input field at fault, e.g. `['input', 'email']`. */
  field: string[];
  message: string;
  code: TCode;
}

const emailSchema = z.email();

/** False for text PostgreSQL cannot store: it refuses the NUL character in `text` values. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000');
}

const UNSTORABLE = 'Contains a character that is not allowed.';

/** Where validation helpers report problems: any `UserError[]` whose codes include theirs. */
export interface ErrorSink<TCode extends string> {
  push(error: UserError<TCode>): unknown;
}

/** Trims `value` and checks it is 1..`max` storable characters; pushes REQUIRED, TOO_LONG or INVALID errors. */
export function requiredText(
  value: string,
  field: string[],
  max: number,
  errors: ErrorSink<'REQUIRED' | 'TOO_LONG' | 'INVALID'>,
): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) errors.push({ field, message: 'This field is required.', code: 'REQUIRED' });
  else if (trimmed.length > max) errors.push({ field, message: `At most ${max} characters.`, code: 'TOO_LONG' });
  else if (!isStorableText(trimmed)) errors.push({ field, message: UNSTORABLE, code: 'INVALID' });
  return trimmed;
}

/** Like `requiredText` for optional fields: null, undefined and blank become null. */
export function optionalText(
  value: string | null | undefined,
  field: string[],
  max: number,
  errors: ErrorSink<'TOO_LONG' | 'INVALID'>,
): string | null {
  const trimmed = value?.trim() ?? '';
  if (trimmed.length === 0) return null;
  if (trimmed.length > max) errors.push({ field, message: `At most ${max} characters.`, code: 'TOO_LONG' });
  else if (!isStorableText(trimmed)) errors.push({ field, message: UNSTORABLE, code: 'INVALID' });
  return trimmed;
}

/** Lower-cases and trims an email; pushes an INVALID error unless it is a valid address of at most 254 characters. */
export function normalizeEmail(value: string, field: string[], errors: ErrorSink<'INVALID'>): string {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !isStorableText(email) || !emailSchema.safeParse(email).success) {
    errors.push({ field, message: 'Enter a valid email address.', code: 'INVALID' });
  }
  return email;
}
