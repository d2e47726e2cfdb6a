import { randomUUID } from 'node:crypto';
import { getNamedType, isObjectType, type GraphQLSchema } from 'graphql';
import type postgres from 'postgres';
import { expect } from 'vitest';
import { createPlatformOperator } from '../../../subgraphs/tenancy/break-glass/break-glass-service.ts';
import { seedInvoiceAndDocument } from '../admin-db.ts';
import { createFolder, minimalPdf, requestUpload, uploadDocument } from '../documents.ts';
import { insertStaffCapacity } from '../time-db.ts';
import { signUpFirm, strongPassword, uniqueEmail, type FirmOwner } from '../factories.ts';
import { CREATE_CLIENT } from '../operations.ts';
import { postGraphQL, type TestStack } from '../stack.ts';
import { buildOperation, isEntity, Undrivable, type ProbeOperation } from './operations.ts';
import type { ProbeActor } from './probe.ts';

const INVITE_MEMBER = /* GraphQL */ `
  mutation ($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      invitationToken
      userErrors {
        field
        code
      }
    }
  }
`;
const ACCEPT_INVITATION = /* GraphQL */ `
  mutation ($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) {
      session {
        user {
          id
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`;
const CREATE_ENGAGEMENT = /* GraphQL */ `
  mutation ($input: CreateEngagementInput!) {
    createEngagement(input: $input) {
      engagement {
        id
      }
      userErrors {
        field
        code
      }
    }
  }
`;
const CREATE_THREAD = /* GraphQL */ `
  mutation ($input: CreateMessageThreadInput!) {
    createMessageThread(input: $input) {
      thread {
        id
      }
      userErrors {
        field
        code
      }
    }
  }
`;

/**
 * A firm with data in every entity type the API can hold today, each value unique to the firm:
 * two clients (with email, phone and web site), an invoice and a document for each (stored
 * straight in the database), the first client's folder with an uploaded document (a version) and
 * a pending upload (`populateDocuments`), a second member who accepted an
 * invitation, a pending invitation, an engagement of the first client managed by the owner
 * with the member on its team and a message thread about it, and the owner's weekly capacity (for
 * utilization; the time itself comes from `populateTime`).
 */
export async function populatedFirm(t: TestStack, admin: postgres.Sql, label: string): Promise<FirmOwner> {
  const marker = randomUUID().slice(0, 8);
  const owner = await signUpFirm(t, `${label} Quillfeather ${marker}`);
  const clientIds: string[] = [];
  for (const suffix of ['Holdings', 'Partners']) {
    const created = await t.gql(
      CREATE_CLIENT,
      {
        input: {
          name: `${label} ${suffix} ${marker}`,
          email: uniqueEmail(`${suffix.toLowerCase()}-${marker}`),
          phone: `+1 555 ${marker.slice(0, 4)}`,
          website: `https://${suffix.toLowerCase()}-${marker}.example.test`,
        },
      },
      owner.accessToken,
    );
    expect(created.data!.createClient.userErrors).toEqual([]);
    clientIds.push(created.data!.createClient.client!.id);
    await seedInvoiceAndDocument(admin, { firmId: owner.firmId, clientId: created.data!.createClient.client!.id });
  }
  await populateDocuments(t, owner, marker, clientIds[0]!);
  await insertStaffCapacity(admin, owner.firmId, owner.userId, 2171);
  const member = await t.gql(
    INVITE_MEMBER,
    { input: { email: uniqueEmail(`member-${marker}`), role: 'MANAGER' } },
    owner.accessToken,
  );
  expect(member.data!.inviteMember.userErrors).toEqual([]);
  const accepted = await t.gql(ACCEPT_INVITATION, {
    input: {
      token: member.data!.inviteMember.invitationToken,
      name: `${label} Member ${marker}`,
      password: strongPassword(),
    },
  });
  expect(accepted.data!.acceptInvitation.userErrors).toEqual([]);
  const engagement = await t.gql(
    CREATE_ENGAGEMENT,
    {
      input: {
        clientId: clientIds[0],
        name: `${label} Engagement ${marker}`,
        code: `PROBE-${marker}`,
        startDate: '2026-01-05',
        endDate: '2026-12-18',
        managerId: owner.userId,
        teamMemberIds: [accepted.data!.acceptInvitation.session.user.id],
        description: `${label} scope notes ${marker}`,
      },
    },
    owner.accessToken,
  );
  expect(engagement.data!.createEngagement.userErrors).toEqual([]);
  const thread = await t.gql(
    CREATE_THREAD,
    {
      input: {
        clientId: clientIds[0],
        subject: `${label} engagement thread ${marker}`,
        engagementId: engagement.data!.createEngagement.engagement.id,
      },
    },
    owner.accessToken,
  );
  expect(thread.data!.createMessageThread.userErrors).toEqual([]);
  const pending = await t.gql(
    INVITE_MEMBER,
    { input: { email: uniqueEmail(`pending-${marker}`), role: 'STAFF' } },
    owner.accessToken,
  );
  expect(pending.data!.inviteMember.userErrors).toEqual([]);
  await populateTime(t, owner, marker, engagement.data!.createEngagement.engagement.id);
  return owner;
}

