import { isCheckViolation } from '../../../platform/pg-errors.ts';

/**
 * The accounting date of an event dated `eventDate` (`YYYY-MM-DD`) when the books are closed through
 * `lockedThrough` (null: not closed): the event's own date when it is after the lock, otherwise the
 * first open date, the day after the lock. The entry keeps `eventDate` as its event date. This is the
 * rule for events that happen outside the firm's control (payments, refunds, disputes): they cannot
 * be refused, so they count in the first open period, as in Odoo's lock dates and Xero's lock dates.
 * Invoices and credit notes are the firm's own documents: a date in a closed period is refused.
 */
export function postingDate(eventDate: string, lockedThrough: string | null): string {
  if (lockedThrough === null || eventDate > lockedThrough) return eventDate;
  const next = new Date(`${lockedThrough}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

/**
 * True when `error` is the database refusing a date in a closed period (check_violation
 * `period_locked`, raised by migration 0017's triggers on journal entries and time entries); services
 * answer it with the user error PERIOD_LOCKED.
 */
export function isPeriodLocked(error: unknown): boolean {
  return isCheckViolation(error, 'period_locked');
}
