import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

/** The `extensions.code` values FirmGraph uses for errors outside `userErrors` (README "Using the API"). */
type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'INTERNAL_SERVER_ERROR';

/** Codes that are safe to show clients as they are; anything else is masked as internal. */
export const PUBLIC_ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'TIMEOUT',
]);

/**
 * No valid credentials. The message never says which check failed.
 * @param httpStatus 401 when the whole request is refused (context creation); omit for a field error.
 */
export function unauthenticated(message = 'Authentication required', httpStatus?: 401): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

/** Authenticated, but the permission catalogue denies the action. */
export function forbidden(message = 'Not allowed'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/**
 * The thing does not exist for this caller. Another firm's id must produce exactly this error,
 * so the message names only the kind of thing, never the id.
 */
export function notFound(kind: string): GraphQLError {
  return new GraphQLError(`${kind} not found`, { extensions: { code: 'NOT_FOUND' } });
}

/**
 * Malformed input the schema could not catch (e.g. a page size over 100).
 * @param httpStatus 400 when the whole request is refused before execution; omit for a field error.
 */
export function badUserInput(message: string, httpStatus?: 400): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'BAD_USER_INPUT', ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

/**
 * The request conflicts with an earlier one, e.g. an idempotency key reused with other input
 * (Stripe's idempotent requests, https://docs.stripe.com/api/idempotent_requests).
 */
export function conflict(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'CONFLICT' } });
}

/**
 * Over a rate limit: HTTP 429 with `Retry-After` (RFC 9110 §10.2.3) and `extensions.retryAfterSeconds`.
 * @param retryAfterSeconds whole seconds until a retry can succeed.
 */
export function rateLimited(
  retryAfterSeconds: number,
  message = 'Rate limit exceeded. Retry after the time given.',
): GraphQLError {
  // Apollo Server reads `extensions.http` (a HeaderMap) into the response head, then drops it.
  const extensions: Record<string, unknown> = {
    code: 'RATE_LIMITED',
    retryAfterSeconds,
    http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
  };
  return new GraphQLError(message, { extensions });
}

/** The operation ran past its time limit (HTTP 504); whatever it had not finished was abandoned. */
export function operationTimedOut(): GraphQLError {
  return new GraphQLError('The operation took too long and was stopped.', {
    extensions: { code: 'TIMEOUT', http: { status: 504 } },
  });
}