/**
 * The client's documents made through the API as the owner: a top-level folder, a PDF uploaded into
 * it through its signed form (a document with one version), and a second upload requested and left
 * pending, so `completeDocumentUpload` has an upload id to be probed with.
 */
async function populateDocuments(t: TestStack, owner: FirmOwner, marker: string, clientId: string): Promise<void> {
  const folderId = await createFolder(t, owner.accessToken, clientId, `Returns ${marker}`);
  await uploadDocument(t, owner.accessToken, {
    clientId,
    folderId,
    bytes: minimalPdf(marker),
    filename: `return ${marker}.pdf`,
  });
  await requestUpload(t, owner.accessToken, { clientId, bytes: minimalPdf(`${marker} pending`) });
}

const TIME_FIXTURE = {
  activate: `mutation ($input: ChangeEngagementStatusInput!) { changeEngagementStatus(input: $input) { engagement { id } userErrors { code } } }`,
  settings: `mutation ($input: UpdateTimeSettingsInput!) { updateTimeSettings(input: $input) { userErrors { code } } }`,
  service: `mutation ($input: CreateServiceInput!) { createService(input: $input) { service { id } userErrors { code } } }`,
  rate: `mutation ($input: SetRateInput!) { setRate(input: $input) { rate { id } userErrors { code } } }`,
  costRate: `mutation ($input: SetCostRateInput!) { setCostRate(input: $input) { costRate { id } userErrors { code } } }`,
  entry: `mutation ($input: CreateTimeEntryInput!) { createTimeEntry(input: $input) { timeEntry { id } userErrors { code } } }`,
  submit: `mutation ($input: SubmitTimeEntriesInput!) { submitTimeEntries(input: $input) { userErrors { code } } }`,
  approve: `mutation ($input: ApproveTimeEntriesInput!) { approveTimeEntries(input: $input) { userErrors { code } } }`,
  reject: `mutation ($input: RejectTimeEntriesInput!) { rejectTimeEntries(input: $input) { userErrors { code } } }`,
  timer: `mutation ($input: StartTimerInput!) { startTimer(input: $input) { timer { startedAt } userErrors { code } } }`,
};

/**
 * The firm's time, made through the API as the owner with self-approval allowed: `engagementId`
 * (managed by the owner, so the owner is on its team) made ACTIVE, a service, role and engagement
 * rates, a cost rate, time entries in every status the time API reaches (DRAFT, SUBMITTED, APPROVED
 * with its snapshot, REJECTED), and the owner's running timer.
 */
async function populateTime(t: TestStack, owner: FirmOwner, marker: string, engagementId: string): Promise<void> {
  const call = async (document: string, input: Record<string, unknown>) => {
    const result = await t.gql(document, { input }, owner.accessToken);
    expect(result.errors).toBeUndefined();
    const payload = Object.values(result.data!)[0] as { userErrors: unknown[] } & Record<string, { id: string }>;
    expect(payload.userErrors).toEqual([]);
    return payload;
  };
  await call(TIME_FIXTURE.activate, { id: engagementId, status: 'ACTIVE' });
  await call(TIME_FIXTURE.settings, { allowSelfApproval: true, timeZone: 'Europe/Berlin' });
  const { service } = await call(TIME_FIXTURE.service, { name: `Advisory ${marker}`, billingType: 'HOURLY' });
  await call(TIME_FIXTURE.rate, {
    source: 'FIRM_ROLE',
    role: 'OWNER',
    hourlyRate: { amount: '317.00', currency: 'USD' },
    effectiveFrom: '2020-01-01',
  });
  await call(TIME_FIXTURE.rate, {
    source: 'ENGAGEMENT_SERVICE',
    engagementId,
    serviceId: service!.id,
    hourlyRate: { amount: '291.00', currency: 'USD' },
    effectiveFrom: '2020-01-01',
  });
  await call(TIME_FIXTURE.costRate, {
    userId: owner.userId,
    hourlyCost: { amount: '83.00', currency: 'USD' },
    effectiveFrom: '2020-01-01',
  });
  const entries: string[] = [];
  for (const [index, minutes] of [47, 53, 59, 61].entries()) {
    const { timeEntry } = await call(TIME_FIXTURE.entry, {
      engagementId,
      serviceId: service!.id,
      workDate: `2026-03-1${index}`,
      minutes,
      description: `Worked on ${marker} part ${index}`,
    });
    entries.push(timeEntry!.id);
  }
  const [, submitted, approved, rejected] = entries;
  await call(TIME_FIXTURE.submit, { ids: [submitted, approved, rejected] });
  await call(TIME_FIXTURE.approve, { ids: [approved] });
  await call(TIME_FIXTURE.reject, { ids: [rejected], reason: `Split ${marker} by task` });
  await call(TIME_FIXTURE.timer, { engagementId, serviceId: service!.id, description: `Timing ${marker} now` });
}

