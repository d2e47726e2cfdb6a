import { GraphQLError } from 'graphql';

/** The `extensions.code` values FirmGraph uses for errors outside `userErrors` (design brief §4). */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

/** Codes that are safe to show clients as they are; anything else is masked as internal. */
export const PUBLIC_ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
]);

/**
 * No valid credentials. The message never says which check failed.
 * @param httpStatus 401 when the whole request is refused (context creation); omit for a field error.
 */
export function unauthenticated(message = 'Authentication required', httpStatus?: 401): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', ...(httpStatus ? { http: { status: httpStatus } } : {}) } });
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

/** Malformed input the schema could not catch (e.g. a page size over 100). */
export function badUserInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}
