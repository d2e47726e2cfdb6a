import type { Tx } from '../../../db/client.ts';
import type { ClientRow } from '../../../db/schema/crm.ts';
import type { EngagementRow, EngagementStatusValue } from '../../../db/schema/engagements.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { badUserInput, notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { isUniqueViolation } from '../../../platform/pg-errors.ts';
import { assertCanOnClient, assertCanOrPortal } from '../../../platform/portal.ts';
import { parsePageArgs, toConnection, type Connection } from '../../../platform/relay.ts';
import {
  isStorableText,
  optionalText,
  requiredText,
  type UserError as GenericUserError,
} from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { FirmReference } from '../clients/client-model.ts';
import { getClientForUpdate } from '../clients/client-store.ts';
import type { CrmContext } from '../crm-context.ts';
import type { ParticipantRef } from '../messaging/message-model.ts';
import {
  countEngagements,
  deleteEngagementTeamMember,
  ENGAGEMENT_CODE_KEY,
  ENGAGEMENT_CURSOR,
  engagementSortKey,
  getEngagementForUpdate,
  getFirmStaffIds,
  insertEngagement,
  insertEngagementTeamMembers,
  listEngagements,
  updateEngagementRow,
  type EngagementFilter,
} from './engagement-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result shape of the engagement mutations. */
export interface EngagementPayload {
  engagement: EngagementRow | null;
  userErrors: UserError[];
}

/** Input of `createEngagement` as it arrives from GraphQL; dates are `YYYY-MM-DD` (the `Date` scalar). */
export interface CreateEngagementInput {
  clientId: string;
  name: string;
  code: string;
  startDate?: string | null;
  endDate?: string | null;
  managerId: string;
  teamMemberIds?: readonly string[] | null;
  description?: string | null;
}

/** Input of `updateEngagement`: an omitted key keeps its value; null clears an optional field. */
export interface UpdateEngagementInput {
  id: string;
  name?: string | null;
  code?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  managerId?: string | null;
  description?: string | null;
}

/** Longest engagement name, as `engagements_name_length` checks it. */
const MAX_NAME = 200;
/** Longest engagement code, as `engagements_code_format` checks it. */
const MAX_CODE = 40;
/** Longest description (internal notes). */
const MAX_DESCRIPTION = 5000;
/** Most team members `createEngagement` takes at once (`tenancy.firm_members` reads at most 1000). */
const MAX_TEAM_INPUT = 100;
/** `engagements_code_format` of `db/schema/engagements.ts`, applied to the trimmed, upper-cased code. */
const CODE_PATTERN = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;

/**
 * The engagement lifecycle (`db/schema/engagements.ts`, README "Engagements"): DRAFT → ACTIVE →
 * ON_HOLD ↔ ACTIVE → COMPLETED, and CANCELLED from DRAFT, ACTIVE or ON_HOLD. COMPLETED and
 * CANCELLED are final; no status moves to itself.
 */
const TRANSITIONS: Readonly<Record<EngagementStatusValue, readonly EngagementStatusValue[]>> = {
  DRAFT: ['ACTIVE', 'CANCELLED'],
  ACTIVE: ['ON_HOLD', 'COMPLETED', 'CANCELLED'],
  ON_HOLD: ['ACTIVE', 'CANCELLED'],
  COMPLETED: [],
  CANCELLED: [],
};

/** True when the lifecycle lets an engagement move from `from` to `to` (`TRANSITIONS`). */
function canTransition(from: EngagementStatusValue, to: EngagementStatusValue): boolean {
  return TRANSITIONS[from].includes(to);
}

const isClosed = (engagement: EngagementRow) => TRANSITIONS[engagement.status].length === 0;

