import type { Tx } from '../../../db/client.ts';
import type { CreditNoteLineSnapshot, CreditNoteRow } from '../../../db/schema/invoicing.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { divideHalfUp, parseMinorUnits } from '../../../platform/money.ts';
import { enqueueEvents } from '../../../platform/outbox.ts';
import { requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { IssueCreditNoteInput, UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { BillingContext } from '../billing-context.ts';
import { transactOrRefuse, type Refuse } from '../billing-transaction.ts';
import { claimIdempotencyKey, fingerprintOf, isValidIdempotencyKey } from '../idempotency.ts';
import { insertJournalEntry, type PostingLine } from '../ledger/journal-store.ts';
import { formatDocumentNumber } from '../ledger/number-format.ts';
import { creditNoteDocumentOf, numberFormatOf, sellerOf } from './invoice-document.ts';
import { periodLockedRefusal } from './invoice-issue-service.ts';
import { periodLockedError } from '../ledger/period-lock-service.ts';
import { lineTax } from './invoice-math.ts';
import { pdfSha256, renderInvoicePdf } from './invoice-pdf.ts';
import {
  creditedByLine,
  getCreditNotesByIds,
  getInvoiceLines,
  insertCreditNote,
  invoicingContext,
  lockInvoice,
  serviceRevenueAccounts,
  takeNextNumber,
  updateInvoiceRow,
} from './invoice-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result of `issueCreditNote`. */
export interface CreditNotePayload {
  creditNote: CreditNoteRow | null;
  userErrors: UserError[];
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MAX_REASON = 1000;
const MAX_LINES = 200;

const refusal = (field: string[], message: string, code: UserErrorCode): CreditNotePayload => ({
  creditNote: null,
  userErrors: [{ field, message, code }],
});

/** One credited part: its snapshot for the credit note, the revenue it reverses and on which account. */
interface CreditedPart {
  snapshot: CreditNoteLineSnapshot;
  amountMinor: bigint;
  inclusiveTaxMinor: bigint;
  exclusiveTaxMinor: bigint;
  serviceId: string | null;
}

/**
 * Issues a credit note against an issued invoice, in one transaction: either `amount` (a total,
 * tax included, split into revenue and tax in the invoice's proportion, the tax share rounded
 * half-up by `divideHalfUp`) or `lines` (amounts of the invoice's lines, before exclusive tax, each
 * taxed at its line's rates by `lineTax`). Its total may not exceed what is still creditable (the
 * invoice's total less what earlier credit notes credited), nor a line's credit its amount less its
 * earlier credits. It takes off the invoice's amount due what it can; the excess (the invoice was
 * paid) goes to the client's credit. It gets the next gapless `CN-…` number and its PDF's SHA-256,
 * posts `CREDIT_NOTE_ISSUED` (revenue and tax payable debited; receivable and client credit credited),
 * marks the invoice PAID when nothing is left due (as Stripe does when a credit note zeroes an
 * invoice's amount due: https://docs.stripe.com/invoicing/dashboard/credit-notes), and writes
 * `credit_note.issued`. The idempotency key works as `issueInvoice`'s. Requires `credit_note:issue`.
 * User errors, nothing written: NOT_FOUND, NOT_EDITABLE (a DRAFT or VOID invoice), INVALID (neither
 * or both of amount and lines, a bad amount), EXCEEDS_CREDITABLE, REQUIRED (reason), PERIOD_LOCKED.
 */
export async function issueCreditNote(ctx: BillingContext, input: IssueCreditNoteInput): Promise<CreditNotePayload> {
  const actor = assertCan(ctx.actor, 'credit_note:issue');
  const { firmId } = actor;
  const userErrors: UserError[] = [];
  if (!isValidIdempotencyKey(input.idempotencyKey)) {
    userErrors.push({ field: ['input', 'idempotencyKey'], message: 'Use 1 to 255 characters.', code: 'INVALID' });
  }
  const reason = requiredText(input.reason, ['input', 'reason'], MAX_REASON, userErrors);
  if ((input.amount == null) === (input.lines == null || input.lines.length === 0)) {
    userErrors.push({ field: ['input'], message: 'Give either an amount or lines to credit.', code: 'INVALID' });
  }
  if ((input.lines?.length ?? 0) > MAX_LINES) {
    userErrors.push({ field: ['input', 'lines'], message: `At most ${MAX_LINES} lines.`, code: 'OUT_OF_RANGE' });
  }
  if (userErrors.length > 0) return { creditNote: null, userErrors };
  const invoiceId = isUuid(input.invoiceId) ? input.invoiceId : NIL_UUID;
  const creditNoteId = newId();
  const userId = actor.kind === 'STAFF' ? actor.userId : null;
  return transactOrRefuse<CreditNotePayload>(
    ctx.database,
    firmId,
    async (tx: Tx, refuse: Refuse<CreditNotePayload>) => {
      const replayOf = await claimIdempotencyKey(tx, {
        firmId,
        operation: 'issueCreditNote',
        key: input.idempotencyKey,
        fingerprint: fingerprintOf([
          input.invoiceId,
          input.amount ?? null,
          (input.lines ?? []).map((line) => [line.invoiceLineId, line.amount]),
          input.reason,
          input.issueDate ?? null,
        ]),
        resultId: creditNoteId,
      });
      if (replayOf) {
        const [first] = await getCreditNotesByIds(tx, { firmId, ids: [replayOf] });
        return { creditNote: first ?? null, userErrors: [] };
      }
      const invoice = await lockInvoice(tx, { firmId, invoiceId });
      if (!invoice) refuse(refusal(['input', 'invoiceId'], 'No such invoice in this firm.', 'NOT_FOUND'));
      if (invoice.status !== 'OPEN' && invoice.status !== 'PAID') {
        refuse(refusal(['input', 'invoiceId'], 'Only an issued, not voided invoice can be credited.', 'NOT_EDITABLE'));
      }
      const context = await invoicingContext(tx, { firmId, clientId: invoice.clientId });
      const issueDate = input.issueDate ?? context.today;
      if (context.lockedThrough !== null && issueDate <= context.lockedThrough) {
        refuse({
          creditNote: null,
          userErrors: [periodLockedError(['input', 'issueDate'], context.lockedThrough, issueDate)],
        });
      }
      const creditable = invoice.totalMinor - invoice.amountCreditedMinor;
      const parts: CreditedPart[] = [];
      if (input.amount != null) {
        const gross = parseMinorUnits(input.amount, invoice.currency);
        if (gross === null || gross <= 0n) {
          refuse(refusal(['input', 'amount'], `Enter an amount above 0 in ${invoice.currency}.`, 'INVALID'));
        }
        const taxShare = divideHalfUp(gross * invoice.taxMinor, invoice.totalMinor);
        const net = gross - taxShare;
        parts.push({
          snapshot: {
            invoiceLineId: null,
            description: `Credit against invoice ${invoice.number}`,
            amountMinor: net.toString(),
            taxes:
              taxShare === 0n
                ? []
                : [{ name: 'Tax', rateBasisPoints: 0, inclusive: false, taxMinor: taxShare.toString() }],
          },
          amountMinor: net,
          inclusiveTaxMinor: 0n,
          exclusiveTaxMinor: taxShare,
          serviceId: null,
        });
      } else {
        const { lines, taxes } = await getInvoiceLines(tx, { firmId, invoiceIds: [invoiceId] });
        const credited = await creditedByLine(tx, { firmId, invoiceId });
        const seen = new Set<string>();
        for (const [index, given] of input.lines!.entries()) {
          const field = ['input', 'lines', String(index)];
          const line = lines.find((candidate) => candidate.id === given.invoiceLineId);
          if (!line || seen.has(line.id)) {
            refuse(
              refusal(
                [...field, 'invoiceLineId'],
                line ? 'This line is named twice.' : 'No such line on this invoice.',
                line ? 'DUPLICATE' : 'NOT_FOUND',
              ),
            );
          }
          seen.add(line.id);
          if (line.kind === 'DISCOUNT') {
            refuse(refusal([...field, 'invoiceLineId'], 'A discount line cannot be credited.', 'INVALID'));
          }
          const amount = parseMinorUnits(given.amount, invoice.currency);
          if (amount === null || amount <= 0n) {
            refuse(refusal([...field, 'amount'], `Enter an amount above 0 in ${invoice.currency}.`, 'INVALID'));
          }
          const left = line.amountMinor - (credited.get(line.id) ?? 0n);
          if (amount > left) {
            refuse(
              refusal(
                [...field, 'amount'],
                `At most ${left} minor units of this line are left to credit.`,
                'EXCEEDS_CREDITABLE',
              ),
            );
          }
          const rates = taxes.filter((tax) => tax.lineId === line.id);
          const tax = lineTax(amount, rates);
          parts.push({
            snapshot: {
              invoiceLineId: line.id,
              description: line.description,
              amountMinor: amount.toString(),
              taxes: rates.map((rate, at) => ({
                name: rate.name,
                rateBasisPoints: rate.rateBasisPoints,
                inclusive: rate.inclusive,
                taxMinor: tax.perRate[at]!.toString(),
              })),
            },
            amountMinor: amount,
            inclusiveTaxMinor: tax.inclusiveMinor,
            exclusiveTaxMinor: tax.exclusiveMinor,
            serviceId: line.serviceId,
          });
        }
      }
      const subtotalMinor = parts.reduce((sum, part) => sum + part.amountMinor, 0n);
      const taxMinor = parts.reduce((sum, part) => sum + part.inclusiveTaxMinor + part.exclusiveTaxMinor, 0n);
      const totalMinor = subtotalMinor + parts.reduce((sum, part) => sum + part.exclusiveTaxMinor, 0n);
      if (totalMinor > creditable) {
        refuse(
          refusal(
            ['input', input.amount != null ? 'amount' : 'lines'],
            `At most ${creditable} minor units of this invoice are left to credit.`,
            'EXCEEDS_CREDITABLE',
          ),
        );
      }
      const appliedMinor = totalMinor < invoice.amountDueMinor ? totalMinor : invoice.amountDueMinor;
      const toCreditMinor = totalMinor - appliedMinor;
      const year = Number(issueDate.slice(0, 4));
      const format = numberFormatOf(context.settings.creditNoteNumberFormat);
      const sequence = await takeNextNumber(tx, { firmId, document: 'CREDIT_NOTE', year: format.yearly ? year : 0 });
      const note = {
        number: formatDocumentNumber(format, year, sequence),
        issueDate,
        currency: invoice.currency,
        seller: invoice.seller ?? sellerOf(context),
        billTo: invoice.billTo!,
        lines: parts.map((part) => part.snapshot),
        subtotalMinor,
        totalMinor,
        reason,
      };
      const pdf = await renderInvoicePdf(creditNoteDocumentOf(note, invoice.number!));
      const creditNote = await insertCreditNote(tx, {
        firmId,
        id: creditNoteId,
        invoiceId,
        clientId: invoice.clientId,
        ...note,
        taxMinor,
        appliedMinor,
        toCreditMinor,
        pdfSha256: pdfSha256(pdf),
        issuedById: userId,
      });
      const amountDueMinor = invoice.amountDueMinor - appliedMinor;
      await updateInvoiceRow(
        tx,
        { firmId, invoiceId },
        {
          amountCreditedMinor: invoice.amountCreditedMinor + totalMinor,
          amountDueMinor,
          status: amountDueMinor === 0n ? 'PAID' : invoice.status,
        },
      );
      const revenueAccounts = await serviceRevenueAccounts(tx, {
        firmId,
        serviceIds: [...new Set(parts.map((part) => part.serviceId).filter((id): id is string => id !== null))],
      });
      const common = { currency: invoice.currency, clientId: invoice.clientId, invoiceId };
      const revenue = new Map<string, bigint>();
      for (const part of parts) {
        const account = (part.serviceId && revenueAccounts.get(part.serviceId)) || 'REVENUE';
        revenue.set(account, (revenue.get(account) ?? 0n) + part.amountMinor - part.inclusiveTaxMinor);
      }
      const posting: PostingLine[] = [];
      for (const [account, net] of revenue) {
        if (net !== 0n)
          posting.push({
            account: account === 'REVENUE' ? 'REVENUE' : { accountId: account },
            amountMinor: net,
            ...common,
          });
      }
      if (taxMinor !== 0n) posting.push({ account: 'TAX_PAYABLE', amountMinor: taxMinor, ...common });
      if (appliedMinor !== 0n) posting.push({ account: 'ACCOUNTS_RECEIVABLE', amountMinor: -appliedMinor, ...common });
      if (toCreditMinor !== 0n) posting.push({ account: 'CLIENT_CREDIT', amountMinor: -toCreditMinor, ...common });
      await insertJournalEntry(tx, {
        firmId,
        entryId: newId(),
        kind: 'CREDIT_NOTE_ISSUED',
        sourceType: 'CREDIT_NOTE',
        sourceId: creditNoteId,
        accountingDate: issueDate,
        memo: `Credit note ${note.number} against invoice ${invoice.number}`,
        postedById: userId,
        lines: posting,
      });
      await enqueueEvents(tx, 'billing', [
        { firmId, topic: 'credit_note.issued', payload: { creditNoteId, invoiceId, clientId: invoice.clientId } },
      ]);
      await recordAudit(tx, ctx, {
        firmId,
        action: 'credit_note.issue',
        targetType: 'credit_note',
        targetId: creditNoteId,
        metadata: { number: note.number, invoiceId, total: totalMinor.toString(), currency: invoice.currency },
      });
      return { creditNote, userErrors: [] };
    },
    (error) => {
      const locked = periodLockedRefusal(['input', 'issueDate'])(error);
      return locked ? { creditNote: null, ...locked } : null;
    },
  );
}
