import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import type postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import type { TimeRounding } from './gql/graphql.ts';
import { asFirm } from './support/admin-db.ts';
import { onboardPortalUser } from './support/portal.ts';
import { useStackWithAdmin } from './support/suite.ts';
import { activeEngagement, createService, timeFirm, type TimeFirm } from './support/time.ts';
import { subscribe, subscriptionClient, type Subscription } from './support/ws-client.ts';

const START = graphql(`
  mutation TimersStart($input: StartTimerInput!) {
    startTimer(input: $input) {
      timer {
        engagement {
          id
        }
        service {
          id
        }
        description
        startedAt
        elapsedMinutes
      }
      stoppedEntry {
        id
        status
        minutes
        workDate
        description
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`);

const STOP = graphql(`
  mutation TimersStop {
    stopTimer {
      timeEntry {
        id
        status
        minutes
        workDate
        description
        billable
        user {
          id
        }
        engagement {
          id
        }
        service {
          id
        }
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`);

const DISCARD = graphql(`
  mutation TimersDiscard {
    discardTimer {
      discarded
      userErrors {
        field
        code
      }
    }
  }
`);

const RUNNING = graphql(`
  query TimersRunning {
    runningTimer {
      engagement {
        id
      }
      service {
        id
      }
      description
      startedAt
      elapsedMinutes
    }
  }
`);

const SETTINGS = graphql(`
  mutation TimersSettings($input: UpdateTimeSettingsInput!) {
    updateTimeSettings(input: $input) {
      userErrors {
        code
      }
    }
  }
`);

const LOG_IN = graphql(`
  mutation TimersLogIn($input: LogInInput!) {
    logIn(input: $input) {
      session {
        accessToken
      }
      userErrors {
        code
      }
    }
  }
`);

const CREATE_API_KEY = graphql(`
  mutation TimersCreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      userErrors {
        code
      }
    }
  }
`);

const TIMER_CHANGED = graphql(`
  subscription TimersChanged {
    timerChanged {
      kind
      stoppedTimeEntryId
      at
      timer {
        description
        engagement {
          id
        }
        service {
          id
        }
      }
    }
  }
`);

const CLOSE_PERIOD = graphql(`
  mutation TimersClosePeriod($input: ClosePeriodInput!) {
    closePeriod(input: $input) {
      userErrors {
        code
      }
    }
  }
`);

const env = useStackWithAdmin();

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});

/** Moves the user's running timer's start back by `seconds`, so elapsed time is exact without waiting. */
async function backdateTimer(db: postgres.Sql, firmId: string, userId: string, seconds: number): Promise<void> {
  await asFirm(db, firmId, async (tx) => {
    const moved = await tx`update billing.running_timers set started_at = now() - make_interval(secs => ${seconds})
      where firm_id = ${firmId} and user_id = ${userId} returning 1`;
    expect(moved).toHaveLength(1);
  });
}

async function runningTimerRows(firmId: string): Promise<{ user_id: string; description: string | null }[]> {
  return asFirm(
    env.admin,
    firmId,
    (tx) => tx<{ user_id: string; description: string | null }[]>`
      select user_id, description from billing.running_timers where firm_id = ${firmId}`,
  );
}