/** Trims and upper-cases a code and checks `engagements_code_format`; pushes REQUIRED, TOO_LONG or INVALID. */
function normalizeCode(value: string, errors: UserError[]): string {
  const field = ['input', 'code'];
  const code = value.trim().toUpperCase();
  if (code.length === 0) errors.push({ field, message: 'This field is required.', code: 'REQUIRED' });
  else if (code.length > MAX_CODE) errors.push({ field, message: `At most ${MAX_CODE} characters.`, code: 'TOO_LONG' });
  else if (!CODE_PATTERN.test(code)) {
    errors.push({
      field,
      message: 'Use letters, digits, ".", "_" and "-", starting with a letter or digit.',
      code: 'INVALID',
    });
  }
  return code;
}

/** Pushes END_BEFORE_START on `endDate` when both dates are set and the end comes first (`YYYY-MM-DD` sorts as text). */
function checkDates(startDate: string | null, endDate: string | null, errors: UserError[]): void {
  if (startDate && endDate && endDate < startDate) {
    errors.push({
      field: ['input', 'endDate'],
      message: 'The end date cannot be before the start date.',
      code: 'END_BEFORE_START',
    });
  }
}

const duplicateCode = (): UserError => ({
  field: ['input', 'code'],
  message: 'Another engagement of the firm has this code.',
  code: 'DUPLICATE',
});

const unknownUser = (field: string[]): UserError => ({
  field,
  message: 'Not a staff member of the firm.',
  code: 'UNKNOWN_USER',
});

const closed = (): UserError => ({
  field: ['input', 'id'],
  message: 'Completed and cancelled engagements cannot change.',
  code: 'CLOSED',
});

/**
 * An engagement of the active firm by id, or null (unknown, malformed, another firm's id, or for
 * a portal user an engagement of a client it was not granted: all answer the same). Staff need
 * `engagement:read`.
 * @throws UNAUTHENTICATED for anonymous callers; FORBIDDEN for staff, keys and operators without `engagement:read`.
 */
export async function findEngagement(ctx: CrmContext, engagementId: string): Promise<EngagementRow | null> {
  assertCanOrPortal(ctx.actor, 'engagement:read');
  if (!isUuid(engagementId)) return null;
  return ctx.loaders.engagementById.load(engagementId);
}

/** Page arguments of an engagement list: forward pages only, in code order. */
interface EngagementPageArgs {
  first?: number | null;
  after?: string | null;
}

/**
 * One page of engagements matching `filter` in code order, with `totalCount` only when `withTotal`,
 * in one transaction; primes `engagementById` with the rows.
 * @throws BAD_USER_INPUT for invalid page arguments or a search holding a character PostgreSQL cannot store.
 */
async function engagementPage(
  ctx: CrmContext,
  filter: EngagementFilter,
  args: EngagementPageArgs,
  withTotal: boolean,
): Promise<Connection<EngagementRow>> {
  const page = parsePageArgs({ first: args.first, after: args.after }, ENGAGEMENT_CURSOR);
  if (filter.search && !isStorableText(filter.search)) {
    throw badUserInput('The search contains a character that is not allowed.');
  }
  const { rows, total } = await ctx.database.withTenant({ firmId: filter.firmId }, async (tx) => ({
    rows: page.limit === 0 ? [] : await listEngagements(tx, { ...filter, page }),
    total: withTotal ? await countEngagements(tx, filter) : 0,
  }));
  for (const row of rows) ctx.loaders.engagementById.prime(row.id, row);
  return toConnection(rows, page, engagementSortKey, total);
}

/**
 * One page of a client's engagements in code order, batched with the other clients of the request
 * (`engagementsByClient`). Staff need `engagement:read`; a portal user needs a grant on the client.
 * @throws FORBIDDEN without them; BAD_USER_INPUT for invalid page arguments.
 */
export async function listClientEngagements(
  ctx: CrmContext,
  client: Pick<ClientRow, 'id'>,
  args: EngagementPageArgs & { status?: EngagementStatusValue | null },
  withTotal: boolean,
): Promise<Connection<EngagementRow>> {
  assertCanOnClient(ctx.actor, 'engagement:read', client.id);
  const page = parsePageArgs({ first: args.first, after: args.after }, ENGAGEMENT_CURSOR);
  const connection = await ctx.loaders.engagementsByClient(page, args.status ?? null, withTotal).load(client.id);
  for (const { node } of connection.edges) ctx.loaders.engagementById.prime(node.id, node);
  return connection;
}

