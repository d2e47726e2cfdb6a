import type { ServiceRow } from '../../../db/schema/time.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type {
  CreateServiceInput,
  SetEngagementBillingArrangementInput,
  UpdateServiceInput,
  UserErrorCode,
} from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { engagementsForTime } from '../billing-crossings.ts';
import type { EntityReference } from '../billing-model.ts';
import type { EngagementBillingArrangementModel } from './catalogue-model.ts';
import {
  getServiceForUpdate,
  getServicesByIds,
  insertService,
  listServices,
  replaceArrangement,
  updateServiceRow,
  type ArrangementRecord,
} from './catalogue-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result of the service mutations. */
export interface ServicePayload {
  service: ServiceRow | null;
  userErrors: UserError[];
}

const MAX_SERVICE_LINES = 50;

/** An engagement's arrangement when none was set: every service hourly. */
const DEFAULT_ARRANGEMENT: ArrangementRecord = { arrangement: 'HOURLY', serviceLines: [] };

/**
 * A service of the active firm, or null (unknown, malformed and other firms' ids alike). Any firm
 * member who may read engagements sees the catalogue, since logging time names a service.
 */
export async function findService(ctx: BillingContext, id: string): Promise<ServiceRow | null> {
  assertCan(ctx.actor, 'engagement:read');
  return isUuid(id) ? ctx.loaders.serviceById.load(id) : null;
}

/** The firm's catalogue by name, or null unless `firm` is the active firm. Requires `engagement:read`. */
export async function firmServices(
  ctx: BillingContext,
  firm: EntityReference,
  includeInactive: boolean,
): Promise<ServiceRow[] | null> {
  const { firmId } = assertCan(ctx.actor, 'engagement:read');
  if (firm.id !== firmId) return null;
  const rows = await ctx.database.withTenant({ firmId }, (tx) => listServices(tx, { firmId, includeInactive }));
  for (const row of rows) ctx.loaders.serviceById.prime(row.id, row);
  return rows;
}

/** Adds a service. Requires `rate:write`; a name the firm already uses is a DUPLICATE user error. */
export async function createService(ctx: BillingContext, input: CreateServiceInput): Promise<ServicePayload> {
  const { firmId } = assertCan(ctx.actor, 'rate:write');
  const userErrors: UserError[] = [];
  const name = requiredText(input.name, ['input', 'name'], 120, userErrors);
  if (userErrors.length > 0) return { service: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const service = await insertService(tx, { firmId, id: newId(), name, billingType: input.billingType });
    if (!service) return { service: null, userErrors: [duplicateName()] };
    await recordAudit(tx, ctx, {
      firmId,
      action: 'service.create',
      targetType: 'service',
      targetId: service.id,
      metadata: { billingType: service.billingType },
    });
    return { service, userErrors: [] };
  });
}

/**
 * Renames, retypes, retires or restores a service. Requires `rate:write`.
 * @throws NOT_FOUND when the active firm has no such service (another firm's id included).
 */
export async function updateService(ctx: BillingContext, input: UpdateServiceInput): Promise<ServicePayload> {
  const { firmId } = assertCan(ctx.actor, 'rate:write');
  if (!isUuid(input.id)) throw notFound('Service');
  const userErrors: UserError[] = [];
  const patch: Partial<Pick<ServiceRow, 'name' | 'billingType' | 'active'>> = {};
  if (input.name != null) patch.name = requiredText(input.name, ['input', 'name'], 120, userErrors);
  if (input.billingType != null) patch.billingType = input.billingType;
  if (input.active != null) patch.active = input.active;
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const current = await getServiceForUpdate(tx, firmId, input.id);
    if (!current) throw notFound('Service');
    if (userErrors.length > 0) return { service: null, userErrors };
    if (Object.keys(patch).length === 0) return { service: current, userErrors: [] };
    const service = await updateServiceRow(tx, firmId, input.id, patch);
    if (!service) return { service: null, userErrors: [duplicateName()] };
    await recordAudit(tx, ctx, {
      firmId,
      action: 'service.update',
      targetType: 'service',
      targetId: service.id,
      metadata: { changed: Object.keys(patch).sort().join(',') },
    });
    return { service, userErrors: [] };
  });
}

