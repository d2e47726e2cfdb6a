import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import type { CreateTimeEntryInput } from './gql/graphql.ts';
import { asFirm } from './support/admin-db.ts';
import { signUpFirm } from './support/factories.ts';
import type { GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';
import { activeEngagement, createService, rollupMismatches, setRate, timeFirm, type TimeFirm } from './support/time.ts';

const CREATE = graphql(`
  mutation TimeCreateEntry($input: CreateTimeEntryInput!) {
    createTimeEntry(input: $input) {
      timeEntry {
        id
        status
        minutes
        workDate
        billable
        rejectionReason
        submittedBy {
          id
        }
        approvedBy {
          id
        }
        approvedAt
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const UPDATE = graphql(`
  mutation TimeUpdateEntry($input: UpdateTimeEntryInput!) {
    updateTimeEntry(input: $input) {
      timeEntry {
        id
        status
        minutes
        workDate
        billable
        rejectionReason
        submittedBy {
          id
        }
        approvedBy {
          id
        }
        approvedAt
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const DELETE = graphql(`
  mutation TimeDeleteEntry($input: DeleteTimeEntryInput!) {
    deleteTimeEntry(input: $input) {
      deletedTimeEntryId
      userErrors {
        field
        code
      }
    }
  }
`);

const SUBMIT = graphql(`
  mutation TimeSubmit($input: SubmitTimeEntriesInput!) {
    submitTimeEntries(input: $input) {
      timeEntries {
        id
        status
        minutes
        workDate
        billable
        rejectionReason
        submittedBy {
          id
        }
        approvedBy {
          id
        }
        approvedAt
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const APPROVE = graphql(`
  mutation TimeApprove($input: ApproveTimeEntriesInput!) {
    approveTimeEntries(input: $input) {
      timeEntries {
        id
        status
        minutes
        workDate
        billable
        rejectionReason
        submittedBy {
          id
        }
        approvedBy {
          id
        }
        approvedAt
        rate {
          hourlyRate {
            amount
            currency
          }
          source
        }
        value {
          amount
          currency
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const REJECT = graphql(`
  mutation TimeReject($input: RejectTimeEntriesInput!) {
    rejectTimeEntries(input: $input) {
      timeEntries {
        id
        status
        minutes
        workDate
        billable
        rejectionReason
        submittedBy {
          id
        }
        approvedBy {
          id
        }
        approvedAt
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const SETTINGS = graphql(`
  mutation TimeSettings($input: UpdateTimeSettingsInput!) {
    updateTimeSettings(input: $input) {
      firm {
        timeZone
        timeRounding
        allowSelfApproval
      }
      userErrors {
        field
        code
      }
    }
  }
`);

const ENTRY = graphql(`
  query TimeEntryById($id: ID!) {
    timeEntry(id: $id) {
      id
      status
      minutes
      workDate
      billable
      rejectionReason
      submittedBy {
        id
      }
      approvedBy {
        id
      }
      approvedAt
      rate {
        hourlyRate {
          amount
        }
        source
      }
      value {
        amount
        currency
      }
    }
  }
`);

const QUEUE = graphql(`
  query TimeQueue($filter: TimeEntryFilter, $first: Int, $after: String) {
    me {
      activeFirm {
        timeEntries(filter: $filter, first: $first, after: $after) {
          totalCount
          edges {
            node {
              id
              user {
                id
              }
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
`);

const CLOSE_PERIOD = graphql(`
  mutation TimeClosePeriod($input: ClosePeriodInput!) {
    closePeriod(input: $input) {
      userErrors {
        code
      }
    }
  }
`);

const env = useStackWithAdmin();

function ok<T>(result: GraphQLResponse<T>): T {
  expect(result.errors).toBeUndefined();
  return result.data!;
}

const errorsOf = (payload: { userErrors: { field: string[]; code: string }[] }) =>
  payload.userErrors.map((e) => [e.field.join('.'), e.code]);

/** A past work date that is safe in every time zone. */
const DAY = '2026-06-10';

async function create(token: string, firm: TimeFirm, input: Partial<CreateTimeEntryInput> = {}) {
  return ok(
    await env.t.gql(
      CREATE,
      { input: { engagementId: firm.engagementId, serviceId: firm.serviceId, workDate: DAY, minutes: 60, ...input } },
      token,
    ),
  ).createTimeEntry;
}

async function createOk(token: string, firm: TimeFirm, input: Partial<CreateTimeEntryInput> = {}) {
  const payload = await create(token, firm, input);
  expect(payload.userErrors).toEqual([]);
  return payload.timeEntry!;
}

async function submitOk(token: string, ids: string[]) {
  const payload = ok(await env.t.gql(SUBMIT, { input: { ids } }, token)).submitTimeEntries;
  expect(payload.userErrors).toEqual([]);
  return payload.timeEntries;
}

async function rowHash(firmId: string): Promise<string> {
  const [row] = await asFirm(
    env.admin,
    firmId,
    (tx) => tx`select md5(coalesce(string_agg(t::text, '|' order by t.id), '')) as h from billing.time_entries t
      where t.firm_id = ${firmId}`,
  );
  return row!.h as string;
}

describe('time entries', () => {
  it('records a DRAFT with the billable flag defaulting from the service, and refuses bad input writing nothing', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const entry = await createOk(firm.staff.accessToken, firm, { description: 'Board pack review' });
    expect(entry).toMatchObject({ status: 'DRAFT', minutes: 60, workDate: DAY, billable: true });
    const internal = await createService(env.t, firm.owner.accessToken, 'Internal', 'NON_BILLABLE');
    expect((await createOk(firm.staff.accessToken, firm, { serviceId: internal, minutes: 5 })).billable).toBe(false);

    const draftEngagement = await activeEngagement(env.admin, firm.owner.firmId, {
      clientId: firm.clientId,
      managerId: firm.manager.userId,
      teamIds: [firm.staff.userId],
      status: 'ON_HOLD',
    });
    const notOnTeam = await activeEngagement(env.admin, firm.owner.firmId, {
      clientId: firm.clientId,
      managerId: firm.manager.userId,
    });
    const before = await rowHash(firm.owner.firmId);
    const token = firm.staff.accessToken;
    expect(errorsOf(await create(token, firm, { minutes: 0 }))).toEqual([['input.minutes', 'OUT_OF_RANGE']]);
    expect(errorsOf(await create(token, firm, { minutes: 1441 }))).toEqual([['input.minutes', 'OUT_OF_RANGE']]);
    expect(errorsOf(await create(token, firm, { workDate: '2099-01-01' }))).toEqual([
      ['input.workDate', 'TOO_FAR_AHEAD'],
    ]);
    expect(errorsOf(await create(token, firm, { engagementId: draftEngagement }))).toEqual([
      ['input.engagementId', 'NOT_ACTIVE'],
    ]);
    expect(errorsOf(await create(token, firm, { engagementId: notOnTeam }))).toEqual([
      ['input.engagementId', 'NOT_ON_TEAM'],
    ]);
    expect(errorsOf(await create(token, firm, { serviceId: randomUUID() }))).toEqual([
      ['input.serviceId', 'NOT_FOUND'],
    ]);
    expect(errorsOf(await create(token, firm, { userId: firm.otherStaff.userId }))).toEqual([
      ['input.userId', 'FORBIDDEN'],
    ]);
    expect(await rowHash(firm.owner.firmId)).toBe(before);

    // A MANAGER holds time:write_any: anyone's time, on an engagement they are not on.
    const forStaff = await createOk(firm.manager.accessToken, firm, {
      userId: firm.otherStaff.userId,
      engagementId: notOnTeam,
    });
    expect(forStaff.status).toBe('DRAFT');
  });

  it("answers another firm's engagement, service and entry ids exactly as random ids", async () => {
    const firm = await timeFirm(env.t, env.admin);
    const other = await timeFirm(env.t, env.admin);
    const theirs = await createOk(other.staff.accessToken, other);
    const token = firm.owner.accessToken;
    const foreign = await create(token, firm, { engagementId: other.engagementId, serviceId: other.serviceId });
    const random = await create(token, firm, { engagementId: randomUUID(), serviceId: randomUUID() });
    expect(foreign).toEqual(random);
    expect(errorsOf(foreign)).toEqual([
      ['input.engagementId', 'NOT_FOUND'],
      ['input.serviceId', 'NOT_FOUND'],
    ]);
    for (const [document, input] of [
      [UPDATE, (id: string) => ({ id, minutes: 30 })],
      [DELETE, (id: string) => ({ id })],
    ] as const) {
      const a = await env.t.gql(document as typeof UPDATE, { input: input(theirs.id) as never }, token);
      const b = await env.t.gql(document as typeof UPDATE, { input: input(randomUUID()) as never }, token);
      expect(a).toEqual(b);
      expect(a.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const submitA = ok(await env.t.gql(SUBMIT, { input: { ids: [theirs.id] } }, token));
    const submitB = ok(await env.t.gql(SUBMIT, { input: { ids: [randomUUID()] } }, token));
    expect(submitA).toEqual(submitB);
    expect(ok(await env.t.gql(ENTRY, { id: theirs.id }, token)).timeEntry).toBeNull();
  });

  it('holds one user to 1440 minutes a work date, also under concurrent writes', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.staff.accessToken;
    await createOk(token, firm, { minutes: 1000, workDate: '2026-06-01' });
    expect(errorsOf(await create(token, firm, { minutes: 441, workDate: '2026-06-01' }))).toEqual([
      ['input.minutes', 'DAILY_LIMIT'],
    ]);
    await createOk(token, firm, { minutes: 440, workDate: '2026-06-01' });
    // Someone else's day is their own.
    await createOk(firm.otherStaff.accessToken, firm, { minutes: 1440, workDate: '2026-06-01' });

    const results = await Promise.all(
      Array.from({ length: 6 }, () => create(token, firm, { minutes: 300, workDate: '2026-06-02' })),
    );
    expect(results.filter((r) => r.userErrors.length === 0)).toHaveLength(4);
    expect(results.filter((r) => r.userErrors[0]?.code === 'DAILY_LIMIT')).toHaveLength(2);

    // An edit counts the other entries of the day it moves to.
    const small = await createOk(token, firm, { minutes: 10, workDate: '2026-06-03' });
    expect(
      errorsOf(ok(await env.t.gql(UPDATE, { input: { id: small.id, workDate: '2026-06-01' } }, token)).updateTimeEntry),
    ).toEqual([['input.minutes', 'DAILY_LIMIT']]);
  });

  it('prices on approval by rate precedence and effective date, and the snapshot never changes', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const admin = firm.owner.accessToken;
    await setRate(env.t, admin, { source: 'FIRM_ROLE', role: 'STAFF', amount: '100.00' });
    await setRate(env.t, admin, { source: 'STAFF_STANDARD', userId: firm.staff.userId, amount: '120.00' });
    await setRate(env.t, admin, {
      source: 'STAFF_STANDARD',
      userId: firm.staff.userId,
      amount: '150.00',
      effectiveFrom: '2026-06-15',
    });
    const token = firm.staff.accessToken;
    const beforeChange = await createOk(token, firm, { workDate: '2026-06-14', minutes: 90 });
    const afterChange = await createOk(token, firm, { workDate: '2026-06-15', minutes: 90 });
    const byOther = await createOk(firm.otherStaff.accessToken, firm, { workDate: '2026-06-15', minutes: 7 });
    await submitOk(token, [beforeChange.id, afterChange.id]);
    await submitOk(firm.otherStaff.accessToken, [byOther.id]);
    const approved = ok(
      await env.t.gql(
        APPROVE,
        { input: { ids: [beforeChange.id, afterChange.id, byOther.id] } },
        firm.manager.accessToken,
      ),
    ).approveTimeEntries;
    expect(approved.userErrors).toEqual([]);
    expect(
      approved.timeEntries.map((e) => [e.status, e.rate?.source, e.rate?.hourlyRate.amount, e.value?.amount]),
    ).toEqual([
      ['APPROVED', 'STAFF_STANDARD', '120.00', '180.00'],
      ['APPROVED', 'STAFF_STANDARD', '150.00', '225.00'],
      // 7 minutes at 100.00 an hour is 11.666…, half-up to 11.67.
      ['APPROVED', 'FIRM_ROLE', '100.00', '11.67'],
    ]);
    expect(approved.timeEntries[0]!.approvedBy?.id).toBe(firm.manager.userId);

    // An engagement rate for the staff member outranks the rest; it prices new approvals only.
    await setRate(env.t, admin, {
      source: 'ENGAGEMENT_STAFF',
      engagementId: firm.engagementId,
      userId: firm.staff.userId,
      amount: '90.00',
    });
    await setRate(env.t, admin, {
      source: 'STAFF_STANDARD',
      userId: firm.staff.userId,
      amount: '999.00',
      effectiveFrom: '2026-06-14',
    });
    const snapshot = ok(await env.t.gql(ENTRY, { id: afterChange.id }, firm.manager.accessToken)).timeEntry!;
    expect([snapshot.rate?.hourlyRate.amount, snapshot.value?.amount]).toEqual(['150.00', '225.00']);
    const later = await createOk(token, firm, { workDate: '2026-06-16', minutes: 60 });
    await submitOk(token, [later.id]);
    const laterApproved = ok(await env.t.gql(APPROVE, { input: { ids: [later.id] } }, firm.manager.accessToken))
      .approveTimeEntries.timeEntries[0]!;
    expect([laterApproved.rate?.source, laterApproved.value?.amount]).toEqual(['ENGAGEMENT_STAFF', '90.00']);

    // STAFF see their own entries but not their value (rate:read).
    const own = await env.t.gql(ENTRY, { id: afterChange.id }, token);
    expect(own.data?.timeEntry?.status).toBe('APPROVED');
    expect(own.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
  });

  it('refuses approval of billable time no rate card prices, and approves nothing of the batch', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const entries = [await createOk(firm.staff.accessToken, firm), await createOk(firm.staff.accessToken, firm)];
    await submitOk(
      firm.staff.accessToken,
      entries.map((e) => e.id),
    );
    const result = ok(
      await env.t.gql(APPROVE, { input: { ids: entries.map((e) => e.id) } }, firm.manager.accessToken),
    ).approveTimeEntries;
    expect(result.timeEntries).toEqual([]);
    expect(errorsOf(result)).toEqual([
      ['input.ids.0', 'NO_RATE'],
      ['input.ids.1', 'NO_RATE'],
    ]);
  });

  it('follows the status machine: nothing leaves APPROVED, and REJECTED is editable again', async () => {
    const firm = await timeFirm(env.t, env.admin);
    await setRate(env.t, firm.owner.accessToken, { source: 'FIRM_ROLE', role: 'STAFF', amount: '100.00' });
    const token = firm.staff.accessToken;
    const [a, b] = [await createOk(token, firm), await createOk(token, firm)];
    // Approving a DRAFT is refused: all-or-nothing, with the index of each refused id.
    const early = ok(await env.t.gql(APPROVE, { input: { ids: [a.id, b.id] } }, firm.manager.accessToken));
    expect(errorsOf(early.approveTimeEntries)).toEqual([
      ['input.ids.0', 'NOT_EDITABLE'],
      ['input.ids.1', 'NOT_EDITABLE'],
    ]);
    await submitOk(token, [a.id, b.id]);
    // A submitted entry is not editable by its owner.
    expect(errorsOf(ok(await env.t.gql(UPDATE, { input: { id: a.id, minutes: 5 } }, token)).updateTimeEntry)).toEqual([
      ['input.id', 'NOT_EDITABLE'],
    ]);
    const rejected = ok(
      await env.t.gql(REJECT, { input: { ids: [b.id], reason: 'Split by task, please' } }, firm.manager.accessToken),
    ).rejectTimeEntries;
    expect(rejected.timeEntries[0]).toMatchObject({ status: 'REJECTED', rejectionReason: 'Split by task, please' });
    const edited = ok(await env.t.gql(UPDATE, { input: { id: b.id, minutes: 45 } }, token)).updateTimeEntry;
    expect(edited.timeEntry).toMatchObject({ status: 'REJECTED', minutes: 45 });
    await submitOk(token, [b.id]);
    ok(await env.t.gql(APPROVE, { input: { ids: [a.id, b.id] } }, firm.manager.accessToken));

    const before = await rowHash(firm.owner.firmId);
    expect(errorsOf(ok(await env.t.gql(UPDATE, { input: { id: a.id, minutes: 5 } }, token)).updateTimeEntry)).toEqual([
      ['input.id', 'NOT_EDITABLE'],
    ]);
    expect(errorsOf(ok(await env.t.gql(DELETE, { input: { id: a.id } }, token)).deleteTimeEntry)).toEqual([
      ['input.id', 'NOT_EDITABLE'],
    ]);
    expect(errorsOf(ok(await env.t.gql(SUBMIT, { input: { ids: [a.id] } }, token)).submitTimeEntries)).toEqual([
      ['input.ids.0', 'NOT_EDITABLE'],
    ]);
    for (const [document, input] of [
      [APPROVE, { ids: [a.id] }],
      [REJECT, { ids: [a.id], reason: 'late' }],
    ] as const) {
      const payload = ok(await env.t.gql(document as typeof REJECT, { input: input as never }, firm.owner.accessToken));
      expect(errorsOf(Object.values(payload)[0] as never)).toEqual([['input.ids.0', 'NOT_EDITABLE']]);
    }
    // A time write by the manager (time:write_any) is refused the same way.
    expect(
      errorsOf(
        ok(await env.t.gql(UPDATE, { input: { id: a.id, minutes: 5 } }, firm.manager.accessToken)).updateTimeEntry,
      ),
    ).toEqual([['input.id', 'NOT_EDITABLE']]);
    // BILLED, set by invoicing, is out of reach of every time mutation too.
    await asFirm(
      env.admin,
      firm.owner.firmId,
      (tx) => tx`update billing.time_entries set status = 'BILLED' where id = ${b.id}`,
    );
    const billed = await rowHash(firm.owner.firmId);
    expect(
      errorsOf(ok(await env.t.gql(DELETE, { input: { id: b.id } }, firm.manager.accessToken)).deleteTimeEntry),
    ).toEqual([['input.id', 'NOT_EDITABLE']]);
    expect(
      errorsOf(ok(await env.t.gql(SUBMIT, { input: { ids: [b.id] } }, firm.manager.accessToken)).submitTimeEntries),
    ).toEqual([['input.ids.0', 'NOT_EDITABLE']]);
    expect(await rowHash(firm.owner.firmId)).toBe(billed);
    expect(before).not.toBe(billed);
  });

  it('applies the self-approval policy, and lets an engagement manager approve without time:approve', async () => {
    const firm = await timeFirm(env.t, env.admin);
    await setRate(env.t, firm.owner.accessToken, { source: 'FIRM_ROLE', role: 'MANAGER', amount: '200.00' });
    await setRate(env.t, firm.owner.accessToken, { source: 'FIRM_ROLE', role: 'STAFF', amount: '100.00' });
    const own = await createOk(firm.manager.accessToken, firm);
    await submitOk(firm.manager.accessToken, [own.id]);
    const refused = ok(await env.t.gql(APPROVE, { input: { ids: [own.id] } }, firm.manager.accessToken));
    expect(errorsOf(refused.approveTimeEntries)).toEqual([['input.ids.0', 'SELF_APPROVAL']]);
    expect(
      ok(await env.t.gql(SETTINGS, { input: { allowSelfApproval: true } }, firm.owner.accessToken)).updateTimeSettings
        .firm,
    ).toMatchObject({ allowSelfApproval: true, timeZone: 'UTC' });
    const allowed = ok(await env.t.gql(APPROVE, { input: { ids: [own.id] } }, firm.manager.accessToken));
    expect(allowed.approveTimeEntries.timeEntries[0]!.status).toBe('APPROVED');

    // A STAFF engagement manager approves the engagement's time, and only that engagement's.
    const staffManaged = await activeEngagement(env.admin, firm.owner.firmId, {
      clientId: firm.clientId,
      managerId: firm.staff.userId,
      teamIds: [firm.otherStaff.userId],
    });
    const onManaged = await createOk(firm.otherStaff.accessToken, firm, { engagementId: staffManaged });
    const elsewhere = await createOk(firm.otherStaff.accessToken, firm);
    await submitOk(firm.otherStaff.accessToken, [onManaged.id, elsewhere.id]);
    // STAFF hold no rate:read, so the snapshot's rate and value are denied to them, and only those.
    const asStaffManager = async (ids: string[]) => {
      const result = await env.t.gql(APPROVE, { input: { ids } }, firm.staff.accessToken);
      for (const error of result.errors ?? []) {
        expect([error.extensions?.code, error.path?.at(-1)]).toEqual([
          'FORBIDDEN',
          expect.stringMatching(/^(rate|value)$/),
        ]);
      }
      return result.data!;
    };
    const mixed = await asStaffManager([onManaged.id, elsewhere.id]);
    expect(errorsOf(mixed.approveTimeEntries)).toEqual([['input.ids.1', 'NOT_FOUND']]);
    const managed = await asStaffManager([onManaged.id]);
    expect(managed.approveTimeEntries.userErrors).toEqual([]);
    expect(managed.approveTimeEntries.timeEntries.map((e) => [e.status, e.approvedBy?.id])).toEqual([
      ['APPROVED', firm.staff.userId],
    ]);
  });

  it('approves 50 entries exactly once when two approvers approve them at the same time', async () => {
    const firm = await timeFirm(env.t, env.admin);
    await setRate(env.t, firm.owner.accessToken, { source: 'FIRM_ROLE', role: 'STAFF', amount: '100.00' });
    const ids: string[] = [];
    for (let day = 1; day <= 25; day += 1) {
      for (const member of [firm.staff, firm.otherStaff]) {
        const workDate = `2026-05-${String(day).padStart(2, '0')}`;
        ids.push((await createOk(member.accessToken, firm, { workDate, minutes: 30 })).id);
      }
    }
    await submitOk(
      firm.staff.accessToken,
      ids.filter((_, i) => i % 2 === 0),
    );
    await submitOk(
      firm.otherStaff.accessToken,
      ids.filter((_, i) => i % 2 === 1),
    );
    const [first, second] = await Promise.all([
      env.t.gql(APPROVE, { input: { ids } }, firm.manager.accessToken),
      env.t.gql(APPROVE, { input: { ids: [...ids].reverse() } }, firm.owner.accessToken),
    ]);
    const payloads = [ok(first).approveTimeEntries, ok(second).approveTimeEntries];
    const winners = payloads.filter((p) => p.userErrors.length === 0);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.timeEntries).toHaveLength(50);
    const loser = payloads.find((p) => p.userErrors.length > 0)!;
    expect(loser.timeEntries).toEqual([]);
    expect(new Set(loser.userErrors.map((e) => e.code))).toEqual(new Set(['NOT_EDITABLE']));
    const [counts] = await asFirm(
      env.admin,
      firm.owner.firmId,
      (tx) => tx`select
        (select count(*)::int from billing.time_entries where firm_id = ${firm.owner.firmId} and status = 'APPROVED') as approved,
        (select count(*)::int from tenancy.audit_log where firm_id = ${firm.owner.firmId} and action = 'time_entry.approve') as audits,
        (select count(distinct target_id)::int from tenancy.audit_log where firm_id = ${firm.owner.firmId} and action = 'time_entry.approve') as distinct_targets`,
    );
    expect(counts).toEqual({ approved: 50, audits: 50, distinct_targets: 50 });
  });

  it('lists the approval queue for approvers and only their own time for staff', async () => {
    const firm = await timeFirm(env.t, env.admin);
    for (const member of [firm.staff, firm.otherStaff]) {
      const entries = [
        await createOk(member.accessToken, firm),
        await createOk(member.accessToken, firm, { minutes: 20 }),
      ];
      await submitOk(member.accessToken, [entries[0]!.id]);
    }
    const queue = ok(await env.t.gql(QUEUE, { filter: { status: 'SUBMITTED' } }, firm.manager.accessToken)).me!
      .activeFirm!.timeEntries!;
    expect(queue.totalCount).toBe(2);
    const mine = ok(await env.t.gql(QUEUE, {}, firm.staff.accessToken)).me!.activeFirm!.timeEntries!;
    expect(mine.totalCount).toBe(2);
    expect(new Set(mine.edges.map((e) => e.node.user.id))).toEqual(new Set([firm.staff.userId]));
    const pageOne = ok(await env.t.gql(QUEUE, { first: 3 }, firm.manager.accessToken)).me!.activeFirm!.timeEntries!;
    const pageTwo = ok(
      await env.t.gql(QUEUE, { first: 3, after: pageOne.pageInfo.endCursor }, firm.manager.accessToken),
    ).me!.activeFirm!.timeEntries!;
    expect(pageOne.pageInfo.hasNextPage).toBe(true);
    expect([...pageOne.edges, ...pageTwo.edges].map((e) => e.node.id)).toHaveLength(4);
    expect(pageTwo.pageInfo.hasNextPage).toBe(false);
  });

  it('keeps the day and WIP rollups equal to the sums of the entries, whatever was written above', async () => {
    const firm = await timeFirm(env.t, env.admin);
    await setRate(env.t, firm.owner.accessToken, { source: 'FIRM_ROLE', role: 'STAFF', amount: '100.00' });
    const a = await createOk(firm.staff.accessToken, firm, { minutes: 30, workDate: '2026-04-01' });
    const b = await createOk(firm.staff.accessToken, firm, { minutes: 45, workDate: '2026-04-01' });
    ok(await env.t.gql(UPDATE, { input: { id: b.id, workDate: '2026-04-02', minutes: 50 } }, firm.staff.accessToken));
    await submitOk(firm.staff.accessToken, [a.id, b.id]);
    ok(await env.t.gql(APPROVE, { input: { ids: [a.id] } }, firm.manager.accessToken));
    ok(await env.t.gql(REJECT, { input: { ids: [b.id], reason: 'split it' } }, firm.manager.accessToken));
    ok(await env.t.gql(DELETE, { input: { id: b.id } }, firm.staff.accessToken));
    const [rollup] = await asFirm(
      env.admin,
      firm.owner.firmId,
      (tx) => tx`select
        (select recorded_minutes from billing.user_day_totals where firm_id = ${firm.owner.firmId} and work_date = '2026-04-01') as recorded,
        (select billable_minutes from billing.user_day_totals where firm_id = ${firm.owner.firmId} and work_date = '2026-04-01') as billable,
        (select recorded_minutes from billing.user_day_totals where firm_id = ${firm.owner.firmId} and work_date = '2026-04-02') as moved,
        (select value_minor::text from billing.wip_firm_days where firm_id = ${firm.owner.firmId}) as wip`,
    );
    expect(rollup).toEqual({ recorded: 30, billable: 30, moved: 0, wip: '5000' });
    expect(await rollupMismatches(env.admin)).toEqual([]);
  });

  it('refuses every change to time dated in a closed period, writing nothing, and keeps the open days writable', async () => {
    const firm = await timeFirm(env.t, env.admin);
    await setRate(env.t, firm.owner.accessToken, { source: 'FIRM_ROLE', role: 'STAFF', amount: '100.00' });
    const token = firm.staff.accessToken;
    const draft = await createOk(token, firm, { workDate: '2026-03-02' });
    const [submitted, toApprove] = [
      await createOk(token, firm, { workDate: '2026-03-03' }),
      await createOk(token, firm, { workDate: '2026-03-04' }),
    ];
    await submitOk(token, [submitted.id, toApprove.id]);
    const open = await createOk(token, firm, { workDate: '2026-04-06' });
    const closed = ok(await env.t.gql(CLOSE_PERIOD, { input: { through: '2026-03-31' } }, firm.owner.accessToken));
    expect(closed.closePeriod.userErrors).toEqual([]);
    const before = await rowHash(firm.owner.firmId);

    expect(errorsOf(await create(token, firm, { workDate: '2026-03-31' }))).toEqual([
      ['input.workDate', 'PERIOD_LOCKED'],
    ]);
    const update = async (input: { id: string; workDate?: string; minutes?: number }) =>
      errorsOf(ok(await env.t.gql(UPDATE, { input }, token)).updateTimeEntry);
    expect(await update({ id: draft.id, minutes: 30 })).toEqual([['input.id', 'PERIOD_LOCKED']]);
    expect(await update({ id: open.id, workDate: '2026-03-20' })).toEqual([['input.workDate', 'PERIOD_LOCKED']]);
    expect(errorsOf(ok(await env.t.gql(DELETE, { input: { id: draft.id } }, token)).deleteTimeEntry)).toEqual([
      ['input.id', 'PERIOD_LOCKED'],
    ]);
    // All or nothing: the open entry named beside a closed one is not submitted either.
    const submit = ok(await env.t.gql(SUBMIT, { input: { ids: [open.id, draft.id] } }, token)).submitTimeEntries;
    expect(errorsOf(submit)).toEqual([['input.ids.1', 'PERIOD_LOCKED']]);
    const approve = ok(await env.t.gql(APPROVE, { input: { ids: [toApprove.id] } }, firm.manager.accessToken));
    expect(errorsOf(approve.approveTimeEntries)).toEqual([['input.ids.0', 'PERIOD_LOCKED']]);
    const reject = ok(
      await env.t.gql(REJECT, { input: { ids: [submitted.id], reason: 'wrong day' } }, firm.manager.accessToken),
    );
    expect(errorsOf(reject.rejectTimeEntries)).toEqual([['input.ids.0', 'PERIOD_LOCKED']]);
    expect(await rowHash(firm.owner.firmId)).toBe(before);

    // The day after the lock is open.
    expect(await update({ id: open.id, workDate: '2026-04-01' })).toEqual([]);
    expect(await submitOk(token, [open.id])).toMatchObject([{ status: 'SUBMITTED', workDate: '2026-04-01' }]);
    expect(await rollupMismatches(env.admin)).toEqual([]);
  });

  it('checks the time zone it is given and judges "tomorrow" in it', async () => {
    const owner = await signUpFirm(env.t);
    const bad = ok(await env.t.gql(SETTINGS, { input: { timeZone: 'Mars/Olympus' } }, owner.accessToken));
    expect(errorsOf(bad.updateTimeSettings)).toEqual([['input.timeZone', 'INVALID']]);
    const good = ok(
      await env.t.gql(
        SETTINGS,
        { input: { timeZone: 'Pacific/Kiritimati', timeRounding: 'UP_TO_6_MINUTES' } },
        owner.accessToken,
      ),
    );
    expect(good.updateTimeSettings.firm).toMatchObject({
      timeZone: 'Pacific/Kiritimati',
      timeRounding: 'UP_TO_6_MINUTES',
    });
  });
});
