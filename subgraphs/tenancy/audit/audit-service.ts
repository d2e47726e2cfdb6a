import { z } from 'zod';
import type { Database } from '../../../db/client.ts';
import type { AuditLogRow } from '../../../db/schema/audit.ts';
import type { FirmRow } from '../../../db/schema/tenancy.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { badUserInput, notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { parsePageArgs, toConnection, type Connection } from '../../../platform/relay.ts';
import { isStorableText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { TenancyContext } from '../tenancy-context.ts';
import {
  countAuditEntries,
  getAuditRetentionForUpdate,
  listAuditEntries,
  pruneAuditEntries,
  setAuditRetention,
  verifyAuditChain,
  type AuditChainCheck,
  type AuditLogConditions,
} from './audit-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Allowed audit retention in days: at least 30, at most 100 years (also a CHECK on `tenancy.firms`). */
const AUDIT_RETENTION_DAYS = { min: 30, max: 36_500 } as const;

/** Cursor of the audit log: the record's seq as a decimal string (newest first). */
const AUDIT_CURSOR = z.tuple([z.string().regex(/^[1-9]\d{0,18}$/)]);

const ACTION_PREFIX = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

/** `auditLog`'s filter as it arrives from GraphQL. */
export interface AuditLogFilterInput {
  actionPrefix?: string | null;
  actorId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  occurredFrom?: Date | null;
  occurredBefore?: Date | null;
}

/**
 * One page of the active firm's audit log, newest first; `totalCount` only when `withTotal`.
 * Requires `audit:read`.
 * @throws BAD_USER_INPUT for page arguments out of range, a malformed cursor, an `actionPrefix`
 *   that is not dotted lowercase, an `actorId` that is not a UUID, or over-long text filters.
 */
export async function auditLogPage(
  ctx: TenancyContext,
  args: { first?: number | null; after?: string | null; filter?: AuditLogFilterInput | null },
  withTotal: boolean,
): Promise<Connection<AuditLogRow>> {
  const { firmId } = assertCan(ctx.actor, 'audit:read');
  const page = parsePageArgs({ first: args.first, after: args.after }, AUDIT_CURSOR);
  const c = auditLogConditions(firmId, args.filter ?? {});
  const { rows, total } = await ctx.database.withTenant({ firmId }, async (tx) => ({
    rows:
      page.limit === 0
        ? []
        : await listAuditEntries(tx, {
            ...c,
            beforeSeq: page.cursor ? BigInt(page.cursor[0]) : null,
            limit: page.limit + 1,
          }),
    total: withTotal ? await countAuditEntries(tx, c) : 0,
  }));
  return toConnection(rows, page, (row) => [row.seq.toString()], total);
}

function auditLogConditions(firmId: string, filter: AuditLogFilterInput): AuditLogConditions {
  const actionPrefix = filter.actionPrefix?.trim().replace(/\.$/, '') || null;
  if (actionPrefix !== null && !ACTION_PREFIX.test(actionPrefix)) {
    throw badUserInput('actionPrefix must be a dotted lowercase action, e.g. `auth` or `client.create`.');
  }
  if (filter.actorId != null && !isUuid(filter.actorId)) throw badUserInput('actorId must be an id.');
  for (const [name, value] of [
    ['targetType', filter.targetType],
    ['targetId', filter.targetId],
  ] as const) {
    if (value != null && (value.length > 200 || !isStorableText(value)))
      throw badUserInput(`${name} must be at most 200 allowed characters.`);
  }
  return {
    firmId,
    actionPrefix,
    actorId: filter.actorId ?? null,
    targetType: filter.targetType ?? null,
    targetId: filter.targetId ?? null,
    occurredFrom: filter.occurredFrom ?? null,
    occurredBefore: filter.occurredBefore ?? null,
  };
}

/**
 * Recomputes the active firm's hash chain from its oldest remaining record (in the database, with
 * the same canonical encoding the insert trigger used) and names the first broken link.
 * Requires `audit:read`.
 */
export async function verifyFirmAuditLog(ctx: TenancyContext): Promise<AuditChainCheck> {
  const { firmId } = assertCan(ctx.actor, 'audit:read');
  return ctx.database.withTenant({ firmId }, (tx) => verifyAuditChain(tx, { firmId }));
}

/**
 * Sets how many days the active firm's audit log keeps records, and records the change as
 * `audit.retention.update` (metadata `previousDays`, `retentionDays`). Requires `firm:update`.
 * @returns userErrors INVALID when `retentionDays` is not a whole number from 30 to 36500.
 * @throws NOT_FOUND when the active firm no longer exists.
 */
export async function updateAuditRetention(
  ctx: TenancyContext,
  input: { retentionDays: number },
): Promise<{ firm: FirmRow | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'firm:update');
  const { retentionDays } = input;
  if (
    !Number.isInteger(retentionDays) ||
    retentionDays < AUDIT_RETENTION_DAYS.min ||
    retentionDays > AUDIT_RETENTION_DAYS.max
  ) {
    return {
      firm: null,
      userErrors: [
        {
          field: ['input', 'retentionDays'],
          message: `Keep audit records between ${AUDIT_RETENTION_DAYS.min} and ${AUDIT_RETENTION_DAYS.max} days.`,
          code: 'INVALID',
        },
      ],
    };
  }
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const previousDays = await getAuditRetentionForUpdate(tx, { firmId });
    if (previousDays === undefined) throw notFound('Firm');
    const firm = await setAuditRetention(tx, { firmId, retentionDays });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'audit.retention.update',
      targetType: 'firm',
      targetId: firmId,
      metadata: { previousDays, retentionDays },
    });
    return { firm, userErrors: [] };
  });
}

/**
 * Prunes one firm's audit log: drops the records older than the firm's `auditRetentionDays` and
 * appends an `audit.prune` record (actor SYSTEM) carrying `prunedCount` and the anchor
 * (`prunedThroughSeq`, `lastPrunedHash`) from which verification continues. One transaction.
 * Safe to run at any time and as often as wanted; a scheduler runs it per firm.
 * @param requestId correlates the run's records and logs, e.g. `audit-prune-<uuid>`.
 * @returns how many records were dropped.
 */
export async function pruneFirmAuditLog(
  database: Database,
  { firmId, requestId }: { firmId: string; requestId: string },
): Promise<number> {
  return database.withTenant({ firmId }, (tx) => pruneAuditEntries(tx, { firmId, entryId: newId(), requestId }));
}
