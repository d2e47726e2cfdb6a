import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { billing } from './billing.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

// Time is whole minutes and money integer minor units of an ISO 4217 currency, everywhere here
// (README "Time and rates"). Engagements, clients and users live in other subgraphs' schemas, so
// their ids carry no foreign key across the wall: billing checks them through the SECURITY DEFINER
// crossings of migration 0012 when it writes.

/** How a service, or an engagement's service line, is billed. */
export const billingTypeEnum = billing.enum('billing_type', ['HOURLY', 'FIXED_FEE', 'NON_BILLABLE']);

/** How an engagement is billed; `MIXED` says per service line (`engagement_service_lines`). */
export const billingArrangementEnum = billing.enum('billing_arrangement', ['HOURLY', 'FIXED_FEE', 'RETAINER', 'MIXED']);

/**
 * A time entry's lifecycle: DRAFT → SUBMITTED → APPROVED, or SUBMITTED → REJECTED, which is editable
 * again like a draft. BILLED is set by invoicing; no time mutation moves an entry out of APPROVED or BILLED.
 */
export const timeEntryStatusEnum = billing.enum('time_entry_status', [
  'DRAFT',
  'SUBMITTED',
  'APPROVED',
  'REJECTED',
  'BILLED',
]);

/** How a stopped timer's minutes are rounded (`roundTimerMinutes`, subgraphs/billing/timers). */
export const timeRoundingEnum = billing.enum('time_rounding', ['NONE', 'UP_TO_6_MINUTES', 'UP_TO_15_MINUTES']);

/**
 * Which card a rate comes from, in the order of precedence rate resolution applies
 * (subgraphs/billing/rates/rate-resolution.ts): the engagement's rate for the staff member, the
 * engagement's rate for the service, the client's rate for the staff member, the staff member's
 * standard rate, the firm's rate for the member's role.
 */
export const rateSourceEnum = billing.enum('rate_source', [
  'ENGAGEMENT_STAFF',
  'ENGAGEMENT_SERVICE',
  'CLIENT_STAFF',
  'STAFF_STANDARD',
  'FIRM_ROLE',
]);

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
};

/**
 * A firm's time settings: the IANA time zone work dates are in, how timers round, and whether an
 * approver may approve their own entries. A firm without a row has the defaults.
 */
export const firmTimeSettings = billing.table(
  'firm_time_settings',
  {
    firmId: uuid('firm_id').notNull().primaryKey(),
    timeZone: text('time_zone').notNull().default('UTC'),
    timeRounding: timeRoundingEnum('time_rounding').notNull().default('NONE'),
    allowSelfApproval: boolean('allow_self_approval').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  () => [tenantIsolationPolicy('firm_time_settings')],
);

/** The firm's catalogue of billable work, each with the billing type its time defaults to. */
export const services = billing.table(
  'services',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    nameKey: text('name_key')
      .notNull()
      .generatedAlwaysAs(sql`lower(name)`),
    billingType: billingTypeEnum('billing_type').notNull(),
    active: boolean('active').notNull().default(true),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    // One service per name in a firm, and the catalogue's list order (name, id).
    unique('services_firm_name_key').on(t.firmId, t.nameKey),
    check('services_name_length', sql`char_length(${t.name}) between 1 and 120`),
    tenantIsolationPolicy('services'),
  ],
);

/** An engagement's billing arrangement; an engagement without a row is billed `HOURLY`. */
export const engagementArrangements = billing.table(
  'engagement_arrangements',
  {
    firmId: uuid('firm_id').notNull(),
    engagementId: uuid('engagement_id').notNull(),
    arrangement: billingArrangementEnum('arrangement').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.engagementId] }), tenantIsolationPolicy('engagement_arrangements')],
);