async function start(firm: TimeFirm, token: string, description: string | null = 'Reviewing the ledger') {
  const result = await env.t.gql(
    START,
    { input: { engagementId: firm.engagementId, serviceId: firm.serviceId, description } },
    token,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.startTimer;
}

async function stop(token: string) {
  const result = await env.t.gql(STOP, {}, token);
  expect(result.errors).toBeUndefined();
  return result.data!.stopTimer;
}

async function setRounding(firm: TimeFirm, timeRounding: TimeRounding, timeZone?: string) {
  const result = await env.t.gql(SETTINGS, { input: { timeRounding, timeZone } }, firm.owner.accessToken);
  expect(result.data!.updateTimeSettings.userErrors).toEqual([]);
}

async function secondSession(firm: TimeFirm): Promise<string> {
  const result = await env.t.gql(LOG_IN, { input: { email: firm.owner.email, password: firm.owner.password } });
  expect(result.data!.logIn.userErrors).toEqual([]);
  return result.data!.logIn.session!.accessToken;
}

/** An API key of the firm holding `time:write`, which still owns no timer. */
async function timeWriteKey(firm: TimeFirm): Promise<string> {
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const result = await env.t.gql(
    CREATE_API_KEY,
    { input: { name: 'Time sync', scopes: ['TIME_WRITE'], expiresAt } },
    firm.owner.accessToken,
  );
  expect(result.data!.createApiKey.userErrors).toEqual([]);
  return result.data!.createApiKey.secret!;
}

function client(token: string): Client {
  const created = subscriptionClient(env.t.graphqlUrl, token);
  clients.push(created);
  return created;
}

/** A subscribe is admitted asynchronously (cost, then visibility): give it the moment the subscription suites give it. */
async function admitted<T>(subscription: Subscription<T>): Promise<Subscription<T>> {
  await sleep(500);
  return subscription;
}

describe('timers', () => {
  it('starts a timer, shows it to every session of the user, and stops it into a DRAFT with whole minutes', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const owner = firm.owner.accessToken;
    const started = await start(firm, owner);
    expect(started.userErrors).toEqual([]);
    expect(started.stoppedEntry).toBeNull();
    expect(started.timer).toMatchObject({
      engagement: { id: firm.engagementId },
      service: { id: firm.serviceId },
      description: 'Reviewing the ledger',
      elapsedMinutes: 0,
    });

    // The timer is a database row: another session (a second device, or after a restart) reads it.
    const other = await secondSession(firm);
    await backdateTimer(env.admin, firm.owner.firmId, firm.owner.userId, 17 * 60 + 20);
    const seen = await env.t.gql(RUNNING, {}, other);
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.runningTimer).toMatchObject({
      engagement: { id: firm.engagementId },
      description: 'Reviewing the ledger',
      elapsedMinutes: 17,
    });
    // Someone else in the firm has no timer, and sees none.
    expect((await env.t.gql(RUNNING, {}, firm.staff.accessToken)).data!.runningTimer).toBeNull();

    const stopped = await stop(other);
    expect(stopped.userErrors).toEqual([]);
    // NONE: 17 min 20 s is 18 minutes (a started minute counts).
    expect(stopped.timeEntry).toMatchObject({
      status: 'DRAFT',
      minutes: 18,
      description: 'Reviewing the ledger',
      billable: true,
      user: { id: firm.owner.userId },
      engagement: { id: firm.engagementId },
      service: { id: firm.serviceId },
    });
    expect((await env.t.gql(RUNNING, {}, owner)).data!.runningTimer).toBeNull();
    expect(await runningTimerRows(firm.owner.firmId)).toEqual([]);

    const again = await stop(owner);
    expect(again).toEqual({
      timeEntry: null,
      userErrors: [{ field: [], code: 'NOT_FOUND', message: 'No timer is running.' }],
    });
  });

  it.each([
    ['NONE', 13 * 60, 13],
    ['NONE', 13 * 60 + 1, 14],
    ['UP_TO_6_MINUTES', 13 * 60, 18],
    ['UP_TO_6_MINUTES', 12 * 60, 12],
    ['UP_TO_15_MINUTES', 16 * 60, 30],
    ['UP_TO_15_MINUTES', 5, 15],
  ] as const)('rounds by the firm setting %s: %i s record %i minutes', async (rounding, seconds, minutes) => {
    const firm = await timeFirm(env.t, env.admin);
    await setRounding(firm, rounding);
    expect((await start(firm, firm.staff.accessToken)).userErrors).toEqual([]);
    await backdateTimer(env.admin, firm.owner.firmId, firm.staff.userId, seconds);
    const stopped = await stop(firm.staff.accessToken);
    expect(stopped.userErrors).toEqual([]);
    expect(stopped.timeEntry!.minutes).toBe(minutes);
  });

  it("books a timer running past midnight on the day it started, in the firm's time zone", async () => {
    const firm = await timeFirm(env.t, env.admin);
    // 23 h 50 min ago is yesterday in the firm's zone unless it is now 23:50 or later there: pick a zone where it is not.
    const [{ utcHour }] =
      (await env.admin`select extract(hour from now() at time zone 'UTC')::int as "utcHour"`) as unknown as [
        { utcHour: number },
      ];
    const zone = utcHour === 23 ? 'Asia/Tokyo' : 'UTC';
    await setRounding(firm, 'NONE', zone);
    await start(firm, firm.staff.accessToken);
    await backdateTimer(env.admin, firm.owner.firmId, firm.staff.userId, 23 * 3600 + 50 * 60);
    const [{ yesterday }] = (await env.admin`
      select ((now() at time zone ${zone})::date - 1)::text as yesterday`) as unknown as [{ yesterday: string }];
    const stopped = await stop(firm.staff.accessToken);
    expect(stopped.userErrors).toEqual([]);
    expect(stopped.timeEntry).toMatchObject({ workDate: yesterday, minutes: 1430 });
  });

  it('refuses to stop a timer that ran more than 24 hours; it keeps running until discarded', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.staff.accessToken;
    await start(firm, token);
    await backdateTimer(env.admin, firm.owner.firmId, firm.staff.userId, 24 * 3600 + 60);
    const stopped = await stop(token);
    expect(stopped.timeEntry).toBeNull();
    expect(stopped.userErrors).toMatchObject([{ field: [], code: 'OUT_OF_RANGE' }]);
    expect((await env.t.gql(RUNNING, {}, token)).data!.runningTimer).not.toBeNull();
    // Starting another would stop it first: refused alike, nothing changes.
    const restarted = await start(firm, token, 'Next task');
    expect(restarted).toMatchObject({ timer: null, stoppedEntry: null, userErrors: [{ code: 'OUT_OF_RANGE' }] });

    const discarded = await env.t.gql(DISCARD, {}, token);
    expect(discarded.data!.discardTimer).toEqual({ discarded: true, userErrors: [] });
    expect((await env.t.gql(RUNNING, {}, token)).data!.runningTimer).toBeNull();
    const [{ count }] = (await asFirm(
      env.admin,
      firm.owner.firmId,
      (tx) => tx`select count(*)::int as count from billing.time_entries where firm_id = ${firm.owner.firmId}`,
    )) as unknown as [{ count: number }];
    expect(count).toBe(0);
    expect((await env.t.gql(DISCARD, {}, token)).data!.discardTimer).toEqual({
      discarded: false,
      userErrors: [{ field: [], code: 'NOT_FOUND' }],
    });
  });

  it('refuses to stop a timer into a closed period: nothing is recorded and it keeps running', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.staff.accessToken;
    await start(firm, token);
    await backdateTimer(env.admin, firm.owner.firmId, firm.staff.userId, 120);
    // The timer's work date is the day it started in the firm's time zone (UTC here): close through it.
    const [{ today }] = (await env.admin`select (now() at time zone 'UTC')::date::text as today`) as unknown as [
      { today: string },
    ];
    const closed = await env.t.gql(CLOSE_PERIOD, { input: { through: today } }, firm.owner.accessToken);
    expect(closed.data!.closePeriod.userErrors).toEqual([]);
    const stopped = await stop(token);
    expect(stopped).toMatchObject({ timeEntry: null, userErrors: [{ field: [], code: 'PERIOD_LOCKED' }] });
    expect((await env.t.gql(RUNNING, {}, token)).data!.runningTimer).not.toBeNull();
    const [{ count }] = (await asFirm(
      env.admin,
      firm.owner.firmId,
      (tx) => tx`select count(*)::int as count from billing.time_entries where firm_id = ${firm.owner.firmId}`,
    )) as unknown as [{ count: number }];
    expect(count).toBe(0);
  });

  it('a second start stops the first timer into a DRAFT entry in the same transaction', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const token = firm.staff.accessToken;
    await start(firm, token, 'First task');
    await backdateTimer(env.admin, firm.owner.firmId, firm.staff.userId, 25 * 60);
    const second = await start(firm, token, 'Second task');
    expect(second.userErrors).toEqual([]);
    expect(second.stoppedEntry).toMatchObject({ status: 'DRAFT', minutes: 25, description: 'First task' });
    expect(second.timer).toMatchObject({ description: 'Second task', elapsedMinutes: 0 });
    expect(await runningTimerRows(firm.owner.firmId)).toEqual([
      { user_id: firm.staff.userId, description: 'Second task' },
    ]);
  });

  it('keeps one timer per user across sessions, and two concurrent starts leave exactly one', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const [first, second] = [firm.owner.accessToken, await secondSession(firm)];
    const results = await Promise.all([
      start(firm, first, 'From the laptop'),
      start(firm, second, 'From the phone'),
      start(firm, first, 'From the laptop again'),
    ]);
    for (const result of results) expect(result.userErrors).toEqual([]);
    const rows = await runningTimerRows(firm.owner.firmId);
    expect(rows).toHaveLength(1);
    // The starts ran one after another: each later one stopped the timer before it into an entry.
    expect(results.filter((result) => result.stoppedEntry !== null)).toHaveLength(2);
    const winner = results.find((result) => result.timer!.description === rows[0]!.description);
    expect(winner).toBeDefined();
    const seen = await env.t.gql(RUNNING, {}, second);
    expect(seen.data!.runningTimer!.description).toBe(rows[0]!.description);
  });

  it('starts only where time may be recorded, and answers for another firm as for random ids', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const other = await timeFirm(env.t, env.admin);
    const token = firm.staff.accessToken;
    const attempt = async (engagementId: string, serviceId: string) => {
      const result = await env.t.gql(START, { input: { engagementId, serviceId } }, token);
      expect(result.errors).toBeUndefined();
      return result.data!.startTimer;
    };
    const onHold = await activeEngagement(env.admin, firm.owner.firmId, {
      clientId: firm.clientId,
      managerId: firm.manager.userId,
      teamIds: [firm.staff.userId],
      status: 'ON_HOLD',
    });
    expect((await attempt(onHold, firm.serviceId)).userErrors).toMatchObject([
      { field: ['input', 'engagementId'], code: 'NOT_ACTIVE' },
    ]);
    const notMine = await activeEngagement(env.admin, firm.owner.firmId, {
      clientId: firm.clientId,
      managerId: firm.manager.userId,
    });
    expect((await attempt(notMine, firm.serviceId)).userErrors).toMatchObject([
      { field: ['input', 'engagementId'], code: 'NOT_ON_TEAM' },
    ]);
    expect((await attempt(firm.engagementId, randomUUID())).userErrors).toMatchObject([
      { field: ['input', 'serviceId'], code: 'NOT_FOUND' },
    ]);
    const retired = await createService(env.t, firm.owner.accessToken, 'Retired work');
    await asFirm(
      env.admin,
      firm.owner.firmId,
      (tx) => tx`update billing.services set active = false where id = ${retired}`,
    );
    expect((await attempt(firm.engagementId, retired)).userErrors).toMatchObject([
      { field: ['input', 'serviceId'], code: 'NOT_ACTIVE' },
    ]);
    // Another firm's engagement and service answer exactly as random ids do.
    const foreign = await attempt(other.engagementId, other.serviceId);
    const random = await attempt(randomUUID(), randomUUID());
    expect(foreign).toEqual(random);
    expect(foreign.userErrors.map((error) => error.code)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    expect(await runningTimerRows(firm.owner.firmId)).toEqual([]);
    expect(await runningTimerRows(other.owner.firmId)).toEqual([]);
    expect((await attempt('not-a-uuid', 'nope')).userErrors.map((error) => error.code)).toEqual([
      'NOT_FOUND',
      'NOT_FOUND',
    ]);
  });

  it('refuses timers to portal users and API keys', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const portal = await onboardPortalUser(env.t, firm.owner, [firm.clientId]);
    const asPortal = await env.t.gql(
      START,
      { input: { engagementId: firm.engagementId, serviceId: firm.serviceId } },
      portal.accessToken,
    );
    expect(asPortal.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await env.t.gql(RUNNING, {}, portal.accessToken)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const key = await timeWriteKey(firm);
    const asKey = await env.t.gql(
      START,
      { input: { engagementId: firm.engagementId, serviceId: firm.serviceId } },
      key,
    );
    expect(asKey.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await env.t.gql(STOP, {}, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await env.t.gql(RUNNING, {}, key)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await runningTimerRows(firm.owner.firmId)).toEqual([]);
  });
});