function duplicateName(): UserError {
  return { field: ['input', 'name'], message: 'The firm already has a service of this name.', code: 'DUPLICATE' };
}

/** An engagement's billing arrangement; `HOURLY` with no lines until one is set. Requires `engagement:read`. */
export async function engagementArrangement(
  ctx: BillingContext,
  engagement: EntityReference,
): Promise<EngagementBillingArrangementModel> {
  assertCan(ctx.actor, 'engagement:read');
  const record = (isUuid(engagement.id) && (await ctx.loaders.arrangementByEngagement.load(engagement.id))) || null;
  const { arrangement, serviceLines } = record ?? DEFAULT_ARRANGEMENT;
  return {
    arrangement,
    serviceLines: serviceLines.map((line) => ({ service: { id: line.serviceId }, billingType: line.billingType })),
  };
}

/**
 * Sets an engagement's arrangement and replaces its service lines, in one transaction. Requires
 * `engagement:write`. Service lines are for `MIXED` only, each an active-or-retired service of the
 * firm, named once, `HOURLY` or `FIXED_FEE`.
 * @throws NOT_FOUND when the active firm has no such engagement (another firm's id included).
 */
export async function setEngagementBillingArrangement(
  ctx: BillingContext,
  input: SetEngagementBillingArrangementInput,
): Promise<{ engagement: EntityReference | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'engagement:write');
  if (!isUuid(input.engagementId)) throw notFound('Engagement');
  const lines = input.serviceLines ?? [];
  const userErrors: UserError[] = [];
  if (input.arrangement !== 'MIXED' && lines.length > 0) {
    userErrors.push({
      field: ['input', 'serviceLines'],
      message: 'Service lines apply to MIXED arrangements only.',
      code: 'INVALID',
    });
  }
  if (lines.length > MAX_SERVICE_LINES) {
    userErrors.push({
      field: ['input', 'serviceLines'],
      message: `At most ${MAX_SERVICE_LINES} service lines.`,
      code: 'OUT_OF_RANGE',
    });
  }
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const field = ['input', 'serviceLines', String(index)];
    if (line.billingType === 'NON_BILLABLE') {
      userErrors.push({ field, message: 'A service line is HOURLY or FIXED_FEE.', code: 'INVALID' });
    }
    if (seen.has(line.serviceId))
      userErrors.push({ field, message: 'This service is named twice.', code: 'DUPLICATE' });
    seen.add(line.serviceId);
  });
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const engagements = await engagementsForTime(tx, [input.engagementId], null);
    if (!engagements.has(input.engagementId)) throw notFound('Engagement');
    const serviceIds = lines.map((line) => line.serviceId).filter(isUuid);
    const known = new Set((await getServicesByIds(tx, firmId, serviceIds)).map((row) => row.id));
    lines.forEach((line, index) => {
      if (!known.has(line.serviceId)) {
        userErrors.push({
          field: ['input', 'serviceLines', String(index), 'serviceId'],
          message: 'No such service in this firm.',
          code: 'NOT_FOUND',
        });
      }
    });
    if (userErrors.length > 0) return { engagement: null, userErrors };
    await replaceArrangement(tx, firmId, input.engagementId, {
      arrangement: input.arrangement,
      serviceLines: lines.map((line) => ({ serviceId: line.serviceId, billingType: line.billingType })),
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'engagement.billing_arrangement',
      targetType: 'engagement',
      targetId: input.engagementId,
      metadata: { arrangement: input.arrangement, serviceLines: lines.length },
    });
    ctx.loaders.arrangementByEngagement.clear(input.engagementId);
    return { engagement: { id: input.engagementId }, userErrors: [] };
  });
}
