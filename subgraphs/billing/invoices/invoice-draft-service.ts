import type { Tx } from '../../../db/client.ts';
import type { InvoiceRow } from '../../../db/schema/billing.ts';
import type {
  InvoiceLineKindValue,
  InvoiceLineRow,
  TaxRateRow,
  TimeLineGroupingValue,
  invoiceLineTaxes,
  invoiceLines,
  invoiceTimeEntries,
} from '../../../db/schema/invoicing.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { parseMinorUnits } from '../../../platform/money.ts';
import { isCheckViolation, isUniqueViolation } from '../../../platform/pg-errors.ts';
import { optionalText, requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type {
  AddInvoiceLineInput,
  CreateInvoiceDraftInput,
  DeleteInvoiceDraftInput,
  InvoiceLineInput,
  RemoveInvoiceLineInput,
  UpdateClientBillingProfileInput,
  UpdateInvoiceDraftInput,
  UpdateInvoiceLineInput,
  UserErrorCode,
} from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { firmMemberNames } from '../billing-crossings.ts';
import { transactOrRefuse, type Refuse } from '../billing-transaction.ts';
import { getServicesByIds } from '../services/catalogue-store.ts';
import { getTaxRatesByIds } from '../tax-rates/tax-rate-store.ts';
import { extendedAmount, formatQuantity, hoursQuantity, lineTax, parseQuantity } from './invoice-math.ts';
import {
  collectBillableTime,
  deleteDraft,
  deleteLine,
  getInvoiceLines,
  insertInvoice,
  insertLines,
  invoicingContext,
  lockInvoice,
  lockLine,
  nextLinePosition,
  refreshDraft,
  replaceLine,
  saveClientBillingProfile,
  type BillableTime,
} from './invoice-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result of the mutations on one invoice. */
export interface InvoicePayload {
  invoice: InvoiceRow | null;
  userErrors: UserError[];
}

/** The most approved time entries one draft collects; a second draft takes the rest. */
const MAX_DRAFT_TIME_ENTRIES = 2000;
/** The most manual lines one request adds. */
const MAX_MANUAL_LINES = 200;
const MAX_DESCRIPTION = 500;
const MAX_NOTE = 2000;
const MAX_ADDRESS = 1000;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const orNil = (id: string) => (isUuid(id) ? id : NIL_UUID);

type LineValues = typeof invoiceLines.$inferInsert;
type LineTaxValues = typeof invoiceLineTaxes.$inferInsert;

/** A line ready to insert, with its taxes (and, for TIME lines, the entries it bills). */
interface BuiltLine {
  line: LineValues & { id: string };
  taxes: LineTaxValues[];
  timeEntryIds: string[];
}

/**
 * The line's tax and tax rows under `rates`, on its billed amount (`lineTax`, rounded per line and
 * rate), with each rate's name, basis points and kind snapshotted.
 */
function withTaxes(line: LineValues & { id: string }, rates: readonly TaxRateRow[]): BuiltLine {
  const tax = lineTax(line.amountMinor, rates);
  return {
    line: { ...line, taxMinor: tax.inclusiveMinor + tax.exclusiveMinor, exclusiveTaxMinor: tax.exclusiveMinor },
    taxes: rates.map((rate, index) => ({
      firmId: line.firmId,
      lineId: line.id,
      taxRateId: rate.id,
      invoiceId: line.invoiceId,
      name: rate.name,
      rateBasisPoints: rate.rateBasisPoints,
      inclusive: rate.inclusive,
      taxMinor: tax.perRate[index]!,
    })),
    timeEntryIds: [],
  };
}

/**
 * Groups approved time into TIME lines the firm's way (`timeLineGrouping`): one line per entry, per
 * service, or per staff member and service, in the order the time was worked. A line's standard
 * value is the sum of its entries' snapshotted values; its unit amount is their hourly rate when
 * they share one; its quantity is its hours (`hoursQuantity`).
 */
function groupTime(
  entries: readonly BillableTime[],
  grouping: TimeLineGroupingValue,
  staffNames: ReadonlyMap<string, string>,
): {
  key: string;
  description: string;
  serviceId: string;
  userId: string | null;
  engagementId: string | null;
  entries: BillableTime[];
}[] {
  const groups = new Map<string, ReturnType<typeof groupTime>[number]>();
  for (const entry of entries) {
    const key =
      grouping === 'PER_ENTRY'
        ? entry.id
        : grouping === 'PER_SERVICE'
          ? entry.serviceId
          : `${entry.userId}:${entry.serviceId}`;
    let group = groups.get(key);
    if (!group) {
      const description =
        grouping === 'PER_ENTRY'
          ? `${entry.serviceName}, ${entry.workDate}`
          : grouping === 'PER_SERVICE'
            ? entry.serviceName
            : `${entry.serviceName} — ${staffNames.get(entry.userId) ?? 'Staff'}`;
      group = {
        key,
        description,
        serviceId: entry.serviceId,
        userId: grouping === 'PER_SERVICE' ? null : entry.userId,
        engagementId: grouping === 'PER_ENTRY' ? entry.engagementId : null,
        entries: [],
      };
      groups.set(key, group);
    }
    group.entries.push(entry);
  }
  return [...groups.values()];
}

/** TIME lines of the groups, starting at `position`. */
function timeLines(
  firmId: string,
  invoiceId: string,
  groups: ReturnType<typeof groupTime>,
  position: number,
): BuiltLine[] {
  return groups.map((group, index) => {
    const minutes = group.entries.reduce((sum, entry) => sum + entry.minutes, 0);
    const standardMinor = group.entries.reduce((sum, entry) => sum + entry.valueMinor, 0n);
    const rates = new Set(group.entries.map((entry) => entry.rateHourlyMinor));
    const built = withTaxes(
      {
        firmId,
        id: newId(),
        invoiceId,
        position: position + index,
        kind: 'TIME',
        description: group.description,
        serviceId: group.serviceId,
        userId: group.userId,
        engagementId: group.engagementId,
        minutes,
        quantity: formatQuantity(hoursQuantity(minutes)),
        unitAmountMinor: rates.size === 1 ? group.entries[0]!.rateHourlyMinor : null,
        standardMinor,
        amountMinor: standardMinor,
      },
      [],
    );
    return { ...built, timeEntryIds: group.entries.map((entry) => entry.id) };
  });
}

/** What a manual line's checks need from the database: the tax rates and services its input names. */
interface ManualLineLookups {
  rates: ReadonlyMap<string, TaxRateRow>;
  serviceIds: ReadonlySet<string>;
}

/** Reads the tax rates and services manual lines name, in one statement each (none when nothing is named). */
async function lookupsFor(
  tx: Tx,
  firmId: string,
  inputs: readonly Pick<InvoiceLineInput, 'taxRateIds' | 'serviceId'>[],
): Promise<ManualLineLookups> {
  const rateIds = [...new Set(inputs.flatMap((input) => input.taxRateIds ?? []).filter(isUuid))];
  const serviceIds = [
    ...new Set(inputs.map((input) => input.serviceId).filter((id): id is string => !!id && isUuid(id))),
  ];
  const [rates, services] = await Promise.all([
    getTaxRatesByIds(tx, { firmId, ids: rateIds }),
    serviceIds.length > 0 ? getServicesByIds(tx, firmId, serviceIds) : Promise.resolve([]),
  ]);
  return { rates: new Map(rates.map((rate) => [rate.id, rate])), serviceIds: new Set(services.map((s) => s.id)) };
}

/** The tax rates named by `ids`, checked: each the firm's, active, and named once. */
function checkTaxRates(
  ids: readonly string[],
  lookups: ManualLineLookups,
  field: string[],
  errors: UserError[],
): TaxRateRow[] {
  if (new Set(ids).size !== ids.length) {
    errors.push({ field, message: 'A tax rate is named twice.', code: 'DUPLICATE' });
    return [];
  }
  const rates: TaxRateRow[] = [];
  for (const [index, id] of ids.entries()) {
    const rate = lookups.rates.get(id);
    if (!rate)
      errors.push({ field: [...field, String(index)], message: 'No such tax rate in this firm.', code: 'NOT_FOUND' });
    else if (!rate.active)
      errors.push({ field: [...field, String(index)], message: 'This tax rate is retired.', code: 'NOT_ACTIVE' });
    else rates.push(rate);
  }
  return rates;
}

/** Parses an amount in major units of `currency`, not negative; pushes INVALID and returns null otherwise. */
function parseAmount(value: string, currency: string, field: string[], errors: UserError[]): bigint | null {
  const minor = parseMinorUnits(value, currency);
  if (minor === null || minor < 0n) {
    errors.push({
      field,
      message: `Enter an amount of at least 0 in ${currency}, with at most its minor-unit digits.`,
      code: 'INVALID',
    });
    return null;
  }
  return minor;
}

/** Parses a quantity (positive, at most 4 decimals); pushes INVALID and returns null otherwise. */
function checkQuantity(value: string, field: string[], errors: UserError[]): bigint | null {
  const quantity = parseQuantity(value);
  if (quantity === null || quantity === 0n) {
    errors.push({ field, message: 'Enter a quantity above 0 with at most 4 decimals.', code: 'INVALID' });
    return null;
  }
  return quantity;
}

/** A manual line's standard value: quantity × unit amount, half-up, negative for a discount. */
const manualStandard = (kind: InvoiceLineKindValue, quantity: bigint, unitAmountMinor: bigint) => {
  const value = extendedAmount(quantity, unitAmountMinor);
  return kind === 'DISCOUNT' ? -value : value;
};

/** Checks one manual line's input and builds it; pushes user errors under `field` and returns null when it fails. */
function buildManualLine(
  input: InvoiceLineInput,
  field: string[],
  context: { firmId: string; invoiceId: string; currency: string; position: number; lookups: ManualLineLookups },
  errors: UserError[],
): BuiltLine | null {
  const before = errors.length;
  if (input.kind === 'TIME') {
    errors.push({
      field: [...field, 'kind'],
      message: 'TIME lines come only from approved time; add SERVICE, EXPENSE or DISCOUNT lines.',
      code: 'INVALID',
    });
  }
  const description = requiredText(input.description, [...field, 'description'], MAX_DESCRIPTION, errors);
  const quantity = checkQuantity(input.quantity ?? '1', [...field, 'quantity'], errors);
  const unitAmountMinor = parseAmount(input.unitAmount, context.currency, [...field, 'unitAmount'], errors);
  const rates = checkTaxRates(input.taxRateIds ?? [], context.lookups, [...field, 'taxRateIds'], errors);
  if (input.serviceId && !context.lookups.serviceIds.has(input.serviceId)) {
    errors.push({ field: [...field, 'serviceId'], message: 'No such service in this firm.', code: 'NOT_FOUND' });
  }
  if (errors.length > before || quantity === null || unitAmountMinor === null) return null;
  const standardMinor = manualStandard(input.kind, quantity, unitAmountMinor);
  return withTaxes(
    {
      firmId: context.firmId,
      id: newId(),
      invoiceId: context.invoiceId,
      position: context.position,
      kind: input.kind,
      description,
      serviceId: input.serviceId ?? null,
      quantity: formatQuantity(quantity),
      unitAmountMinor,
      standardMinor,
      amountMinor: standardMinor,
    },
    rates,
  );
}

/** The inserts of built lines. */
function partsOf(built: readonly BuiltLine[]) {
  return {
    lines: built.map((b) => b.line),
    taxes: built.flatMap((b) => b.taxes),
    timeEntries: built.flatMap((b) =>
      b.timeEntryIds.map((timeEntryId): typeof invoiceTimeEntries.$inferInsert => ({
        firmId: b.line.firmId,
        invoiceId: b.line.invoiceId,
        lineId: b.line.id,
        timeEntryId,
      })),
    ),
  };
}

/**
 * Answers the database's refusals a draft change can meet: time another draft took meanwhile
 * (`invoice_time_entries_live_key`) and discounts taking the total below zero (`invoices_amounts_valid`).
 */
function draftRefusal(error: unknown): InvoicePayload | null {
  if (isUniqueViolation(error, 'invoice_time_entries_live_key')) {
    return {
      invoice: null,
      userErrors: [
        { field: [], message: 'Some of this time was just put on another invoice; try again.', code: 'DUPLICATE' },
      ],
    };
  }
  if (isCheckViolation(error, 'invoices_amounts_valid') || isCheckViolation(error, 'invoice_lines_sign')) {
    return {
      invoice: null,
      userErrors: [{ field: [], message: 'Discounts may not take the total below zero.', code: 'OUT_OF_RANGE' }],
    };
  }
  return null;
}

const notFoundError = (field: string[], what: string): UserError => ({
  field,
  message: `No such ${what} in this firm.`,
  code: 'NOT_FOUND',
});

const notDraft = (field: string[]): UserError => ({
  field,
  message: 'Only a DRAFT invoice can be changed; void it or issue a credit note instead.',
  code: 'NOT_EDITABLE',
});

/**
 * Creates a draft for a client: its approved, billable, unbilled time (of `engagementIds`, worked
 * on or before `timeThrough`; at most `MAX_DRAFT_TIME_ENTRIES` entries, oldest first) grouped the
 * firm's way (`groupTime`), then the manual lines. The invoice's currency is the client's: time
 * recorded in another currency is left out (FirmGraph converts no currencies). One transaction.
 * Requires `invoice:write`. User errors: the client unknown (NOT_FOUND) or archived
 * (CLIENT_ARCHIVED), a bad manual line, a total below zero; nothing is written then.
 */
export async function createInvoiceDraft(ctx: BillingContext, input: CreateInvoiceDraftInput): Promise<InvoicePayload> {
  const actor = assertCan(ctx.actor, 'invoice:write');
  const { firmId } = actor;
  const userErrors: UserError[] = [];
  const memo = optionalText(input.memo, ['input', 'memo'], MAX_NOTE, userErrors);
  const internalNote = optionalText(input.internalNote, ['input', 'internalNote'], MAX_NOTE, userErrors);
  const manual = input.lines ?? [];
  if (manual.length > MAX_MANUAL_LINES) {
    userErrors.push({
      field: ['input', 'lines'],
      message: `At most ${MAX_MANUAL_LINES} lines at once.`,
      code: 'OUT_OF_RANGE',
    });
  }
  const engagementIds = input.engagementIds ?? null;
  if (engagementIds && engagementIds.length > 1000) {
    userErrors.push({ field: ['input', 'engagementIds'], message: 'At most 1000 engagements.', code: 'OUT_OF_RANGE' });
  }
  if (userErrors.length > 0) return { invoice: null, userErrors };
  return transactOrRefuse(
    ctx.database,
    firmId,
    async (tx) => {
      const context = await invoicingContext(tx, { firmId, clientId: orNil(input.clientId) });
      const client = context.client;
      if (!client) return { invoice: null, userErrors: [notFoundError(['input', 'clientId'], 'client')] };
      if (client.status === 'ARCHIVED') {
        return {
          invoice: null,
          userErrors: [{ field: ['input', 'clientId'], message: 'This client is archived.', code: 'CLIENT_ARCHIVED' }],
        };
      }
      const invoiceId = newId();
      const lookups = await lookupsFor(tx, firmId, manual);
      const time = await collectBillableTime(tx, {
        firmId,
        clientId: input.clientId,
        currency: client.currency,
        engagementIds: engagementIds ? engagementIds.filter(isUuid) : null,
        through: input.timeThrough ?? null,
        limit: MAX_DRAFT_TIME_ENTRIES,
      });
      const staffNames =
        context.settings.timeLineGrouping === 'PER_STAFF_AND_SERVICE'
          ? await firmMemberNames(tx, [...new Set(time.map((entry) => entry.userId))])
          : new Map<string, string>();
      const built = timeLines(firmId, invoiceId, groupTime(time, context.settings.timeLineGrouping, staffNames), 1);
      manual.forEach((line, index) => {
        const manualLine = buildManualLine(
          line,
          ['input', 'lines', String(index)],
          { firmId, invoiceId, currency: client.currency, position: built.length + 1, lookups },
          userErrors,
        );
        if (manualLine) built.push(manualLine);
      });
      if (userErrors.length > 0) return { invoice: null, userErrors };
      await insertInvoice(tx, {
        firmId,
        id: invoiceId,
        clientId: input.clientId,
        currency: client.currency,
        paymentTerms: input.paymentTerms ?? client.paymentTerms ?? context.settings.paymentTerms,
        totalMinor: 0n,
        memo,
        internalNote,
        createdById: actor.kind === 'STAFF' ? actor.userId : null,
      });
      await insertLines(tx, partsOf(built));
      const invoice = await refreshDraft(tx, { firmId, invoiceId });
      await recordAudit(tx, ctx, {
        firmId,
        action: 'invoice.draft_create',
        targetType: 'invoice',
        targetId: invoiceId,
        metadata: { clientId: input.clientId, lines: built.length, timeEntries: time.length },
      });
      return { invoice, userErrors: [] };
    },
    draftRefusal,
  );
}

/**
 * Runs a change of one draft: locks the invoice (NOT_FOUND unless the firm's, NOT_EDITABLE unless
 * DRAFT), runs `change`, then recomputes the draft's totals. Requires `invoice:write`. One transaction.
 */
async function changeDraft(
  ctx: BillingContext,
  target: { invoiceId?: string; lineId?: string },
  change: (
    tx: Tx,
    draft: { invoice: InvoiceRow; line: InvoiceLineRow | null },
    refuse: Refuse<InvoicePayload>,
  ) => Promise<Partial<InvoiceRow> | void>,
): Promise<InvoicePayload> {
  const { firmId } = assertCan(ctx.actor, 'invoice:write');
  const field = ['input', target.lineId !== undefined ? 'lineId' : 'invoiceId'];
  return transactOrRefuse(
    ctx.database,
    firmId,
    async (tx: Tx, refuse: Refuse<InvoicePayload>) => {
      let invoice: InvoiceRow | null;
      let line: InvoiceLineRow | null = null;
      if (target.lineId !== undefined) {
        const found = await lockLine(tx, { firmId, lineId: orNil(target.lineId) });
        invoice = found?.invoice ?? null;
        line = found?.line ?? null;
        if (!found) return { invoice: null, userErrors: [notFoundError(field, 'invoice line')] };
      } else {
        invoice = await lockInvoice(tx, { firmId, invoiceId: orNil(target.invoiceId!) });
        if (!invoice) return { invoice: null, userErrors: [notFoundError(field, 'invoice')] };
      }
      if (invoice!.status !== 'DRAFT') return { invoice: null, userErrors: [notDraft(field)] };
      const changes = (await change(tx, { invoice: invoice!, line }, refuse)) ?? {};
      const updated = await refreshDraft(tx, { firmId, invoiceId: invoice!.id, changes });
      return { invoice: updated, userErrors: [] };
    },
    draftRefusal,
  );
}

/** Changes a draft's payment terms and notes (`''` clears a note). Requires `invoice:write`. */
export async function updateInvoiceDraft(ctx: BillingContext, input: UpdateInvoiceDraftInput): Promise<InvoicePayload> {
  return changeDraft(ctx, { invoiceId: input.invoiceId }, async (_tx: Tx, _draft, refuse: Refuse<InvoicePayload>) => {
    const userErrors: UserError[] = [];
    const changes: Partial<InvoiceRow> = {};
    if (input.paymentTerms != null) changes.paymentTerms = input.paymentTerms;
    if (input.memo != null) changes.memo = optionalText(input.memo, ['input', 'memo'], MAX_NOTE, userErrors);
    if (input.internalNote != null) {
      changes.internalNote = optionalText(input.internalNote, ['input', 'internalNote'], MAX_NOTE, userErrors);
    }
    if (userErrors.length > 0) refuse({ invoice: null, userErrors });
    return changes;
  });
}

/** Adds a manual line at the end of a draft. Requires `invoice:write`. */
export async function addInvoiceLine(ctx: BillingContext, input: AddInvoiceLineInput): Promise<InvoicePayload> {
  return changeDraft(
    ctx,
    { invoiceId: input.invoiceId },
    async (tx: Tx, { invoice }, refuse: Refuse<InvoicePayload>) => {
      const userErrors: UserError[] = [];
      const lookups = await lookupsFor(tx, invoice.firmId, [input.line]);
      const built = buildManualLine(
        input.line,
        ['input', 'line'],
        { firmId: invoice.firmId, invoiceId: invoice.id, currency: invoice.currency, position: 0, lookups },
        userErrors,
      );
      if (!built) refuse({ invoice: null, userErrors });
      const parts = partsOf([{ ...built, line: { ...built.line, position: await nextLinePosition(tx, invoice) } }]);
      await insertLines(tx, parts);
    },
  );
}

/**
 * Changes a line of a draft: its description, a manual line's quantity and unit amount (its
 * standard value follows), the billed amount (a write-up or write-down, which needs a reason; null
 * returns it to standard), and its tax rates. A TIME line's hours come from its time and do not
 * change here. Requires `invoice:write`.
 */
export async function updateInvoiceLine(ctx: BillingContext, input: UpdateInvoiceLineInput): Promise<InvoicePayload> {
  return changeDraft(
    ctx,
    { lineId: input.lineId },
    async (tx: Tx, { invoice, line }, refuse: Refuse<InvoicePayload>) => {
      const current = line!;
      const userErrors: UserError[] = [];
      const description =
        input.description != null
          ? requiredText(input.description, ['input', 'description'], MAX_DESCRIPTION, userErrors)
          : current.description;
      let quantity = parseQuantity(current.quantity)!;
      let unitAmountMinor = current.unitAmountMinor;
      if (current.kind === 'TIME' && (input.quantity != null || input.unitAmount != null)) {
        userErrors.push({
          field: ['input', input.quantity != null ? 'quantity' : 'unitAmount'],
          message: "A TIME line's hours and rates come from its time; change its amount instead.",
          code: 'INVALID',
        });
      }
      if (current.kind !== 'TIME') {
        if (input.quantity != null)
          quantity = checkQuantity(input.quantity, ['input', 'quantity'], userErrors) ?? quantity;
        if (input.unitAmount != null) {
          unitAmountMinor = parseAmount(input.unitAmount, invoice.currency, ['input', 'unitAmount'], userErrors);
        }
      }
      const standardMinor =
        current.kind === 'TIME' ? current.standardMinor : manualStandard(current.kind, quantity, unitAmountMinor ?? 0n);
      const wasAdjusted = current.amountMinor !== current.standardMinor;
      let amountMinor = wasAdjusted ? current.amountMinor : standardMinor;
      if (input.amount !== undefined) {
        const given =
          input.amount === null ? null : parseAmount(input.amount, invoice.currency, ['input', 'amount'], userErrors);
        amountMinor = given === null ? standardMinor : current.kind === 'DISCOUNT' ? -given : given;
      }
      const adjusted = amountMinor !== standardMinor;
      const adjustmentReason = adjusted ? (input.adjustmentReason ?? current.adjustmentReason) : null;
      if (adjusted && !adjustmentReason) {
        userErrors.push({
          field: ['input', 'adjustmentReason'],
          message: 'Say why the amount differs from the standard value.',
          code: 'REQUIRED',
        });
      }
      const adjustmentNote = adjusted
        ? input.adjustmentNote !== undefined
          ? optionalText(input.adjustmentNote, ['input', 'adjustmentNote'], MAX_NOTE, userErrors)
          : current.adjustmentNote
        : null;
      let rates: TaxRateRow[];
      if (input.taxRateIds != null) {
        const lookups = await lookupsFor(tx, invoice.firmId, [{ taxRateIds: input.taxRateIds }]);
        rates = checkTaxRates(input.taxRateIds, lookups, ['input', 'taxRateIds'], userErrors);
      } else {
        rates = await currentRates(tx, current);
      }
      if (userErrors.length > 0) refuse({ invoice: null, userErrors });
      const built = withTaxes(
        {
          ...current,
          description,
          quantity: formatQuantity(quantity),
          unitAmountMinor,
          standardMinor,
          amountMinor,
          adjustmentReason,
          adjustmentNote,
        },
        rates,
      );
      await replaceLine(tx, built.line, built.taxes);
    },
  );
}

/** The tax rates a line applies now (by its snapshotted line taxes' rate ids). */
async function currentRates(tx: Tx, line: InvoiceLineRow): Promise<TaxRateRow[]> {
  const { taxes } = await getInvoiceLines(tx, { firmId: line.firmId, invoiceIds: [line.invoiceId] });
  const ids = taxes.filter((tax) => tax.lineId === line.id).map((tax) => tax.taxRateId);
  return getTaxRatesByIds(tx, { firmId: line.firmId, ids });
}

/** Removes a line from a draft; a TIME line's time is unbilled again. Requires `invoice:write`. */
export async function removeInvoiceLine(ctx: BillingContext, input: RemoveInvoiceLineInput): Promise<InvoicePayload> {
  return changeDraft(ctx, { lineId: input.lineId }, async (tx, { line }) => {
    await deleteLine(tx, { firmId: line!.firmId, lineId: line!.id });
  });
}

/** Result of `deleteInvoiceDraft`. */
export interface DeleteInvoiceDraftPayload {
  deletedInvoiceId: string | null;
  userErrors: UserError[];
}

/** Deletes a draft with its lines; its time is unbilled again. Requires `invoice:write`. */
export async function deleteInvoiceDraft(
  ctx: BillingContext,
  input: DeleteInvoiceDraftInput,
): Promise<DeleteInvoiceDraftPayload> {
  const { firmId } = assertCan(ctx.actor, 'invoice:write');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const invoice = await lockInvoice(tx, { firmId, invoiceId: orNil(input.invoiceId) });
    if (!invoice) return { deletedInvoiceId: null, userErrors: [notFoundError(['input', 'invoiceId'], 'invoice')] };
    if (invoice.status !== 'DRAFT') return { deletedInvoiceId: null, userErrors: [notDraft(['input', 'invoiceId'])] };
    await deleteDraft(tx, { firmId, invoiceId: invoice.id });
    await recordAudit(tx, ctx, { firmId, action: 'invoice.draft_delete', targetType: 'invoice', targetId: invoice.id });
    return { deletedInvoiceId: invoice.id, userErrors: [] };
  });
}

