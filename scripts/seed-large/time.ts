import { resolveRate, valueOfMinutes } from '../../subgraphs/billing/rates/rate-resolution.ts';
import { allocate, between, idAt } from './plan.ts';
import type { CopyValue, SeedTable } from './table.ts';

const DAY_MS = 86_400_000;
/** Time older than this is BILLED, but for 1 % of approved entries never invoiced (WIP over 90 days). */
const UNBILLED_DAYS = 60;

/** `crm.engagements`: each client's engagements, coded `E00001-TAX`. */
export const engagementsTable: SeedTable = {
  table: 'crm.engagements',
  columns: [
    'firm_id',
    'id',
    'client_id',
    'name',
    'code',
    'status',
    'start_date',
    'end_date',
    'manager_user_id',
    'created_at',
    'updated_at',
  ],
  *rows(firm, { now }) {
    for (const e of firm.engagements) {
      const start = e.createdAt.toISOString().slice(0, 10);
      const end = e.status === 'COMPLETED' ? new Date((e.createdAt.getTime() + now.getTime()) / 2) : null;
      yield [
        firm.id,
        e.id,
        e.client.id,
        e.name,
        e.code,
        e.status,
        start,
        end?.toISOString().slice(0, 10) ?? null,
        e.manager.id,
        e.createdAt,
        end ?? e.createdAt,
      ];
    }
  },
};

/** `crm.engagement_team_members`: the client's team is each of its engagements' team. */
export const engagementTeamMembersTable: SeedTable = {
  table: 'crm.engagement_team_members',
  columns: ['firm_id', 'engagement_id', 'user_id', 'created_at'],
  *rows(firm) {
    for (const e of firm.engagements) for (const person of e.team) yield [firm.id, e.id, person.id, e.createdAt];
  },
};

/** `billing.services`: the catalogue. */
export const servicesTable: SeedTable = {
  table: 'billing.services',
  columns: ['firm_id', 'id', 'name', 'billing_type', 'active', 'created_at', 'updated_at'],
  *rows(firm) {
    for (const s of firm.services) yield [firm.id, s.id, s.name, s.billingType, true, s.createdAt, s.createdAt];
  },
};

/** `billing.rates`: the rate card of the fixture. */
export const ratesTable: SeedTable = {
  table: 'billing.rates',
  columns: [
    'firm_id',
    'id',
    'source',
    'engagement_id',
    'client_id',
    'user_id',
    'service_id',
    'role',
    'currency',
    'hourly_minor',
    'effective_from',
  ],
  *rows(firm) {
    for (const c of firm.rateCards)
      yield [
        firm.id,
        c.id,
        c.source,
        c.engagementId,
        c.clientId,
        c.userId,
        c.serviceId,
        c.role,
        c.currency,
        c.hourlyMinor,
        c.effectiveFrom,
      ];
  },
};

/** `billing.staff_capacities` and `billing.firm_time_settings`. */
export const staffCapacitiesTable: SeedTable = {
  table: 'billing.staff_capacities',
  columns: ['firm_id', 'user_id', 'weekly_minutes'],
  *rows(firm) {
    for (const c of firm.capacities) yield [firm.id, c.userId, c.weeklyMinutes];
  },
};

/** `billing.firm_time_settings`: every seeded firm works in its own time zone. */
export const firmTimeSettingsTable: SeedTable = {
  table: 'billing.firm_time_settings',
  columns: ['firm_id', 'time_zone', 'time_rounding'],
  *rows(firm) {
    yield [
      firm.id,
      firm.currency === 'EUR' ? 'Europe/Berlin' : firm.currency === 'GBP' ? 'Europe/London' : 'America/New_York',
      'UP_TO_6_MINUTES',
    ];
  },
};

/**
 * `billing.time_entries`: the firm's time, spread over its engagements (none on DRAFT ones) in
 * proportion to weight and lifetime, each by a member of the engagement's team who had joined by
 * then, on a weekday, 6 to 60 minutes, about one in ten on the non-billable Internal service. Older
 * than 60 days it is BILLED (1 % stayed APPROVED: old WIP); newer mostly APPROVED, else SUBMITTED, DRAFT or REJECTED.
 * Approved and billed entries carry the snapshot rate resolution gives
 * (subgraphs/billing/rates/rate-resolution.ts).
 */
