/**
 * True when `error` (or the error it wraps, as drizzle does) is PostgreSQL's unique_violation
 * (SQLSTATE 23505), optionally on the named constraint.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (
    let current: unknown = error;
    current && typeof current === 'object';
    current = (current as { cause?: unknown }).cause
  ) {
    const { code, constraint_name: name } = current as { code?: string; constraint_name?: string };
    if (code === '23505') return constraint === undefined || name === constraint;
  }
  return false;
}
