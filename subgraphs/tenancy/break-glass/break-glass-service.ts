import type { Database } from '../../../db/client.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan, assertStaffCan } from '../../../platform/authz.ts';
import { forbidden, notFound, unauthenticated } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { isUniqueViolation } from '../../../platform/pg-errors.ts';
import {
  CREATED_AT_CURSOR,
  parsePageArgs,
  toConnection,
  type Connection,
  type PageArgs,
} from '../../../platform/relay.ts';
import { type OperatorTokenClaims } from '../../../platform/credentials.ts';
import { hmacKey, type Actor, type RequestOrigin } from '../../../platform/signed-context.ts';
import {
  isStorableText,
  normalizeEmail,
  requiredText,
  type UserError as GenericUserError,
} from '../../../platform/user-errors.ts';
import type { BreakGlassGrantStatus, UserErrorCode } from '../__generated__/resolvers-types.ts';
import {
  INVALID_CREDENTIALS,
  resetSignInAttempts,
  signInThrottleKey,
  signInWithPassword,
} from '../credentials/credential-service.ts';
import { hashPassword, passwordWeakness } from '../identity/passwords.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import {
  countGrants,
  findGrantForUpdate,
  findLiveGrant,
  findLiveOperatorSession,
  findOperatorByEmail,
  firmExists,
  insertGrant,
  insertOperator,
  insertOperatorSession,
  listGrants,
  revokeOperatorSession,
  updateGrant,
} from './break-glass-store.ts';
import type { BreakGlassGrantModel, IssuedOperatorSession, OperatorSummary } from './break-glass-model.ts';
import { OPERATOR_SESSION_TTL_SECONDS, OPERATOR_TOKEN_TTL_SECONDS, signOperatorToken } from './operator-tokens.ts';

type UserError = GenericUserError<UserErrorCode>;
type OperatorActor = Extract<Actor, { kind: 'OPERATOR' }>;

/**
 * A grant is named by its firm and its id: the firm comes first so every grant query runs under
 * that firm's row-level security, even for operators, who act in no firm of their own.
 */
export interface GrantRef {
  firmId: string;
  grantId: string;
}

/** Longest break-glass grant, in minutes (README "API keys and break-glass access"). */
const MAX_GRANT_MINUTES = 240;
/** Shortest accepted reason, in characters, so "debug" is not a reason. */
const MIN_REASON_LENGTH = 10;

function assertOperator(actor: Actor): OperatorActor {
  if (actor.kind === 'ANONYMOUS') throw unauthenticated();
  if (actor.kind !== 'OPERATOR') throw forbidden();
  return actor;
}

/** Where a grant stands at `now`. */
export function grantStatus(
  grant: Pick<BreakGlassGrantModel, 'startsAt' | 'expiresAt' | 'revokedAt'>,
  now = new Date(),
): BreakGlassGrantStatus {
  if (grant.revokedAt) return 'REVOKED';
  if (!grant.startsAt || !grant.expiresAt) return 'PENDING';
  return grant.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'ACTIVE';
}

/**
 * Creates a platform operator (there is no sign-up; `npm run operator:create` calls this). The
 * password must pass the same strength rules as staff passwords and is stored as argon2id.
 * @returns the operator, or one message per problem (email, name, password, or email taken).
 */
export async function createPlatformOperator(
  database: Database,
  input: { email: string; name: string; password: string },
): Promise<{ operator: OperatorSummary; problems: [] } | { operator: null; problems: string[] }> {
  const errors: GenericUserError[] = [];
  const email = normalizeEmail(input.email, ['email'], errors);
  const name = requiredText(input.name, ['name'], 200, errors);
  const weakness = passwordWeakness(input.password, [email, name]);
  if (weakness) errors.push({ field: ['password'], message: weakness, code: 'WEAK_PASSWORD' });
  if (errors.length > 0) return { operator: null, problems: errors.map((e) => `${e.field.join('.')}: ${e.message}`) };
  const passwordHash = await hashPassword(input.password);
  try {
    const row = await database.withTenant({ firmId: null }, (tx) =>
      insertOperator(tx, { id: newId(), email, name, passwordHash }),
    );
    return { operator: { id: row.id, name: row.name, email: row.email }, problems: [] };
  } catch (error) {
    if (isUniqueViolation(error, 'platform_operators_email_unique'))
      return { operator: null, problems: ['email: an operator with this email already exists'] };
    throw error;
  }
}