describe('timerChanged', () => {
  it("reaches the user's other sessions, not another user of the firm nor another firm", async () => {
    const firm = await timeFirm(env.t, env.admin);
    const other = await timeFirm(env.t, env.admin);
    const phone = await secondSession(firm);
    const mine = await admitted(subscribe(client(phone), TIMER_CHANGED, {}));
    const colleague = await admitted(subscribe(client(firm.staff.accessToken), TIMER_CHANGED, {}));
    const elsewhere = await admitted(subscribe(client(other.owner.accessToken), TIMER_CHANGED, {}));

    const laptop = firm.owner.accessToken;
    await start(firm, laptop, 'Board pack');
    const [started] = await mine.waitFor(1);
    expect(started!.errors).toBeUndefined();
    expect(started!.data!.timerChanged).toMatchObject({
      kind: 'STARTED',
      stoppedTimeEntryId: null,
      timer: { description: 'Board pack', engagement: { id: firm.engagementId }, service: { id: firm.serviceId } },
    });

    await backdateTimer(env.admin, firm.owner.firmId, firm.owner.userId, 10 * 60);
    const stopped = await stop(laptop);
    const events = await mine.waitFor(2);
    expect(events[1]!.data!.timerChanged).toMatchObject({
      kind: 'STOPPED',
      stoppedTimeEntryId: stopped.timeEntry!.id,
      timer: null,
    });

    await start(firm, laptop, 'Second');
    expect((await env.t.gql(DISCARD, {}, laptop)).data!.discardTimer.discarded).toBe(true);
    const all = await mine.waitFor(4);
    expect(all.map((event) => event.data!.timerChanged.kind)).toEqual(['STARTED', 'STOPPED', 'STARTED', 'DISCARDED']);
    expect(all[3]!.data!.timerChanged.timer).toBeNull();

    // The colleague's own change reaches the colleague only: by then, anything for them would have arrived.
    await start(firm, firm.staff.accessToken, 'Colleague');
    await colleague.waitFor(1);
    expect(colleague.results).toHaveLength(1);
    expect(elsewhere.results).toEqual([]);
    expect(mine.results).toHaveLength(4);

    // Each change committed one outbox row, carrying ids only (never the description), marked published
    // once its batch commits, just after the bus carried it: a bounded poll, not a sleep.
    const outboxRows = () =>
      asFirm(
        env.admin,
        firm.owner.firmId,
        (tx) => tx<{ topic: string; payload: Record<string, unknown>; published_at: Date | null }[]>`
          select topic, payload, published_at from billing.outbox_events where firm_id = ${firm.owner.firmId}
          order by created_at, id`,
      );
    let outbox = await outboxRows();
    for (let tries = 0; tries < 50 && outbox.some((row) => row.published_at === null); tries++) {
      await sleep(100);
      outbox = await outboxRows();
    }
    expect(outbox.map((row) => [row.topic, row.payload.change])).toEqual([
      ['timer.changed', 'STARTED'],
      ['timer.changed', 'STOPPED'],
      ['timer.changed', 'STARTED'],
      ['timer.changed', 'DISCARDED'],
      ['timer.changed', 'STARTED'],
    ]);
    expect(outbox[1]!.payload).toEqual({
      userId: firm.owner.userId,
      change: 'STOPPED',
      timeEntryId: stopped.timeEntry!.id,
    });
    expect(outbox.every((row) => row.published_at !== null)).toBe(true);
    expect(JSON.stringify(outbox)).not.toMatch(/Board pack|Colleague/);
  });

  it('is refused to portal users and API keys (FORBIDDEN)', async () => {
    const firm = await timeFirm(env.t, env.admin);
    const portal = await onboardPortalUser(env.t, firm.owner, [firm.clientId]);
    const refused = subscribe(client(portal.accessToken), TIMER_CHANGED, {});
    const errors = (await refused.ended) as { extensions?: { code?: string } }[];
    expect(errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byKey = subscribe(client(await timeWriteKey(firm)), TIMER_CHANGED, {});
    const keyErrors = (await byKey.ended) as { extensions?: { code?: string } }[];
    expect(keyErrors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
