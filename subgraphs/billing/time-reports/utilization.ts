/** Minutes of capacity a staff member has per week without a `billing.staff_capacities` row: 40 hours. */
export const DEFAULT_WEEKLY_MINUTES = 2400;

/** Longest period `utilizationReport` covers, in days (both ends included): a leap year. */
export const MAX_UTILIZATION_DAYS = 366;

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a `YYYY-MM-DD` date (UTC, so no daylight-saving shifts). */
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/**
 * Weekdays (Monday to Friday) from `from` to `to`, both included; 0 when `to` is before `from`.
 * Calendar arithmetic on `YYYY-MM-DD` dates: whole weeks count 5, the remaining 0–6 days are
 * looked at one by one. Public holidays are not known here and count as weekdays.
 */
export function weekdaysBetween(from: string, to: string): number {
  const first = dayNumber(from);
  const days = dayNumber(to) - first + 1;
  if (days <= 0) return 0;
  let weekdays = Math.floor(days / 7) * 5;
  // 1970-01-01 was a Thursday: (day + 4) % 7 is 0 on Sunday … 6 on Saturday.
  for (let day = first + Math.floor(days / 7) * 7; day < first + days; day += 1) {
    const weekday = (day + 4) % 7;
    if (weekday !== 0 && weekday !== 6) weekdays += 1;
  }
  return weekdays;
}

/**
 * Capacity over a period in whole minutes: a fifth of the weekly capacity per weekday,
 * `floor(weeklyMinutes × weekdays ÷ 5)`, multiplied before dividing so that nothing is lost to a
 * per-day rounding (2,250 minutes a week over 3 weekdays is 1,350, not 3 × 450 rounded).
 */
export function capacityMinutes(weeklyMinutes: number, weekdays: number): number {
  return Math.floor((weeklyMinutes * weekdays) / 5);
}

/**
 * `billable ÷ capacity` in basis points (10,000 = 100 %), rounded half up, in integer arithmetic;
 * null when `capacity` is 0 (no ratio exists). Both arguments are whole minutes, at least 0.
 */
export function utilizationBasisPoints(billableMinutes: number, capacity: number): number | null {
  if (capacity <= 0) return null;
  return Math.floor((billableMinutes * 10_000 * 2 + capacity) / (capacity * 2));
}
