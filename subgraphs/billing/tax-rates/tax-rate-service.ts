import type { Tx } from '../../../db/client.ts';
import type { TaxRateRow } from '../../../db/schema/invoicing.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { CreateTaxRateInput, UpdateTaxRateInput, UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { activeTaxRateNamed, insertTaxRate, listTaxRates, updateTaxRateRow } from './tax-rate-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result of the tax rate mutations. */
export interface TaxRatePayload {
  taxRate: TaxRateRow | null;
  userErrors: UserError[];
}

const MAX_NAME = 100;
/** 100 % in basis points: the highest rate accepted. */
const MAX_BASIS_POINTS = 10_000;

/**
 * A rate in basis points as a percent decimal string without trailing zeros: 2000 is `"20"`, 825
 * `"8.25"`, 5 `"0.05"`, 0 `"0"`. Exact: integer arithmetic only.
 */
export function percentOfBasisPoints(basisPoints: number): string {
  const whole = Math.trunc(basisPoints / 100);
  const fraction = String(Math.abs(basisPoints % 100))
    .padStart(2, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/** The firm's tax rates, active first, then by name. Requires `invoice:read`. */
export async function firmTaxRates(ctx: BillingContext, includeArchived: boolean): Promise<TaxRateRow[]> {
  const { firmId } = assertCan(ctx.actor, 'invoice:read');
  return ctx.database.withTenant({ firmId }, (tx) => listTaxRates(tx, { firmId, includeArchived }));
}

async function duplicateName(tx: Tx, firmId: string, name: string, exceptId: string | null): Promise<UserError[]> {
  return (await activeTaxRateNamed(tx, { firmId, name, exceptId }))
    ? [{ field: ['input', 'name'], message: 'An active tax rate already has this name.', code: 'DUPLICATE' }]
    : [];
}

/**
 * Creates a tax rate, in one transaction. Requires `tax_rate:write`. The name is 1–100 characters
 * and unlike every active rate's (DUPLICATE); the rate is a whole number of basis points from
 * 0 to 10,000, i.e. 0–100 % (OUT_OF_RANGE; the database's `tax_rates_range` holds it too). Audited
 * as `tax_rate.create`.
 */
export async function createTaxRate(ctx: BillingContext, input: CreateTaxRateInput): Promise<TaxRatePayload> {
  const { firmId } = assertCan(ctx.actor, 'tax_rate:write');
  const userErrors: UserError[] = [];
  const name = requiredText(input.name, ['input', 'name'], MAX_NAME, userErrors);
  if (
    !Number.isInteger(input.rateBasisPoints) ||
    input.rateBasisPoints < 0 ||
    input.rateBasisPoints > MAX_BASIS_POINTS
  ) {
    userErrors.push({
      field: ['input', 'rateBasisPoints'],
      message: 'A tax rate is 0 to 10,000 basis points (0 to 100 %).',
      code: 'OUT_OF_RANGE',
    });
  }
  if (userErrors.length > 0) return { taxRate: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const duplicate = await duplicateName(tx, firmId, name, null);
    if (duplicate.length > 0) return { taxRate: null, userErrors: duplicate };
    const taxRate = await insertTaxRate(tx, {
      firmId,
      id: newId(),
      name,
      rateBasisPoints: input.rateBasisPoints,
      inclusive: input.inclusive,
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'tax_rate.create',
      targetType: 'tax_rate',
      targetId: taxRate.id,
      metadata: { rateBasisPoints: taxRate.rateBasisPoints, inclusive: taxRate.inclusive },
    });
    return { taxRate, userErrors: [] };
  });
}

/**
 * Renames a tax rate, in one transaction. Requires `tax_rate:write`. Only the name changes: lines
 * snapshot the rate, so a new rate is a new `TaxRate`. Audited as `tax_rate.update`.
 * @throws NOT_FOUND when the firm has no such rate (another firm's id included).
 */
export async function updateTaxRate(ctx: BillingContext, input: UpdateTaxRateInput): Promise<TaxRatePayload> {
  const { firmId } = assertCan(ctx.actor, 'tax_rate:write');
  if (!isUuid(input.id)) throw notFound('TaxRate');
  const userErrors: UserError[] = [];
  const name = requiredText(input.name, ['input', 'name'], MAX_NAME, userErrors);
  if (userErrors.length > 0) return { taxRate: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const duplicate = await duplicateName(tx, firmId, name, input.id);
    const taxRate = duplicate.length > 0 ? null : await updateTaxRateRow(tx, { firmId, id: input.id }, { name });
    if (!taxRate && duplicate.length === 0) throw notFound('TaxRate');
    if (!taxRate) return { taxRate: null, userErrors: duplicate };
    await recordAudit(tx, ctx, { firmId, action: 'tax_rate.update', targetType: 'tax_rate', targetId: taxRate.id });
    return { taxRate, userErrors: [] };
  });
}

/**
 * Archives a tax rate, in one transaction: it stays on the lines that carry it and can no longer be
 * added to new ones. Requires `tax_rate:write`. Archiving an archived rate changes nothing. Audited
 * as `tax_rate.archive`.
 * @throws NOT_FOUND when the firm has no such rate (another firm's id included).
 */
export async function archiveTaxRate(ctx: BillingContext, id: string): Promise<TaxRatePayload> {
  const { firmId } = assertCan(ctx.actor, 'tax_rate:write');
  if (!isUuid(id)) throw notFound('TaxRate');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const taxRate = await updateTaxRateRow(tx, { firmId, id }, { active: false });
    if (!taxRate) throw notFound('TaxRate');
    await recordAudit(tx, ctx, { firmId, action: 'tax_rate.archive', targetType: 'tax_rate', targetId: id });
    return { taxRate, userErrors: [] };
  });
}