/** Per service, how a `MIXED` engagement bills it: `HOURLY` or `FIXED_FEE`. */
export const engagementServiceLines = billing.table(
  'engagement_service_lines',
  {
    firmId: uuid('firm_id').notNull(),
    engagementId: uuid('engagement_id').notNull(),
    serviceId: uuid('service_id').notNull(),
    billingType: billingTypeEnum('billing_type').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.engagementId, t.serviceId] }),
    foreignKey({ columns: [t.firmId, t.serviceId], foreignColumns: [services.firmId, services.id] }),
    check('engagement_service_lines_type', sql`${t.billingType} in ('HOURLY', 'FIXED_FEE')`),
    tenantIsolationPolicy('engagement_service_lines'),
  ],
);

/**
 * One effective-dated rate card entry: an hourly rate in minor units of `currency`, from
 * `effective_from` until a later entry of the same card and currency. Which of the scope columns are
 * set is fixed by `source` (the check); the rest are NULL, and the unique key treats NULLs as equal.
 */
export const rates = billing.table(
  'rates',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    source: rateSourceEnum('source').notNull(),
    engagementId: uuid('engagement_id'),
    clientId: uuid('client_id'),
    userId: uuid('user_id'),
    serviceId: uuid('service_id'),
    role: text('role'),
    currency: text('currency').notNull(),
    hourlyMinor: bigint('hourly_minor', { mode: 'bigint' }).notNull(),
    effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('rates_card_key')
      .on(t.firmId, t.source, t.engagementId, t.clientId, t.userId, t.serviceId, t.role, t.currency, t.effectiveFrom)
      .nullsNotDistinct(),
    foreignKey({ columns: [t.firmId, t.serviceId], foreignColumns: [services.firmId, services.id] }),
    index('rates_firm_engagement_idx').on(t.firmId, t.engagementId),
    index('rates_firm_user_idx').on(t.firmId, t.userId),
    check(
      'rates_scope',
      sql`case ${t.source}
        when 'ENGAGEMENT_STAFF' then ${t.engagementId} is not null and ${t.userId} is not null and ${t.clientId} is null and ${t.serviceId} is null and ${t.role} is null
        when 'ENGAGEMENT_SERVICE' then ${t.engagementId} is not null and ${t.serviceId} is not null and ${t.clientId} is null and ${t.userId} is null and ${t.role} is null
        when 'CLIENT_STAFF' then ${t.clientId} is not null and ${t.userId} is not null and ${t.engagementId} is null and ${t.serviceId} is null and ${t.role} is null
        when 'STAFF_STANDARD' then ${t.userId} is not null and ${t.engagementId} is null and ${t.clientId} is null and ${t.serviceId} is null and ${t.role} is null
        when 'FIRM_ROLE' then ${t.role} in ('OWNER', 'ADMIN', 'MANAGER', 'STAFF') and ${t.engagementId} is null and ${t.clientId} is null and ${t.userId} is null and ${t.serviceId} is null
      end`,
    ),
    check('rates_amount', sql`${t.hourlyMinor} >= 0`),
    check('rates_currency_iso4217', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    tenantIsolationPolicy('rates'),
  ],
);

