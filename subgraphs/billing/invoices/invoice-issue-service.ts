import type { Tx } from '../../../db/client.ts';
import type { InvoiceRow } from '../../../db/schema/billing.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan, type FirmActor } from '../../../platform/authz.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { enqueueEvents } from '../../../platform/outbox.ts';
import { requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { IssueInvoiceInput, UserErrorCode, VoidInvoiceInput } from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { transactOrRefuse, type Refuse } from '../billing-transaction.ts';
import { claimIdempotencyKey, fingerprintOf, isValidIdempotencyKey } from '../idempotency.ts';
import { insertJournalEntry, type PostingLine } from '../ledger/journal-store.ts';
import { isPeriodLocked } from '../ledger/posting-rules.ts';
import { periodLockedError } from '../ledger/period-lock-service.ts';
import type { InvoicePayload } from './invoice-draft-service.ts';
import { formatDocumentNumber } from '../ledger/number-format.ts';
import { dueDateOf, invoiceDocumentOf, numberFormatOf, partySnapshot, sellerOf } from './invoice-document.ts';
import { pdfSha256, renderInvoicePdf } from './invoice-pdf.ts';
import {
  countLiveTime,
  entryLines,
  getInvoiceLines,
  getInvoicesByIds,
  invoicingContext,
  lockInvoice,
  serviceRevenueAccounts,
  setInvoiceTimeStatus,
  takeNextNumber,
  updateInvoiceRow,
} from './invoice-store.ts';

type UserError = GenericUserError<UserErrorCode>;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_REASON = 1000;

/** The staff user behind the actor, or null (an API key). */
const userIdOf = (actor: FirmActor) => (actor.kind === 'STAFF' ? actor.userId : null);

/** The answer to a date the database refused as being in a closed period (`isPeriodLocked`). */
export function periodLockedRefusal(field: string[]) {
  return (error: unknown) =>
    isPeriodLocked(error)
      ? {
          userErrors: [
            { field, message: 'This date is in a closed accounting period.', code: 'PERIOD_LOCKED' as const },
          ],
        }
      : null;
}

/** A refusal of one field. */
const refusal = (field: string[], message: string, code: UserErrorCode): InvoicePayload => ({
  invoice: null,
  userErrors: [{ field, message, code }],
});

/**
 * The journal lines of an invoice's issue (`INVOICE_ISSUED`): the receivable debited with the total
 * (client and invoice on the line), each revenue account credited with the net of its lines (a
 * service's own revenue account when the firm has one, else REVENUE; a discount reduces it), and
 * tax payable credited with all tax. Σ nets + Σ tax = subtotal + exclusive tax = total, so the entry
 * balances by construction (and the database checks it at commit).
 */
export function issuePostingLines(
  invoice: Pick<InvoiceRow, 'id' | 'clientId' | 'currency' | 'totalMinor' | 'taxMinor'>,
  lines: readonly { serviceId: string | null; amountMinor: bigint; taxMinor: bigint; exclusiveTaxMinor: bigint }[],
  revenueAccounts: ReadonlyMap<string, string>,
): PostingLine[] {
  const common = { currency: invoice.currency, clientId: invoice.clientId, invoiceId: invoice.id };
  const revenue = new Map<string, bigint>();
  for (const line of lines) {
    const account = (line.serviceId && revenueAccounts.get(line.serviceId)) || 'REVENUE';
    const net = line.amountMinor - (line.taxMinor - line.exclusiveTaxMinor);
    revenue.set(account, (revenue.get(account) ?? 0n) + net);
  }
  const posting: PostingLine[] = [{ account: 'ACCOUNTS_RECEIVABLE', amountMinor: invoice.totalMinor, ...common }];
  for (const [account, net] of revenue) {
    if (net !== 0n) {
      posting.push({
        account: account === 'REVENUE' ? 'REVENUE' : { accountId: account },
        amountMinor: -net,
        ...common,
      });
    }
  }
  if (invoice.taxMinor !== 0n) posting.push({ account: 'TAX_PAYABLE', amountMinor: -invoice.taxMinor, ...common });
  return posting;
}

/**
 * Issues a draft, all in one transaction: claims the idempotency key (a replay answers with the
 * first result; the same key with other input is CONFLICT), takes the next gapless number of the
 * firm's counter (`takeNextNumber`; a rollback gives it back), sets the issue date (today in the
 * firm's time zone by default) and the due date from the payment terms, snapshots the seller and
 * the client, renders the PDF and stores its SHA-256, marks the time BILLED, posts `INVOICE_ISSUED`
 * (`issuePostingLines`), writes the `invoice.issued` event and the audit record.
 * Requires `invoice:issue`. User errors, with nothing written: an unknown invoice (NOT_FOUND, as
 * another firm's), not a DRAFT (NOT_EDITABLE), no lines or a total not above zero (EMPTY_INVOICE),
 * an archived client (CLIENT_ARCHIVED), a client whose currency changed (CURRENCY_MISMATCH), a date
 * in a closed period (PERIOD_LOCKED), a malformed key (INVALID).
 */
export async function issueInvoice(ctx: BillingContext, input: IssueInvoiceInput): Promise<InvoicePayload> {
  const actor = assertCan(ctx.actor, 'invoice:issue');
  const { firmId } = actor;
  if (!isValidIdempotencyKey(input.idempotencyKey)) {
    return refusal(['input', 'idempotencyKey'], 'Use 1 to 255 characters.', 'INVALID');
  }
  const invoiceId = isUuid(input.invoiceId) ? input.invoiceId : NIL_UUID;
  const field = ['input', 'invoiceId'];
  return transactOrRefuse<InvoicePayload>(
    ctx.database,
    firmId,
    async (tx: Tx, refuse: Refuse<InvoicePayload>) => {
      const replayOf = await claimIdempotencyKey(tx, {
        firmId,
        operation: 'issueInvoice',
        key: input.idempotencyKey,
        fingerprint: fingerprintOf([input.invoiceId, input.issueDate ?? null]),
        resultId: invoiceId,
      });
      if (replayOf) {
        const [first] = await getInvoicesByIds(tx, { firmId, invoiceIds: [replayOf] });
        return { invoice: first ?? null, userErrors: [] };
      }
      const draft = await lockInvoice(tx, { firmId, invoiceId });
      if (!draft) refuse(refusal(field, 'No such invoice in this firm.', 'NOT_FOUND'));
      if (draft.status !== 'DRAFT') refuse(refusal(field, 'Only a DRAFT invoice can be issued.', 'NOT_EDITABLE'));
      const context = await invoicingContext(tx, { firmId, clientId: draft.clientId });
      const client = context.client;
      if (!client) refuse(refusal(field, "The invoice's client no longer exists.", 'NOT_FOUND'));
      if (client.status === 'ARCHIVED') refuse(refusal(field, 'The client is archived.', 'CLIENT_ARCHIVED'));
      if (client.currency !== draft.currency) {
        refuse(
          refusal(field, `The client is now billed in ${client.currency}; create a new draft.`, 'CURRENCY_MISMATCH'),
        );
      }
      const { lines, taxes } = await getInvoiceLines(tx, { firmId, invoiceIds: [invoiceId] });
      if (lines.length === 0 || draft.totalMinor <= 0n) {
        refuse(refusal(field, 'The invoice has no lines, or its total is not above zero.', 'EMPTY_INVOICE'));
      }
      const issueDate = input.issueDate ?? context.today;
      if (context.lockedThrough !== null && issueDate <= context.lockedThrough) {
        refuse({
          invoice: null,
          userErrors: [periodLockedError(['input', 'issueDate'], context.lockedThrough, issueDate)],
        });
      }
      const year = Number(issueDate.slice(0, 4));
      const format = numberFormatOf(context.settings.invoiceNumberFormat);
      const sequence = await takeNextNumber(tx, { firmId, document: 'INVOICE', year: format.yearly ? year : 0 });
      const issued = {
        ...draft,
        number: formatDocumentNumber(format, year, sequence),
        issueDate,
        dueDate: dueDateOf(issueDate, draft.paymentTerms),
        seller: sellerOf(context),
        billTo: partySnapshot(client.name, client.billingAddress, client.taxId),
      };
      const pdf = await renderInvoicePdf(invoiceDocumentOf(issued, lines, taxes));
      const invoice = await updateInvoiceRow(
        tx,
        { firmId, invoiceId },
        {
          status: 'OPEN',
          number: issued.number,
          issueDate,
          dueDate: issued.dueDate,
          seller: issued.seller,
          billTo: issued.billTo,
          pdfSha256: pdfSha256(pdf),
          amountDueMinor: draft.totalMinor,
          issuedAt: new Date(),
          issuedById: userIdOf(actor),
        },
      );
      const held = await countLiveTime(tx, { firmId, invoiceId });
      const billed = await setInvoiceTimeStatus(tx, { firmId, invoiceId, to: 'BILLED' });
      // Time on a draft stays APPROVED (no time mutation moves it out), so this holds; checked, not assumed.
      if (billed !== held)
        throw new Error(`invoice ${invoiceId}: ${held - billed} of its time entries are not APPROVED`);
      const revenueAccounts = await serviceRevenueAccounts(tx, {
        firmId,
        serviceIds: [...new Set(lines.map((line) => line.serviceId).filter((id): id is string => id !== null))],
      });
      await insertJournalEntry(tx, {
        firmId,
        entryId: newId(),
        kind: 'INVOICE_ISSUED',
        sourceType: 'INVOICE',
        sourceId: invoiceId,
        accountingDate: issueDate,
        memo: `Invoice ${issued.number}`,
        postedById: userIdOf(actor),
        lines: issuePostingLines(invoice, lines, revenueAccounts),
      });
      await enqueueEvents(tx, 'billing', [
        { firmId, topic: 'invoice.issued', payload: { invoiceId, clientId: invoice.clientId } },
      ]);
      await recordAudit(tx, ctx, {
        firmId,
        action: 'invoice.issue',
        targetType: 'invoice',
        targetId: invoiceId,
        metadata: { number: issued.number, total: invoice.totalMinor.toString(), currency: invoice.currency },
      });
      return { invoice, userErrors: [] };
    },
    (error) => {
      const locked = periodLockedRefusal(['input', 'issueDate'])(error);
      return locked ? { invoice: null, ...locked } : null;
    },
  );
}

/**
 * Voids an issued invoice that nothing has paid or credited: posts `INVOICE_VOIDED`, the exact
 * reversal of its issue entry, dated `voidDate` (today in the firm's time zone by default); sets it
 * VOID with the reason (its number stays: a void leaves no gap); returns its time to APPROVED and
 * unbilled; writes `invoice.voided` and the audit record. One transaction. Requires `invoice:void`.
 * User errors, nothing written: unknown (NOT_FOUND), not OPEN (NOT_EDITABLE), paid or credited
 * (ALREADY_SETTLED), a blank reason (REQUIRED), a date in a closed period (PERIOD_LOCKED).
 */
export async function voidInvoice(ctx: BillingContext, input: VoidInvoiceInput): Promise<InvoicePayload> {
  const actor = assertCan(ctx.actor, 'invoice:void');
  const { firmId } = actor;
  const userErrors: UserError[] = [];
  const reason = requiredText(input.reason, ['input', 'reason'], MAX_REASON, userErrors);
  if (userErrors.length > 0) return { invoice: null, userErrors };
  const invoiceId = isUuid(input.invoiceId) ? input.invoiceId : NIL_UUID;
  const field = ['input', 'invoiceId'];
  return transactOrRefuse<InvoicePayload>(
    ctx.database,
    firmId,
    async (tx: Tx, refuse: Refuse<InvoicePayload>) => {
      const current = await lockInvoice(tx, { firmId, invoiceId });
      if (!current) refuse(refusal(field, 'No such invoice in this firm.', 'NOT_FOUND'));
      if (current.status === 'PAID' || current.amountPaidMinor > 0n || current.amountCreditedMinor > 0n) {
        refuse(
          refusal(
            field,
            'Something was paid or credited on this invoice; issue a credit note instead.',
            'ALREADY_SETTLED',
          ),
        );
      }
      if (current.status !== 'OPEN') refuse(refusal(field, 'Only an OPEN invoice can be voided.', 'NOT_EDITABLE'));
      const context = await invoicingContext(tx, { firmId, clientId: current.clientId });
      const voidDate = input.voidDate ?? context.today;
      if (context.lockedThrough !== null && voidDate <= context.lockedThrough) {
        refuse({
          invoice: null,
          userErrors: [periodLockedError(['input', 'voidDate'], context.lockedThrough, voidDate)],
        });
      }
      const issueLines = await entryLines(tx, {
        firmId,
        sourceType: 'INVOICE',
        sourceId: invoiceId,
        kind: 'INVOICE_ISSUED',
      });
      const invoice = await updateInvoiceRow(
        tx,
        { firmId, invoiceId },
        { status: 'VOID', amountDueMinor: 0n, voidedAt: new Date(), voidedById: userIdOf(actor), voidReason: reason },
      );
      await setInvoiceTimeStatus(tx, { firmId, invoiceId, to: 'APPROVED' });
      if (issueLines.length > 0) {
        await insertJournalEntry(tx, {
          firmId,
          entryId: newId(),
          kind: 'INVOICE_VOIDED',
          sourceType: 'INVOICE',
          sourceId: invoiceId,
          accountingDate: voidDate,
          memo: `Void of invoice ${current.number}`,
          postedById: userIdOf(actor),
          lines: issueLines.map((line) => ({
            account: { accountId: line.accountId },
            amountMinor: -line.amountMinor,
            currency: line.currency,
            clientId: line.clientId,
            invoiceId: line.invoiceId,
          })),
        });
      }
      await enqueueEvents(tx, 'billing', [
        { firmId, topic: 'invoice.voided', payload: { invoiceId, clientId: invoice.clientId } },
      ]);
      await recordAudit(tx, ctx, {
        firmId,
        action: 'invoice.void',
        targetType: 'invoice',
        targetId: invoiceId,
        metadata: { number: current.number },
      });
      return { invoice, userErrors: [] };
    },
    (error) => {
      const locked = periodLockedRefusal(['input', 'voidDate'])(error);
      return locked ? { invoice: null, ...locked } : null;
    },
  );
}
