import { sql } from 'drizzle-orm';
import { check, date, foreignKey, index, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { clients, crm } from './crm.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/**
 * Engagement lifecycle (README "Engagements"): DRAFT → ACTIVE → ON_HOLD ↔ ACTIVE → COMPLETED, or
 * CANCELLED from any state before COMPLETED. Time may be logged only while ACTIVE.
 */
export const engagementStatusEnum = crm.enum('engagement_status', [
  'DRAFT',
  'ACTIVE',
  'ON_HOLD',
  'COMPLETED',
  'CANCELLED',
]);

/**
 * A client's job or matter: what time is logged against and, later, invoiced. `code` is unique per
 * firm and stored upper-case (`ACME-2026-TAX`); the client never changes once created, so billing
 * may copy `client_id` onto the time it records. `manager_user_id` names a tenancy user, a staff
 * member of the firm when it was set.
 */
export const engagements = crm.table(
  'engagements',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    clientId: uuid('client_id').notNull(),
    name: text('name').notNull(),
    code: text('code').notNull(),
    status: engagementStatusEnum('status').notNull().default('DRAFT'),
    startDate: date('start_date', { mode: 'string' }),
    endDate: date('end_date', { mode: 'string' }),
    managerUserId: uuid('manager_user_id').notNull(),
    description: text('description'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    foreignKey({ columns: [t.firmId, t.clientId], foreignColumns: [clients.firmId, clients.id] }),
    // The firm's list order (code) and the code's uniqueness in one index.
    unique('engagements_firm_code_key').on(t.firmId, t.code),
    // A thread's engagement must be one of the thread's client: the target of that composite key.
    unique('engagements_firm_client_id_key').on(t.firmId, t.clientId, t.id),
    index('engagements_firm_client_code_idx').on(t.firmId, t.clientId, t.code),
    index('engagements_firm_manager_code_idx').on(t.firmId, t.managerUserId, t.code),
    check('engagements_code_format', sql`${t.code} ~ '^[A-Z0-9][A-Z0-9._-]{0,39}$'`),
    check('engagements_name_length', sql`char_length(${t.name}) between 1 and 200`),
    check(
      'engagements_dates_ordered',
      sql`${t.endDate} is null or ${t.startDate} is null or ${t.endDate} >= ${t.startDate}`,
    ),
    tenantIsolationPolicy('engagements'),
  ],
);

/** The staff who may log time on an engagement; the manager is always one of them. */
export const engagementTeamMembers = crm.table(
  'engagement_team_members',
  {
    firmId: uuid('firm_id').notNull(),
    engagementId: uuid('engagement_id').notNull(),
    userId: uuid('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.engagementId, t.userId] }),
    foreignKey({ columns: [t.firmId, t.engagementId], foreignColumns: [engagements.firmId, engagements.id] }).onDelete(
      'cascade',
    ),
    index('engagement_team_members_user_idx').on(t.firmId, t.userId),
    tenantIsolationPolicy('engagement_team_members'),
  ],
);

/** A stored engagement. */
export type EngagementRow = typeof engagements.$inferSelect;
/** One of `engagementStatusEnum`'s values. */
export type EngagementStatusValue = (typeof engagementStatusEnum.enumValues)[number];
