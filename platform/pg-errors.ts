/** The PostgreSQL error inside `error`: itself, or the error it wraps (as drizzle does), if any. */
function postgresError(error: unknown): { code: string; constraint_name?: string } | null {
  for (
    let current: unknown = error;
    current && typeof current === 'object';
    current = (current as { cause?: unknown }).cause
  ) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return current as { code: string };
  }
  return null;
}

/**
 * True when `error` (or the error it wraps, as drizzle does) is PostgreSQL's unique_violation
 * (SQLSTATE 23505), optionally on the named constraint.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const found = postgresError(error);
  return found?.code === '23505' && (constraint === undefined || found.constraint_name === constraint);
}

/**
 * True when `error` (or the error it wraps) is PostgreSQL's check_violation (SQLSTATE 23514) of
 * `constraint`: a CHECK constraint, or a trigger raising it under that name (`RAISE … USING
 * CONSTRAINT`), as postgres.js reports it (`constraint_name`).
 */
export function isCheckViolation(error: unknown, constraint: string): boolean {
  const found = postgresError(error);
  return found?.code === '23514' && found.constraint_name === constraint;
}