/** A firm's staff user as a probe actor, authenticated with its bearer token. */
export function staffActor(name: string, owner: FirmOwner): ProbeActor {
  return {
    name,
    headers: { authorization: `Bearer ${owner.accessToken}` },
    firmId: owner.firmId,
    credentials: { email: owner.email, password: owner.password },
  };
}

/**
 * Gives the actor's firm a row of every entity type the API can create for it: calls each mutation
 * whose payload holds an entity type (an object type with an `id`) the firm has no row of yet, as
 * the actor, with the probe's sample inputs and the firm's own ids (`ownIds`, read again before each
 * round). Rounds repeat while something was created, so a message is sent once its thread exists.
 * Entity types added to the schema later get fixture rows without a change here.
 * @returns one line per entity type still without a row, with the mutations that failed to make one.
 */
export async function createThroughApi(
  url: string,
  schema: GraphQLSchema,
  actor: ProbeActor,
  ownIds: () => Promise<ReadonlyMap<string, readonly string[]>>,
): Promise<string[]> {
  const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});
  const creates = (mutation: (typeof mutations)[number]): string[] => {
    const payload = getNamedType(mutation.type);
    if (isEntity(payload)) return [payload.name];
    if (!isObjectType(payload)) return [];
    return Object.values(payload.getFields())
      .map((field) => getNamedType(field.type))
      .filter(isEntity)
      .map((type) => type.name);
  };
  const failures = new Map<string, string>();
  const called = new Set<string>();
  let idsByType = await ownIds();
  const missing = (mutation: (typeof mutations)[number]) =>
    creates(mutation).filter((type) => !idsByType.get(type)?.length);
  for (let progress = true; progress;) {
    progress = false;
    for (const mutation of mutations) {
      if (called.has(mutation.name) || missing(mutation).length === 0) continue;
      let operation: ProbeOperation;
      try {
        operation = buildOperation(schema, 'mutation', mutation.name, { idsByType, credentials: actor.credentials });
      } catch (error) {
        // Needs a row the firm does not have yet: try again next round.
        if (!(error instanceof Undrivable)) throw error;
        failures.set(mutation.name, error.message);
        continue;
      }
      called.add(mutation.name);
      // Only the first document creates; a selection split in several would create once per document.
      const { document, variables } = operation.documents[0]!;
      const result = await postGraphQL(url, document, variables, actor.headers);
      // Created when the payload came back without user errors; errors on fields below it are the probe's to report.
      const payload = result.data?.[mutation.name] as { userErrors?: unknown[] } | null | undefined;
      if (!payload || payload.userErrors?.length)
        failures.set(mutation.name, JSON.stringify(payload?.userErrors ?? result.errors));
      else {
        failures.delete(mutation.name);
        progress = true;
      }
    }
    idsByType = await ownIds();
  }
  return [...failures]
    .filter(([name]) => missing(mutations.find((m) => m.name === name)!).length > 0)
    .map(
      ([name, reason]) =>
        `${missing(mutations.find((m) => m.name === name)!).join(', ')} not created by ${name}: ${reason}`,
    );
}

const CREATE_API_KEY = /* GraphQL */ `
  mutation ($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      userErrors {
        field
        code
      }
    }
  }
`;

/**
 * An API key of the owner's firm holding every scope a key may be given, as a probe actor. The
 * grantable scopes are found by asking for each `Permission` alone, so new permissions join.
 */
