import type { RoleValue } from '../../../db/schema/tenancy.ts';
import type { RateRow, RateSourceValue } from '../../../db/schema/time.ts';
import { divideHalfUp } from '../../../platform/money.ts';

/**
 * The order in which rate cards apply to a time entry, first match wins (README "Time and rates"):
 * the engagement's rate for the staff member, the engagement's rate for the service, the client's
 * rate for the staff member, the staff member's standard rate, the firm's rate for the member's role.
 */
const RATE_PRECEDENCE: readonly RateSourceValue[] = [
  'ENGAGEMENT_STAFF',
  'ENGAGEMENT_SERVICE',
  'CLIENT_STAFF',
  'STAFF_STANDARD',
  'FIRM_ROLE',
];

/** One rate card entry as resolution reads it: an hourly rate in minor units of `currency`. */
export type RateCard = Pick<
  RateRow,
  | 'id'
  | 'source'
  | 'engagementId'
  | 'clientId'
  | 'userId'
  | 'serviceId'
  | 'role'
  | 'currency'
  | 'hourlyMinor'
  | 'effectiveFrom'
>;

/** What a time entry asks of the rate card: who worked, where, on what, on which date, in which currency. */
export interface RateQuery {
  engagementId: string;
  clientId: string;
  userId: string;
  /** The staff member's role in the firm, or null when they are no longer a member (no role rate applies). */
  role: RoleValue | null;
  serviceId: string;
  /** The client's billing currency (ISO 4217); only cards in it apply, there is no FX conversion. */
  currency: string;
  /** The entry's work date, `YYYY-MM-DD`. */
  workDate: string;
}

function appliesTo(card: RateCard, query: RateQuery): boolean {
  switch (card.source) {
    case 'ENGAGEMENT_STAFF':
      return card.engagementId === query.engagementId && card.userId === query.userId;
    case 'ENGAGEMENT_SERVICE':
      return card.engagementId === query.engagementId && card.serviceId === query.serviceId;
    case 'CLIENT_STAFF':
      return card.clientId === query.clientId && card.userId === query.userId;
    case 'STAFF_STANDARD':
      return card.userId === query.userId;
    case 'FIRM_ROLE':
      return query.role !== null && card.role === query.role;
  }
}

/**
 * The rate card entry that prices a time entry, or null when none applies. Of the cards in the
 * query's currency that apply to it and took effect on or before its work date, the first source in
 * `RATE_PRECEDENCE` wins, and within that source the latest `effectiveFrom`: a rate change takes
 * effect from its date, and entries dated before it keep the earlier rate. Dates compare as
 * `YYYY-MM-DD` strings, which order like the dates they name.
 */
export function resolveRate(cards: readonly RateCard[], query: RateQuery): RateCard | null {
  let best: RateCard | null = null;
  let bestRank = RATE_PRECEDENCE.length;
  for (const card of cards) {
    if (card.currency !== query.currency || card.effectiveFrom > query.workDate || !appliesTo(card, query)) continue;
    const rank = RATE_PRECEDENCE.indexOf(card.source);
    if (rank < bestRank || (rank === bestRank && best !== null && card.effectiveFrom > best.effectiveFrom)) {
      best = card;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * The value of `minutes` of work at `hourlyMinor` minor units an hour, in minor units:
 * `minutes × hourlyMinor ÷ 60`, rounded half-up to a whole minor unit (`divideHalfUp`, platform/money.ts).
 * @throws RangeError when `minutes` is not a non-negative integer or `hourlyMinor` is negative.
 */
export function valueOfMinutes(minutes: number, hourlyMinor: bigint): bigint {
  if (!Number.isInteger(minutes) || minutes < 0)
    throw new RangeError(`minutes must be a non-negative integer: ${minutes}`);
  if (hourlyMinor < 0n) throw new RangeError(`hourlyMinor must not be negative: ${hourlyMinor}`);
  return divideHalfUp(BigInt(minutes) * hourlyMinor, 60n);
}