/**
 * One page of the active firm's engagements in code order, filtered by status, manager (a user id;
 * a malformed one matches nothing) and a case-insensitive substring of the name or code. Null for
 * any firm but the active one. Requires `engagement:read`.
 * @throws FORBIDDEN without it; BAD_USER_INPUT for invalid page arguments.
 */
export async function listFirmEngagements(
  ctx: CrmContext,
  firm: FirmReference,
  args: EngagementPageArgs & {
    status?: EngagementStatusValue | null;
    managerId?: string | null;
    search?: string | null;
  },
  withTotal: boolean,
): Promise<Connection<EngagementRow> | null> {
  const { firmId } = assertCan(ctx.actor, 'engagement:read');
  if (firm.id !== firmId) return null;
  const managerId = args.managerId ?? null;
  if (managerId !== null && !isUuid(managerId)) {
    return toConnection(
      [],
      parsePageArgs({ first: args.first, after: args.after }, ENGAGEMENT_CURSOR),
      engagementSortKey,
      0,
    );
  }
  const search = args.search?.trim() || null;
  return engagementPage(ctx, { firmId, status: args.status, managerUserId: managerId, search }, args, withTotal);
}

/** The staff users on an engagement's team, in the order they joined. */
export async function engagementTeam(ctx: CrmContext, engagement: EngagementRow): Promise<ParticipantRef[]> {
  const userIds = await ctx.loaders.teamByEngagement.load(engagement.id);
  return userIds.map((id) => ({ kind: 'STAFF', id }));
}

/**
 * Creates an engagement in status DRAFT for an active client of the firm, with its manager and the
 * given members on the team, and an `engagement.create` audit record, in one transaction.
 * Requires `engagement:write`. Invalid input writes nothing.
 * @returns userErrors REQUIRED/TOO_LONG/INVALID on name, code and description; DUPLICATE on a code
 *   the firm already uses; END_BEFORE_START; UNKNOWN_CLIENT or ARCHIVED on `clientId`; UNKNOWN_USER on
 *   `managerId` or `teamMemberIds.<index>` for anyone who is not enabled staff of the firm (other
 *   firms' ids answer exactly like random ones).
 */
export async function createEngagement(ctx: CrmContext, input: CreateEngagementInput): Promise<EngagementPayload> {
  const { firmId } = assertCan(ctx.actor, 'engagement:write');
  const userErrors: UserError[] = [];
  const name = requiredText(input.name, ['input', 'name'], MAX_NAME, userErrors);
  const code = normalizeCode(input.code, userErrors);
  const description = optionalText(input.description, ['input', 'description'], MAX_DESCRIPTION, userErrors);
  const startDate = input.startDate ?? null;
  const endDate = input.endDate ?? null;
  checkDates(startDate, endDate, userErrors);
  const teamMemberIds = input.teamMemberIds ?? [];
  if (teamMemberIds.length > MAX_TEAM_INPUT) {
    userErrors.push({
      field: ['input', 'teamMemberIds'],
      message: `At most ${MAX_TEAM_INPUT} team members at once.`,
      code: 'TOO_LONG',
    });
  }

  return ctx.database.withTenant({ firmId }, async (tx) => {
    const client = isUuid(input.clientId)
      ? await getClientForUpdate(tx, { firmId, clientId: input.clientId })
      : undefined;
    if (!client) {
      userErrors.push({
        field: ['input', 'clientId'],
        message: 'No such client in the firm.',
        code: 'UNKNOWN_CLIENT',
      });
    } else if (client.status === 'ARCHIVED') {
      userErrors.push({
        field: ['input', 'clientId'],
        message: 'Archived clients cannot get new engagements.',
        code: 'ARCHIVED',
      });
    }
    const named = teamMemberIds.length > MAX_TEAM_INPUT ? [] : teamMemberIds;
    const staff = await getFirmStaffIds(tx, { userIds: [input.managerId, ...named].filter(isUuid) });
    if (!staff.has(input.managerId)) userErrors.push(unknownUser(['input', 'managerId']));
    named.forEach((userId, index) => {
      if (!staff.has(userId)) userErrors.push(unknownUser(['input', 'teamMemberIds', String(index)]));
    });
    if (userErrors.length > 0) return { engagement: null, userErrors };

    const engagement = await withDuplicateCode(tx, (savepoint) =>
      insertEngagement(savepoint, {
        firmId,
        id: newId(),
        clientId: client!.id,
        name,
        code,
        startDate,
        endDate,
        managerUserId: input.managerId,
        description,
      }),
    );
    if (!engagement) return { engagement: null, userErrors: [duplicateCode()] };
    // The manager is always on the team.
    const team = [...new Set([input.managerId, ...named])];
    await insertEngagementTeamMembers(tx, { firmId, engagementId: engagement.id, userIds: team });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'engagement.create',
      targetType: 'engagement',
      targetId: engagement.id,
      metadata: { clientId: client!.id, code, managerId: input.managerId, teamSize: team.length },
    });
    return { engagement, userErrors: [] };
  });
}

