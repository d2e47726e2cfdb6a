import type postgres from 'postgres';
import { v7 as uuidv7 } from 'uuid';
import { asFirm } from './admin-db.ts';

/** A time entry to store: what the WIP and utilization reports read. Money is integer minor units. */
export interface TimeEntryFixture {
  userId: string;
  engagementId: string;
  clientId: string;
  serviceId: string;
  workDate: string;
  minutes: number;
  status?: 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED' | 'BILLED';
  billable?: boolean;
  currency?: string;
  /** Required for APPROVED and BILLED billable entries (the snapshot check); 0 for non-billable ones. */
  valueMinor?: number;
}

/** Stores a firm's service (billing type HOURLY) straight in the database and returns its id. */
export async function insertService(admin: postgres.Sql, firmId: string, name: string): Promise<string> {
  const id = uuidv7();
  await asFirm(
    admin,
    firmId,
    (tx) => tx`
    insert into billing.services (firm_id, id, name, billing_type) values (${firmId}, ${id}, ${name}, 'HOURLY')`,
  );
  return id;
}

/**
 * Stores time entries straight in the database, as the time-entry mutations would leave them: an
 * APPROVED or BILLED entry carries its approval snapshot (the rate is `valueMinor × 60 ÷ minutes`,
 * truncated: only `value_minor` is read by the reports), a REJECTED one its reason.
 * @returns the new ids, in order.
 */
export async function insertTimeEntries(
  admin: postgres.Sql,
  firmId: string,
  entries: readonly TimeEntryFixture[],
): Promise<string[]> {
  const ids = entries.map(() => uuidv7());
  await asFirm(admin, firmId, async (tx) => {
    for (const [i, entry] of entries.entries()) {
      const status = entry.status ?? 'APPROVED';
      const billable = entry.billable ?? true;
      const approved = status === 'APPROVED' || status === 'BILLED';
      const value = approved ? (billable ? (entry.valueMinor ?? 0) : 0) : null;
      const rate = approved && billable ? Math.floor(((entry.valueMinor ?? 0) * 60) / entry.minutes) : null;
      await tx`
        insert into billing.time_entries (firm_id, id, user_id, engagement_id, client_id, service_id, work_date, minutes,
          billable, currency, status, created_by_id, approved_at, approved_by_id, rejected_at, rejected_by_id,
          rejection_reason, rate_source, rate_hourly_minor, value_minor)
        values (${firmId}, ${ids[i]!}, ${entry.userId}, ${entry.engagementId}, ${entry.clientId}, ${entry.serviceId},
          ${entry.workDate}, ${entry.minutes}, ${billable}, ${entry.currency ?? 'USD'}, ${status}, ${entry.userId},
          ${approved ? new Date() : null}, ${approved ? entry.userId : null},
          ${status === 'REJECTED' ? new Date() : null}, ${status === 'REJECTED' ? entry.userId : null},
          ${status === 'REJECTED' ? 'Wrong engagement' : null}, ${rate === null ? null : 'FIRM_ROLE'}, ${rate}, ${value})`;
    }
  });
  return ids;
}

/** Stores a staff member's weekly capacity (minutes) straight in the database. */
export async function insertStaffCapacity(
  admin: postgres.Sql,
  firmId: string,
  userId: string,
  weeklyMinutes: number,
): Promise<void> {
  await asFirm(
    admin,
    firmId,
    (tx) => tx`
    insert into billing.staff_capacities (firm_id, user_id, weekly_minutes) values (${firmId}, ${userId}, ${weeklyMinutes})`,
  );
}