/** Result of `updateClientBillingProfile`. */
export interface ClientBillingProfilePayload {
  client: { id: string } | null;
  userErrors: UserError[];
}

/**
 * Changes the billing address, tax id and payment terms printed on a client's invoices (`''`
 * clears a text). Requires `invoice:write`. A client the firm does not have is NOT_FOUND.
 */
export async function updateClientBillingProfile(
  ctx: BillingContext,
  input: UpdateClientBillingProfileInput,
): Promise<ClientBillingProfilePayload> {
  const { firmId } = assertCan(ctx.actor, 'invoice:write');
  const userErrors: UserError[] = [];
  const changes: Record<string, unknown> = {};
  if (input.billingAddress != null) {
    const address = optionalText(input.billingAddress, ['input', 'billingAddress'], MAX_ADDRESS, userErrors);
    if (address && address.split('\n').length > 8) {
      userErrors.push({ field: ['input', 'billingAddress'], message: 'At most 8 lines.', code: 'TOO_LONG' });
    }
    changes.billingAddress = address;
  }
  if (input.taxId != null) changes.taxId = optionalText(input.taxId, ['input', 'taxId'], 100, userErrors);
  if (input.paymentTerms != null) changes.paymentTerms = input.paymentTerms;
  if (input.clearPaymentTerms) changes.paymentTerms = null;
  if (userErrors.length > 0) return { client: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const context = await invoicingContext(tx, { firmId, clientId: orNil(input.clientId) });
    if (!context.client) return { client: null, userErrors: [notFoundError(['input', 'clientId'], 'client')] };
    await saveClientBillingProfile(tx, { firmId, clientId: input.clientId, changes });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'client.billing_profile',
      targetType: 'client',
      targetId: input.clientId,
    });
    return { client: { id: input.clientId }, userErrors: [] };
  });
}