/**
 * Runs `write` (an insert or update that may take a code another engagement of the firm holds) in a
 * savepoint of `tx`, so a taken code rolls back only that statement. `write` must use the savepoint's
 * transaction it is given: postgres.js fails the whole transaction on a failed query sent outside it.
 * @returns what `write` returns, or null when the code is taken (`ENGAGEMENT_CODE_KEY`).
 * @throws whatever else `write` throws.
 */
async function withDuplicateCode<T>(tx: Tx, write: (savepoint: Tx) => Promise<T>): Promise<T | null> {
  try {
    return await tx.transaction((savepoint) => write(savepoint));
  } catch (error) {
    if (isUniqueViolation(error, ENGAGEMENT_CODE_KEY)) return null;
    throw error;
  }
}

/**
 * The engagement locked for a change, inside a mutation's transaction.
 * @throws NOT_FOUND when the firm has none with that id (another firm's id included).
 */
async function engagementForUpdateOrThrow(tx: Tx, firmId: string, engagementId: string): Promise<EngagementRow> {
  const engagement = isUuid(engagementId) ? await getEngagementForUpdate(tx, { firmId, engagementId }) : undefined;
  if (!engagement) throw notFound('Engagement');
  return engagement;
}

/**
 * Changes an engagement's details; a new manager joins the team (the previous one stays on it).
 * The client never changes. Writes an `engagement.update` audit record naming the fields changed.
 * Requires `engagement:write`.
 * @returns userErrors as `createEngagement` for the given fields, and CLOSED for a COMPLETED or
 *   CANCELLED engagement; nothing is written then.
 * @throws NOT_FOUND when the active firm has no such engagement (including another firm's id).
 */