/** A staff member's effective-dated hourly cost, in minor units of `currency`, for profitability. */
export const costRates = billing.table(
  'cost_rates',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    currency: text('currency').notNull(),
    hourlyMinor: bigint('hourly_minor', { mode: 'bigint' }).notNull(),
    effectiveFrom: date('effective_from', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    unique('cost_rates_card_key').on(t.firmId, t.userId, t.currency, t.effectiveFrom),
    check('cost_rates_amount', sql`${t.hourlyMinor} >= 0`),
    check('cost_rates_currency_iso4217', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    tenantIsolationPolicy('cost_rates'),
  ],
);

/**
 * Work a staff member did on an engagement. `client_id` and `currency` are the engagement's client
 * and its billing currency when the entry was made. The rate, its source and the value
 * (`minutes × rate ÷ 60`, half-up) are snapshotted on approval and never change afterwards; an
 * approved or billed entry always has them (a non-billable one is valued 0 and may have no rate).
 */
export const timeEntries = billing.table(
  'time_entries',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    userId: uuid('user_id').notNull(),
    engagementId: uuid('engagement_id').notNull(),
    clientId: uuid('client_id').notNull(),
    serviceId: uuid('service_id').notNull(),
    workDate: date('work_date', { mode: 'string' }).notNull(),
    minutes: integer('minutes').notNull(),
    description: text('description'),
    billable: boolean('billable').notNull(),
    currency: text('currency').notNull(),
    status: timeEntryStatusEnum('status').notNull().default('DRAFT'),
    createdById: uuid('created_by_id').notNull(),
    submittedAt: timestamp('submitted_at', { withTimezone: true, mode: 'date', precision: 3 }),
    submittedById: uuid('submitted_by_id'),
    approvedAt: timestamp('approved_at', { withTimezone: true, mode: 'date', precision: 3 }),
    approvedById: uuid('approved_by_id'),
    rejectedAt: timestamp('rejected_at', { withTimezone: true, mode: 'date', precision: 3 }),
    rejectedById: uuid('rejected_by_id'),
    rejectionReason: text('rejection_reason'),
    rateId: uuid('rate_id'),
    rateSource: rateSourceEnum('rate_source'),
    rateHourlyMinor: bigint('rate_hourly_minor', { mode: 'bigint' }),
    valueMinor: bigint('value_minor', { mode: 'bigint' }),
    ...timestamps,
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({ columns: [t.firmId, t.serviceId], foreignColumns: [services.firmId, services.id] }),
    index('time_entries_engagement_idx').on(t.firmId, t.engagementId, t.workDate, t.id),
    index('time_entries_user_idx').on(t.firmId, t.userId, t.workDate, t.id),
    index('time_entries_client_idx').on(t.firmId, t.clientId, t.workDate, t.id),
    index('time_entries_firm_date_idx').on(t.firmId, t.workDate, t.id),
    // The approval queue: the firm's SUBMITTED entries, oldest work first.
    index('time_entries_submitted_idx')
      .on(t.firmId, t.workDate, t.id)
      .where(sql`${t.status} = 'SUBMITTED'`),
    // WIP: approved, billable, unbilled time, summed without visiting the table.
    index('time_entries_wip_idx')
      .on(t.firmId, t.clientId, t.engagementId, t.workDate, t.userId, t.serviceId, t.currency, t.valueMinor)
      .where(sql`${t.status} = 'APPROVED' and ${t.billable}`),
    check('time_entries_minutes', sql`${t.minutes} between 1 and 1440`),
    check('time_entries_currency_iso4217', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check(
      'time_entries_snapshot',
      sql`${t.status} not in ('APPROVED', 'BILLED') or (${t.approvedAt} is not null and ${t.valueMinor} is not null
        and (${t.billable} = (${t.rateHourlyMinor} is not null) or (not ${t.billable} and ${t.valueMinor} = 0)))`,
    ),
    check(
      'time_entries_rejection',
      sql`${t.status} <> 'REJECTED' or (${t.rejectionReason} is not null and ${t.rejectedAt} is not null)`,
    ),
    tenantIsolationPolicy('time_entries'),
  ],
);

/**
 * The one running timer a staff member may have in a firm, across all their devices and sessions:
 * the primary key makes a second impossible, and a restart loses nothing.
 */
export const runningTimers = billing.table(
  'running_timers',
  {
    firmId: uuid('firm_id').notNull(),
    userId: uuid('user_id').notNull(),
    engagementId: uuid('engagement_id').notNull(),
    serviceId: uuid('service_id').notNull(),
    description: text('description'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.userId] }),
    foreignKey({ columns: [t.firmId, t.serviceId], foreignColumns: [services.firmId, services.id] }),
    tenantIsolationPolicy('running_timers'),
  ],
);