export async function apiKeyActor(
  t: TestStack,
  schema: GraphQLSchema,
  name: string,
  owner: FirmOwner,
): Promise<ProbeActor> {
  const permission = schema.getType('Permission');
  const scopes = permission && 'getValues' in permission ? permission.getValues().map((value) => value.name) : [];
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const create = (wanted: string[]) =>
    t.gql(CREATE_API_KEY, { input: { name: `${name} key`, scopes: wanted, expiresAt } }, owner.accessToken);
  const grantable: string[] = [];
  for (const scope of scopes)
    if ((await create([scope])).data?.createApiKey.userErrors.length === 0) grantable.push(scope);
  expect(grantable.length).toBeGreaterThan(0);
  const key = await create(grantable);
  expect(key.data!.createApiKey.userErrors).toEqual([]);
  return {
    name: `${name} (scopes ${grantable.join(', ')})`,
    headers: { authorization: `Bearer ${key.data!.createApiKey.secret}` },
    firmId: owner.firmId,
  };
}

const LOG_IN_OPERATOR = /* GraphQL */ `
  mutation ($input: LogInOperatorInput!) {
    logInOperator(input: $input) {
      session {
        accessToken
      }
      userErrors {
        field
        code
      }
    }
  }
`;
const REQUEST_BREAK_GLASS = /* GraphQL */ `
  mutation ($input: RequestBreakGlassInput!) {
    requestBreakGlass(input: $input) {
      grant {
        id
      }
      userErrors {
        field
        code
      }
    }
  }
`;
const APPROVE_BREAK_GLASS = /* GraphQL */ `
  mutation ($input: ApproveBreakGlassInput!) {
    approveBreakGlass(input: $input) {
      userErrors {
        field
        code
      }
    }
  }
`;
const ACTIVATE_BREAK_GLASS = /* GraphQL */ `
  mutation ($input: ActivateBreakGlassInput!) {
    activateBreakGlass(input: $input) {
      session {
        accessToken
      }
      userErrors {
        field
        code
      }
    }
  }
`;

/** A platform operator made as `npm run operator:create` makes one, signed in through the gateway; returns its token. */
async function operatorToken(t: TestStack, name: string): Promise<string> {
  const email = uniqueEmail('operator');
  const password = strongPassword();
  expect((await createPlatformOperator(t.databases.tenancy, { email, name, password })).problems).toEqual([]);
  const result = await t.gql(LOG_IN_OPERATOR, { input: { email, password } });
  expect(result.data!.logInOperator.userErrors).toEqual([]);
  return result.data!.logInOperator.session.accessToken;
}

/**
 * Break-glass fixture rows and actors: one operator asks for access to each of `pendingOn` (left
 * pending, so each firm has a grant row), and to `liveOn`, which a second operator approves; the
 * first then activates it. Returns the first operator twice as a probe actor: signed in without a
 * grant, and acting under the live grant on `liveOn` (read-only).
 */
export async function breakGlassOperators(
  t: TestStack,
  pendingOn: string[],
  liveOn: string,
): Promise<{ signedIn: ProbeActor; underGrant: ProbeActor }> {
  const requester = await operatorToken(t, 'Probe Requester');
  const approver = await operatorToken(t, 'Probe Approver');
  const request = async (firmId: string): Promise<string> => {
    const result = await t.gql(
      REQUEST_BREAK_GLASS,
      { input: { firmId, reason: 'Isolation probe fixture grant', minutes: 60 } },
      requester,
    );
    expect(result.data!.requestBreakGlass.userErrors).toEqual([]);
    return result.data!.requestBreakGlass.grant.id;
  };
  for (const firmId of pendingOn) await request(firmId);
  const grantId = await request(liveOn);
  const approved = await t.gql(APPROVE_BREAK_GLASS, { input: { firmId: liveOn, grantId } }, approver);
  expect(approved.errors).toBeUndefined();
  expect(approved.data!.approveBreakGlass.userErrors).toEqual([]);
  const activated = await t.gql(ACTIVATE_BREAK_GLASS, { input: { firmId: liveOn, grantId } }, requester);
  expect(activated.data!.activateBreakGlass.userErrors).toEqual([]);
  return {
    signedIn: { name: 'operator without a grant', headers: { authorization: `Bearer ${requester}` } },
    underGrant: {
      name: 'operator under a live break-glass grant',
      headers: { authorization: `Bearer ${activated.data!.activateBreakGlass.session.accessToken}` },
      firmId: liveOn,
    },
  };
}