export async function updateEngagement(ctx: CrmContext, input: UpdateEngagementInput): Promise<EngagementPayload> {
  const { firmId } = assertCan(ctx.actor, 'engagement:write');
  if (!isUuid(input.id)) throw notFound('Engagement');
  const userErrors: UserError[] = [];
  const patch: Partial<
    Pick<EngagementRow, 'name' | 'code' | 'startDate' | 'endDate' | 'managerUserId' | 'description'>
  > = {};
  if (input.name !== undefined) patch.name = requiredText(input.name ?? '', ['input', 'name'], MAX_NAME, userErrors);
  if (input.code !== undefined) patch.code = normalizeCode(input.code ?? '', userErrors);
  if (input.description !== undefined) {
    patch.description = optionalText(input.description, ['input', 'description'], MAX_DESCRIPTION, userErrors);
  }
  if (input.startDate !== undefined) patch.startDate = input.startDate;
  if (input.endDate !== undefined) patch.endDate = input.endDate;
  if (input.managerId !== undefined) {
    if (input.managerId === null) userErrors.push(unknownUser(['input', 'managerId']));
    else patch.managerUserId = input.managerId;
  }

  return ctx.database.withTenant({ firmId }, async (tx) => {
    const current = await engagementForUpdateOrThrow(tx, firmId, input.id);
    checkDates(
      patch.startDate !== undefined ? patch.startDate : current.startDate,
      patch.endDate !== undefined ? patch.endDate : current.endDate,
      userErrors,
    );
    if (patch.managerUserId && patch.managerUserId !== current.managerUserId) {
      const staff = isUuid(patch.managerUserId)
        ? await getFirmStaffIds(tx, { userIds: [patch.managerUserId] })
        : new Set<string>();
      if (!staff.has(patch.managerUserId)) userErrors.push(unknownUser(['input', 'managerId']));
    }
    if (userErrors.length > 0) return { engagement: null, userErrors };
    if (isClosed(current)) return { engagement: null, userErrors: [closed()] };
    const changed = (Object.keys(patch) as (keyof typeof patch)[]).filter((key) => patch[key] !== current[key]);
    if (changed.length === 0) return { engagement: current, userErrors: [] };

    const engagement = await withDuplicateCode(tx, (savepoint) =>
      updateEngagementRow(savepoint, { firmId, engagementId: current.id, patch }),
    );
    if (!engagement) return { engagement: null, userErrors: [duplicateCode()] };
    if (changed.includes('managerUserId')) {
      await insertEngagementTeamMembers(tx, { firmId, engagementId: current.id, userIds: [engagement.managerUserId] });
    }
    // The names of the fields changed; ids and codes are not personal data, so the manager and code go too.
    await recordAudit(tx, ctx, {
      firmId,
      action: 'engagement.update',
      targetType: 'engagement',
      targetId: current.id,
      metadata: {
        fields: changed.map((key) => (key === 'managerUserId' ? 'managerId' : key)).join(','),
        ...(changed.includes('code') ? { fromCode: current.code, code: engagement.code } : {}),
        ...(changed.includes('managerUserId')
          ? { fromManagerId: current.managerUserId, managerId: engagement.managerUserId }
          : {}),
      },
    });
    ctx.loaders.teamByEngagement.clear(current.id);
    return { engagement, userErrors: [] };
  });
}

/**
 * Moves an engagement along its lifecycle (`TRANSITIONS`) and writes an `engagement.status_change`
 * audit record with `from` and `to`. An engagement of an archived client cannot become ACTIVE.
 * Requires `engagement:write`.
 * @returns userErrors INVALID_TRANSITION on `status` for any move the lifecycle does not allow
 *   (the same status included), ARCHIVED on `id`; nothing is written then.
 * @throws NOT_FOUND when the active firm has no such engagement (including another firm's id).
 */
export async function changeEngagementStatus(
  ctx: CrmContext,
  input: { id: string; status: EngagementStatusValue },
): Promise<EngagementPayload> {
  const { firmId } = assertCan(ctx.actor, 'engagement:write');
  if (!isUuid(input.id)) throw notFound('Engagement');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const current = await engagementForUpdateOrThrow(tx, firmId, input.id);
    if (!canTransition(current.status, input.status)) {
      return {
        engagement: null,
        userErrors: [
          {
            field: ['input', 'status'],
            message: `An engagement cannot move from ${current.status} to ${input.status}.`,
            code: 'INVALID_TRANSITION',
          },
        ],
      };
    }
    if (input.status === 'ACTIVE') {
      const client = await getClientForUpdate(tx, { firmId, clientId: current.clientId });
      if (client?.status === 'ARCHIVED') {
        return {
          engagement: null,
          userErrors: [{ field: ['input', 'id'], message: "The engagement's client is archived.", code: 'ARCHIVED' }],
        };
      }
    }
    const engagement = await updateEngagementRow(tx, {
      firmId,
      engagementId: current.id,
      patch: { status: input.status },
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'engagement.status_change',
      targetType: 'engagement',
      targetId: current.id,
      metadata: { from: current.status, to: input.status },
    });
    return { engagement, userErrors: [] };
  });
}