export const timeEntriesTable: SeedTable = {
  table: 'billing.time_entries',
  columns: [
    'firm_id',
    'id',
    'user_id',
    'engagement_id',
    'client_id',
    'service_id',
    'work_date',
    'minutes',
    'description',
    'billable',
    'currency',
    'status',
    'created_by_id',
    'submitted_at',
    'submitted_by_id',
    'approved_at',
    'approved_by_id',
    'rejected_at',
    'rejected_by_id',
    'rejection_reason',
    'rate_id',
    'rate_source',
    'rate_hourly_minor',
    'value_minor',
    'created_at',
    'updated_at',
  ],
  *rows(firm, { now }) {
    const random = firm.random(this.table);
    const workable = firm.engagements.filter((e) => e.status !== 'DRAFT');
    // Weight × lifetime: an engagement opened last month gets a month's worth of time, not a
    // lifetime's squeezed into it, so time per day stays about even over the three years.
    const counts = allocate(
      workable.map((e) => e.weight * (now.getTime() - e.createdAt.getTime() + DAY_MS)),
      firm.targets.timeEntries,
    );
    const internal = firm.services.find((s) => s.billingType === 'NON_BILLABLE')!;
    const approvers = firm.staff.filter((person) => person.role !== 'STAFF');
    for (const [index, engagement] of workable.entries()) {
      for (let i = 0; i < counts[index]!; i += 1) {
        let at = between(random, engagement.createdAt, now);
        // Someone on the team who had joined by then; else the longest-serving member, from their first day.
        const present = engagement.team.filter((member) => member.createdAt <= at);
        const person =
          present.length > 0
            ? present[Math.floor(random() * present.length)]!
            : engagement.team.reduce((a, b) => (a.createdAt <= b.createdAt ? a : b));
        if (person.createdAt > at) at = between(random, person.createdAt, now);
        const earliest = Math.max(engagement.createdAt.getTime(), person.createdAt.getTime());
        const weekday = at.getUTCDay();
        if (weekday === 0 || weekday === 6) {
          const friday = new Date(at.getTime() - (weekday === 0 ? 2 : 1) * DAY_MS);
          if (friday.getTime() >= earliest) at = friday;
        }
        const workDate = at.toISOString().slice(0, 10);
        const service = random() < 0.1 ? internal : engagement.service;
        const billable = service.billingType !== 'NON_BILLABLE';
        const minutes = 6 * (1 + Math.floor(random() * 10));
        const age = (now.getTime() - at.getTime()) / DAY_MS;
        const roll = random();
        const status =
          age > UNBILLED_DAYS
            ? roll < 0.99
              ? 'BILLED'
              : 'APPROVED'
            : age > 10
              ? roll < 0.88
                ? 'APPROVED'
                : roll < 0.96
                  ? 'SUBMITTED'
                  : 'REJECTED'
              : roll < 0.4
                ? 'DRAFT'
                : roll < 0.85
                  ? 'SUBMITTED'
                  : 'APPROVED';
        const recordedAt = new Date(Math.min(at.getTime() + 8 * 3_600_000, now.getTime()));
        const decidedAt = new Date(Math.min(at.getTime() + 2 * DAY_MS, now.getTime()));
        const approver = approvers.find((candidate) => candidate.id !== person.id) ?? approvers[0]!;
        const approved = status === 'APPROVED' || status === 'BILLED';
        const rejected = status === 'REJECTED';
        let rate = null;
        if (approved && billable) {
          rate = resolveRate(firm.rateCards, {
            engagementId: engagement.id,
            clientId: engagement.client.id,
            userId: person.id,
            role: person.role,
            serviceId: service.id,
            currency: engagement.client.currency,
            workDate,
          });
          if (!rate) throw new Error(`${firm.slug}: no rate prices ${engagement.code} on ${workDate}`);
        }
        const row: CopyValue[] = [
          firm.id,
          idAt(recordedAt, random),
          person.id,
          engagement.id,
          engagement.client.id,
          service.id,
          workDate,
          minutes,
          null,
          billable,
          engagement.client.currency,
          status,
          person.id,
          status === 'DRAFT' ? null : recordedAt,
          status === 'DRAFT' ? null : person.id,
          approved ? decidedAt : null,
          approved ? approver.id : null,
          rejected ? decidedAt : null,
          rejected ? approver.id : null,
          rejected ? 'Please add what the time was for.' : null,
          rate?.id ?? null,
          rate?.source ?? null,
          rate?.hourlyMinor ?? null,
          rate ? valueOfMinutes(minutes, rate.hourlyMinor) : approved ? 0n : null,
          recordedAt,
          approved || rejected ? decidedAt : recordedAt,
        ];
        yield row;
      }
    }
  },
};
