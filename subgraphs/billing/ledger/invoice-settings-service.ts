import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { optionalText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { UpdateInvoiceSettingsInput, UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import type { EntityReference } from '../billing-model.ts';
import {
  getInvoiceSettings,
  saveInvoiceSettings,
  type InvoiceSettingsModel,
  type InvoiceSettingsPatch,
} from './ledger-store.ts';
import { parseNumberFormat } from './number-format.ts';

type UserError = GenericUserError<UserErrorCode>;

/** The firm's invoicing settings (defaults for a firm that never set them); null unless `firm` is the active firm. Requires `invoice:read`. */
export async function firmInvoiceSettings(
  ctx: BillingContext,
  firm: EntityReference,
): Promise<InvoiceSettingsModel | null> {
  const { firmId } = assertCan(ctx.actor, 'invoice:read');
  if (firm.id !== firmId) return null;
  return ctx.database.withTenant({ firmId }, (tx) => getInvoiceSettings(tx, firmId));
}

/**
 * Changes the firm's invoicing settings, in one transaction. Requires `ledger:write`. Omitted
 * fields keep their value; a blank seller name goes back to the firm's name, a blank address or tax
 * id is removed. The number formats must parse (`parseNumberFormat`: INVALID otherwise). Invoices
 * already issued keep what they printed. Audited as `invoice_settings.update` (which fields changed).
 */
export async function updateInvoiceSettings(
  ctx: BillingContext,
  input: UpdateInvoiceSettingsInput,
): Promise<{ invoiceSettings: InvoiceSettingsModel | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'ledger:write');
  const userErrors: UserError[] = [];
  const patch: InvoiceSettingsPatch = {};
  const text = (key: 'sellerName' | 'sellerAddress' | 'sellerTaxId', max: number) => {
    const value = input[key];
    if (value !== undefined) patch[key] = optionalText(value, ['input', key], max, userErrors);
  };
  text('sellerName', 200);
  text('sellerAddress', 1000);
  text('sellerTaxId', 50);
  for (const key of ['invoiceNumberFormat', 'creditNoteNumberFormat'] as const) {
    const value = input[key];
    if (value == null) continue;
    if (parseNumberFormat(value) === null) {
      userErrors.push({
        field: ['input', key],
        message:
          'Use exactly one {SEQ:n} (n from 1 to 9), {YYYY} at most once, and otherwise letters, digits, "-", "/", "_" or "." (at most 40 characters).',
        code: 'INVALID',
      });
    } else patch[key] = value;
  }
  if (input.paymentTerms != null) patch.paymentTerms = input.paymentTerms;
  if (input.timeLineGrouping != null) patch.timeLineGrouping = input.timeLineGrouping;
  if (userErrors.length > 0) return { invoiceSettings: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    await saveInvoiceSettings(tx, firmId, patch);
    await recordAudit(tx, ctx, {
      firmId,
      action: 'invoice_settings.update',
      targetType: 'firm',
      targetId: firmId,
      metadata: { fields: Object.keys(patch).sort().join(',') },
    });
    return { invoiceSettings: await getInvoiceSettings(tx, firmId), userErrors: [] };
  });
}