/** Input of the team mutations. */
export interface EngagementTeamInput {
  engagementId: string;
  userId: string;
}

/**
 * Puts an enabled staff member of the firm on an engagement's team (a no-op when already on it).
 * Audit: `engagement_team.assign` when someone joined. Requires `engagement:write`.
 * @returns userErrors UNKNOWN_USER on `userId` for anyone who is not staff of the firm, CLOSED for a
 *   COMPLETED or CANCELLED engagement.
 * @throws NOT_FOUND when the active firm has no such engagement (including another firm's id).
 */
export async function assignEngagementTeamMember(
  ctx: CrmContext,
  input: EngagementTeamInput,
): Promise<EngagementPayload> {
  return changeEngagementTeam(ctx, input, 'engagement_team.assign', async (tx, engagement) => {
    const staff = isUuid(input.userId) ? await getFirmStaffIds(tx, { userIds: [input.userId] }) : new Set<string>();
    if (!staff.has(input.userId)) return unknownUser(['input', 'userId']);
    const added = await insertEngagementTeamMembers(tx, {
      firmId: engagement.firmId,
      engagementId: engagement.id,
      userIds: [input.userId],
    });
    return added.length > 0;
  });
}

/**
 * Takes a user off an engagement's team (a no-op when not on it); the manager stays. Audit:
 * `engagement_team.remove` when someone left. Requires `engagement:write`.
 * @returns userErrors IS_MANAGER on `userId` for the engagement's manager, CLOSED for a COMPLETED
 *   or CANCELLED engagement.
 * @throws NOT_FOUND when the active firm has no such engagement (including another firm's id).
 */
export async function removeEngagementTeamMember(
  ctx: CrmContext,
  input: EngagementTeamInput,
): Promise<EngagementPayload> {
  return changeEngagementTeam(ctx, input, 'engagement_team.remove', async (tx, engagement) => {
    if (engagement.managerUserId === input.userId) {
      return {
        field: ['input', 'userId'],
        message: 'The manager stays on the team: appoint another manager first.',
        code: 'IS_MANAGER',
      };
    }
    if (!isUuid(input.userId)) return false;
    return deleteEngagementTeamMember(tx, {
      firmId: engagement.firmId,
      engagementId: engagement.id,
      userId: input.userId,
    });
  });
}

/**
 * One team change in one transaction: `engagement:write`, the engagement locked (so team changes and
 * manager changes serialize), then `change`, which reports a user error, or whether the team
 * changed; a change bumps `updatedAt` and is audited as `action`.
 */
async function changeEngagementTeam(
  ctx: CrmContext,
  input: EngagementTeamInput,
  action: 'engagement_team.assign' | 'engagement_team.remove',
  change: (tx: Tx, engagement: EngagementRow) => Promise<UserError | boolean>,
): Promise<EngagementPayload> {
  const { firmId } = assertCan(ctx.actor, 'engagement:write');
  if (!isUuid(input.engagementId)) throw notFound('Engagement');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const current = await engagementForUpdateOrThrow(tx, firmId, input.engagementId);
    if (isClosed(current)) return { engagement: null, userErrors: [{ ...closed(), field: ['input', 'engagementId'] }] };
    const outcome = await change(tx, current);
    if (typeof outcome === 'object') return { engagement: null, userErrors: [outcome] };
    if (!outcome) return { engagement: current, userErrors: [] };
    const engagement = await updateEngagementRow(tx, { firmId, engagementId: current.id, patch: {} });
    await recordAudit(tx, ctx, {
      firmId,
      action,
      targetType: 'engagement',
      targetId: current.id,
      metadata: { userId: input.userId },
    });
    ctx.loaders.teamByEngagement.clear(current.id);
    return { engagement, userErrors: [] };
  });
}