/**
 * Signs an operator in with email and password (argon2id) through `signInWithPassword`
 * (credentials/credential-service.ts). Unknown email, wrong password, a disabled operator and a
 * locked sign-in all answer `INVALID_CREDENTIALS` after the same hashing work. Attempts are
 * throttled like staff log-ins (PCI DSS 8.3.4): the 10th failure since the last success locks the
 * email for 30 minutes, under a key of its own (`operator:` + email), so a user and an operator
 * with one address do not share a count. Starts a 12-hour operator session and returns a 60-minute
 * operator token that reaches no firm's data.
 */
export async function logInOperator(
  ctx: TenancyContext,
  input: { email: string; password: string },
): Promise<{ session: IssuedOperatorSession | null; userErrors: UserError[] }> {
  const email = input.email.trim().toLowerCase();
  const throttleKey = signInThrottleKey({ kind: 'operator', email });
  const operator = await signInWithPassword(ctx.database, {
    throttleKey,
    password: input.password,
    identifiers: [email],
    find: (tx) => findOperatorByEmail(tx, { email }),
    credentials: (row) => ({ account: row, passwordHash: row.passwordHash, barred: row.disabledAt !== null }),
  });
  if (!operator) return { session: null, userErrors: [INVALID_CREDENTIALS] };
  const sessionId = newId();
  const sessionExpiresAt = new Date(Date.now() + OPERATOR_SESSION_TTL_SECONDS * 1000);
  await ctx.database.withTenant({ firmId: null }, async (tx) => {
    await resetSignInAttempts(tx, throttleKey);
    await insertOperatorSession(tx, { id: sessionId, operatorId: operator.id, expiresAt: sessionExpiresAt });
  });
  const summary = { id: operator.id, name: operator.name, email: operator.email };
  return {
    session: await issueOperatorToken(ctx, { sub: operator.id, sid: sessionId }, summary, sessionExpiresAt),
    userErrors: [],
  };
}

/** Ends the calling operator's session; its tokens, grant-bound ones included, get HTTP 401 from the next request on. */
export async function logOutOperator(ctx: TenancyContext): Promise<{ loggedOut: boolean; userErrors: UserError[] }> {
  const actor = assertOperator(ctx.actor);
  const loggedOut = await ctx.database.withTenant({ firmId: null }, (tx) =>
    revokeOperatorSession(tx, { sessionId: actor.sessionId }),
  );
  return { loggedOut, userErrors: [] };
}

/**
 * Creates a break-glass grant for the calling operator on `firmId`. With BREAK_GLASS_APPROVAL
 * `required` it waits for a second operator; with `optional` it starts at once. Audited in the
 * firm's log as `break_glass.request` (minutes and whether approval is required; never the reason).
 * @returns userErrors REQUIRED/INVALID/TOO_LONG (reason: 10-1000 characters), INVALID (minutes: 1-240).
 * @throws FORBIDDEN for anyone but an operator; NOT_FOUND for an unknown firm.
 */
export async function requestBreakGlass(
  ctx: TenancyContext,
  input: { firmId: string; reason: string; minutes: number },
): Promise<{ grant: BreakGlassGrantModel | null; userErrors: UserError[] }> {
  const actor = assertOperator(ctx.actor);
  const userErrors: UserError[] = [];
  const reason = input.reason.trim();
  if (reason.length === 0)
    userErrors.push({ field: ['input', 'reason'], message: 'Say why you need access.', code: 'REQUIRED' });
  else if (reason.length < MIN_REASON_LENGTH)
    userErrors.push({
      field: ['input', 'reason'],
      message: `Use at least ${MIN_REASON_LENGTH} characters.`,
      code: 'INVALID',
    });
  else if (reason.length > 1000)
    userErrors.push({ field: ['input', 'reason'], message: 'At most 1000 characters.', code: 'TOO_LONG' });
  else if (!isStorableText(reason))
    userErrors.push({
      field: ['input', 'reason'],
      message: 'Contains a character that is not allowed.',
      code: 'INVALID',
    });
  if (!Number.isInteger(input.minutes) || input.minutes < 1 || input.minutes > MAX_GRANT_MINUTES) {
    userErrors.push({
      field: ['input', 'minutes'],
      message: `Between 1 and ${MAX_GRANT_MINUTES} minutes.`,
      code: 'INVALID',
    });
  }
  if (userErrors.length > 0) return { grant: null, userErrors };
  if (!isUuid(input.firmId)) throw notFound('Firm');

  const approvalRequired = ctx.config.breakGlassApproval === 'required';
  const firmId = input.firmId;
  return ctx.database.withTenant({ firmId }, async (tx) => {
    if (!(await firmExists(tx, { firmId }))) throw notFound('Firm');
    const grantId = newId();
    const now = new Date();
    await insertGrant(tx, {
      firmId,
      id: grantId,
      operatorId: actor.operatorId,
      reason,
      minutes: input.minutes,
      requestedAt: now,
      ...(approvalRequired ? {} : { startsAt: now, expiresAt: new Date(now.getTime() + input.minutes * 60_000) }),
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'break_glass.request',
      targetType: 'break_glass_grant',
      targetId: grantId,
      metadata: { minutes: input.minutes, approvalRequired },
    });
    const [grant] = await listGrants(tx, { firmId, grantId, limit: 1 });
    return { grant: grant!, userErrors: [] };
  });
}