/** A member's weekly capacity in minutes (utilization's denominator); without a row, 40 hours. */
export const staffCapacities = billing.table(
  'staff_capacities',
  {
    firmId: uuid('firm_id').notNull(),
    userId: uuid('user_id').notNull(),
    weeklyMinutes: integer('weekly_minutes').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.userId] }),
    check('staff_capacities_weekly_minutes', sql`${t.weeklyMinutes} between 0 and 10080`),
    tenantIsolationPolicy('staff_capacities'),
  ],
);

/** A stored time entry; `rateHourlyMinor` and `valueMinor` are bigint minor units. */
export type TimeEntryRow = typeof timeEntries.$inferSelect;
/** One of `timeEntryStatusEnum`'s values. */
export type TimeEntryStatusValue = (typeof timeEntryStatusEnum.enumValues)[number];
/** One of `rateSourceEnum`'s values. */
export type RateSourceValue = (typeof rateSourceEnum.enumValues)[number];
/** A stored rate card entry. */
export type RateRow = typeof rates.$inferSelect;
/** A stored service. */
export type ServiceRow = typeof services.$inferSelect;

/**
 * Each staff member's minutes per work date, kept by the `time_entry_rollups` triggers (migration
 * 0015) in the same transaction as every change to `time_entries`: every recorded minute, and the
 * billable minutes of APPROVED or BILLED entries. The daily 1,440-minute check and utilization read
 * this row instead of summing the entries, so they cost the same however much time a firm holds.
 * No CHECK: the triggers upsert signed deltas, and PostgreSQL checks a proposed row before it finds
 * the conflict; `tests/support/time.ts` `rollupMismatches` checks them against the entries instead.
 */
export const userDayTotals = billing.table(
  'user_day_totals',
  {
    firmId: uuid('firm_id').notNull(),
    userId: uuid('user_id').notNull(),
    workDate: date('work_date', { mode: 'string' }).notNull(),
    recordedMinutes: integer('recorded_minutes').notNull(),
    billableMinutes: integer('billable_minutes').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.userId, t.workDate] }),
    // Utilization over a period: an index-only scan of the period's days, whatever the firm's
    // history. Migration 0014 adds INCLUDE (recorded_minutes, billable_minutes), which drizzle-kit
    // cannot express; the index is otherwise this one.
    index('user_day_totals_firm_date_idx').on(t.firmId, t.workDate, t.userId),
    check(
      'user_day_totals_minutes',
      sql`${t.recordedMinutes} >= 0 and ${t.billableMinutes} between 0 and ${t.recordedMinutes}`,
    ),
    tenantIsolationPolicy('user_day_totals'),
  ],
);

/**
 * WIP (APPROVED, billable time) per staff member, currency and work date, kept by the
 * `time_entry_rollups` triggers: the WIP report's staff rows and its firm totals sum these rows,
 * one per staff member and day, rather than every entry.
 */
export const wipUserDays = billing.table(
  'wip_user_days',
  {
    firmId: uuid('firm_id').notNull(),
    userId: uuid('user_id').notNull(),
    currency: text('currency').notNull(),
    workDate: date('work_date', { mode: 'string' }).notNull(),
    minutes: integer('minutes').notNull(),
    valueMinor: bigint('value_minor', { mode: 'bigint' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.userId, t.currency, t.workDate] }),
    tenantIsolationPolicy('wip_user_days'),
  ],
);

/** The firm's WIP per currency and work date, kept by the `time_entry_rollups` triggers: the WIP report's totals. */
export const wipFirmDays = billing.table(
  'wip_firm_days',
  {
    firmId: uuid('firm_id').notNull(),
    currency: text('currency').notNull(),
    workDate: date('work_date', { mode: 'string' }).notNull(),
    minutes: integer('minutes').notNull(),
    valueMinor: bigint('value_minor', { mode: 'bigint' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.currency, t.workDate] }), tenantIsolationPolicy('wip_firm_days')],
);