/**
 * Approves another operator's pending grant; its `minutes` start now. Audited as `break_glass.approve`.
 * @returns userErrors SELF_APPROVAL (one's own request), GRANT_NOT_PENDING (approved, started or revoked).
 * @throws FORBIDDEN for anyone but an operator; NOT_FOUND for an unknown grant.
 */
export async function approveBreakGlass(
  ctx: TenancyContext,
  ref: GrantRef,
): Promise<{ grant: BreakGlassGrantModel | null; userErrors: UserError[] }> {
  const actor = assertOperator(ctx.actor);
  const { firmId, grantId } = grantRefOrThrow(ref);
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const grant = await findGrantForUpdate(tx, { firmId, grantId });
    if (!grant) throw notFound('Break-glass grant');
    if (grant.operatorId === actor.operatorId) {
      return {
        grant: null,
        userErrors: [
          {
            field: ['input', 'grantId'],
            message: 'A second operator must approve this request.',
            code: 'SELF_APPROVAL',
          },
        ],
      };
    }
    if (grant.startsAt || grant.revokedAt) {
      return {
        grant: null,
        userErrors: [
          {
            field: ['input', 'grantId'],
            message: 'This request is not waiting for approval.',
            code: 'GRANT_NOT_PENDING',
          },
        ],
      };
    }
    const now = new Date();
    await updateGrant(
      tx,
      { firmId, grantId },
      {
        approvedByOperatorId: actor.operatorId,
        approvedAt: now,
        startsAt: now,
        expiresAt: new Date(now.getTime() + grant.minutes * 60_000),
      },
    );
    await recordAudit(tx, ctx, {
      firmId,
      action: 'break_glass.approve',
      targetType: 'break_glass_grant',
      targetId: grantId,
      metadata: { minutes: grant.minutes },
    });
    const [approved] = await listGrants(tx, { firmId, grantId, limit: 1 });
    return { grant: approved!, userErrors: [] };
  });
}

/**
 * Revokes a grant at once; tokens issued under it reach nothing from the next request on. Any
 * operator may revoke any grant; a member with `firm:update` may revoke grants on the active firm.
 * Revoking twice is harmless; a first revocation is audited as `break_glass.revoke`.
 * @throws NOT_FOUND for an unknown grant or another firm's; FORBIDDEN, UNAUTHENTICATED.
 */
export async function revokeBreakGlass(
  ctx: TenancyContext,
  ref: GrantRef,
): Promise<{ grant: BreakGlassGrantModel; userErrors: UserError[] }> {
  const { actor } = ctx;
  if (actor.kind !== 'OPERATOR' && assertStaffCan(actor, 'firm:update').firmId !== ref.firmId)
    throw notFound('Break-glass grant');
  const { firmId, grantId } = grantRefOrThrow(ref);
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const grant = await findGrantForUpdate(tx, { firmId, grantId });
    if (!grant) throw notFound('Break-glass grant');
    if (!grant.revokedAt) {
      await updateGrant(tx, { firmId, grantId }, { revokedAt: new Date() });
      await recordAudit(tx, ctx, {
        firmId,
        action: 'break_glass.revoke',
        targetType: 'break_glass_grant',
        targetId: grantId,
      });
    }
    const [revoked] = await listGrants(tx, { firmId, grantId, limit: 1 });
    return { grant: revoked!, userErrors: [] };
  });
}

/**
 * Issues an operator token bound to one of the caller's live grants and its firm, expiring when
 * the grant, the session or 60 minutes end, whichever is first. Audited as `break_glass.activate`.
 * @returns userErrors GRANT_NOT_LIVE (unknown, pending, expired, revoked, or another operator's grant).
 * @throws FORBIDDEN for anyone but an operator; NOT_FOUND for ids that are not UUIDs.
 */
export async function activateBreakGlass(
  ctx: TenancyContext,
  ref: GrantRef,
): Promise<{ session: IssuedOperatorSession | null; grant: BreakGlassGrantModel | null; userErrors: UserError[] }> {
  const actor = assertOperator(ctx.actor);
  const { firmId, grantId } = grantRefOrThrow(ref);
  const found = await ctx.database.withTenant({ firmId }, async (tx) => {
    const live = await findLiveGrant(tx, { firmId, grantId, operatorId: actor.operatorId });
    const session = await findLiveOperatorSession(tx, { sessionId: actor.sessionId, operatorId: actor.operatorId });
    if (!live || !session) return null;
    await recordAudit(tx, ctx, {
      firmId,
      action: 'break_glass.activate',
      targetType: 'break_glass_grant',
      targetId: grantId,
    });
    const [grant] = await listGrants(tx, { firmId, grantId, limit: 1 });
    return { grant: grant!, until: new Date(Math.min(live.expiresAt.getTime(), session.expiresAt.getTime())) };
  });
  if (!found) {
    return {
      session: null,
      grant: null,
      userErrors: [{ field: ['input', 'grantId'], message: 'This grant is not live for you.', code: 'GRANT_NOT_LIVE' }],
    };
  }
  const session = await issueOperatorToken(
    ctx,
    { sub: actor.operatorId, sid: actor.sessionId, grt: { id: grantId, firmId } },
    found.grant.operator,
    found.until,
  );
  return { session, grant: found.grant, userErrors: [] };
}

/** One page of the active firm's grants, newest first. Requires `audit:read` (OWNER, ADMIN). */
export async function breakGlassGrantsOfActiveFirm(
  ctx: TenancyContext,
  args: PageArgs,
): Promise<Connection<BreakGlassGrantModel>> {
  const actor = assertCan(ctx.actor, 'audit:read');
  const page = parsePageArgs({ first: args.first, after: args.after }, CREATED_AT_CURSOR);
  const { rows, total } = await ctx.database.withTenant({ firmId: actor.firmId }, async (tx) => ({
    rows: await listGrants(tx, { firmId: actor.firmId, after: page.cursor, limit: page.limit }),
    total: await countGrants(tx, { firmId: actor.firmId }),
  }));
  return toConnection(rows, page, (row) => [row.requestedAt.toISOString(), row.id], total);
}

/**
 * Resolves the caller behind a verified operator token for the gateway. The session must be live
 * and the operator enabled. A token bound to a grant acts in the grant's firm only while the grant
 * is live for this operator; then this access is recorded in that firm's audit log as
 * `break_glass.access` (grant id and operation) in the same transaction as the check. A grant that
 * is pending, expired or revoked yields an operator with no firm, who can read nothing.
 * @returns null when the session has ended or the operator is disabled.
 */
export async function resolveOperatorActor(
  database: Database,
  claims: OperatorTokenClaims,
  request: { requestId: string; origin: RequestOrigin; operation: string },
): Promise<OperatorActor | null> {
  const base: OperatorActor = {
    kind: 'OPERATOR',
    operatorId: claims.sub,
    sessionId: claims.sid,
    firmId: null,
    grantId: null,
  };
  const grant = claims.grt;
  return database.withTenant({ firmId: grant?.firmId ?? null }, async (tx) => {
    if (!(await findLiveOperatorSession(tx, { sessionId: claims.sid, operatorId: claims.sub }))) return null;
    if (!grant || !(await findLiveGrant(tx, { firmId: grant.firmId, grantId: grant.id, operatorId: claims.sub })))
      return base;
    const actor: OperatorActor = { ...base, firmId: grant.firmId, grantId: grant.id };
    await recordAudit(
      tx,
      { actor, requestId: request.requestId, origin: request.origin },
      {
        firmId: grant.firmId,
        action: 'break_glass.access',
        targetType: 'break_glass_grant',
        targetId: grant.id,
        metadata: { grantId: grant.id, operation: request.operation },
      },
    );
    return actor;
  });
}

/** @throws NOT_FOUND unless both ids are UUIDs; whether the grant exists is for the caller's query to find. */
function grantRefOrThrow(ref: GrantRef): GrantRef {
  if (!isUuid(ref.firmId) || !isUuid(ref.grantId)) throw notFound('Break-glass grant');
  return ref;
}

async function issueOperatorToken(
  ctx: TenancyContext,
  claims: OperatorTokenClaims,
  operator: OperatorSummary,
  notAfter: Date,
): Promise<IssuedOperatorSession> {
  const expiresAt = new Date(Math.min(Date.now() + OPERATOR_TOKEN_TTL_SECONDS * 1000, notAfter.getTime()));
  const accessToken = await signOperatorToken(claims, hmacKey(ctx.config.jwtSecret), expiresAt);
  return { accessToken, accessTokenExpiresAt: expiresAt, operator };
}
