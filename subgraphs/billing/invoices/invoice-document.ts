import type { Tx } from '../../../db/client.ts';
import type { InvoiceRow, PartySnapshot, PaymentTermsValue } from '../../../db/schema/billing.ts';
import type { CreditNoteRow, InvoiceLineRow, InvoiceLineTaxRow } from '../../../db/schema/invoicing.ts';
import { isUuid } from '../../../platform/ids.ts';
import type { DownloadHandlers } from '../downloads/download-routes.ts';
import { renderInvoicePdf, type InvoiceDocument } from './invoice-pdf.ts';
import { parseNumberFormat, type NumberFormat } from '../ledger/number-format.ts';
import { getCreditNotesByIds, getInvoiceLines, getInvoicesByIds, type InvoicingContext } from './invoice-store.ts';

/** Days after the issue date each payment term gives. */
const TERM_DAYS: Readonly<Record<PaymentTermsValue, number>> = {
  DUE_ON_RECEIPT: 0,
  NET_7: 7,
  NET_15: 15,
  NET_30: 30,
  NET_60: 60,
};

/** The due date (`YYYY-MM-DD`) of an invoice issued on `issueDate` under `terms`. */
export function dueDateOf(issueDate: string, terms: PaymentTermsValue): string {
  const date = new Date(`${issueDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + TERM_DAYS[terms]);
  return date.toISOString().slice(0, 10);
}

/**
 * The firm's number format, parsed (`parseNumberFormat`, ledger/number-format.ts).
 * @throws Error for a format that does not parse: `updateInvoiceSettings` stores only ones that do.
 */
export function numberFormatOf(format: string): NumberFormat {
  const parsed = parseNumberFormat(format);
  if (!parsed) throw new Error(`stored number format does not parse: ${format}`);
  return parsed;
}

/** The seller printed on the firm's documents: its invoicing settings' name (else the firm's), address and tax id. */
export function sellerOf(context: Pick<InvoicingContext, 'settings'>): PartySnapshot {
  const { sellerName, sellerAddress, sellerTaxId } = context.settings;
  return partySnapshot(sellerName, sellerAddress, sellerTaxId);
}

/** The party as printed: name, the address split into lines, the tax id. */
export function partySnapshot(name: string, address: string | null, taxId: string | null): PartySnapshot {
  const addressLines = (address ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return { name, addressLines, taxId };
}

/** An issued invoice's fields the PDF prints, whether read back or about to be written at issue. */
type IssuedInvoice = Pick<
  InvoiceRow,
  | 'number'
  | 'issueDate'
  | 'dueDate'
  | 'paymentTerms'
  | 'currency'
  | 'seller'
  | 'billTo'
  | 'subtotalMinor'
  | 'totalMinor'
  | 'memo'
>;

/**
 * What the PDF of an issued invoice shows, from the invoice, its lines (in order) and their taxes
 * alone, so a later render gives the same bytes as the one hashed at issue. The amount due is the
 * total: the PDF is the invoice as issued, not a statement of what was paid since.
 */
export function invoiceDocumentOf(
  invoice: IssuedInvoice,
  lines: readonly InvoiceLineRow[],
  taxes: readonly InvoiceLineTaxRow[],
): InvoiceDocument {
  const taxesOf = (lineId: string) =>
    taxes
      .filter((tax) => tax.lineId === lineId)
      .map((tax) => ({
        name: tax.name,
        rateBasisPoints: tax.rateBasisPoints,
        inclusive: tax.inclusive,
        amountMinor: tax.taxMinor,
      }));
  return {
    kind: 'INVOICE',
    number: invoice.number!,
    issueDate: invoice.issueDate!,
    dueDate: invoice.dueDate,
    paymentTerms: invoice.paymentTerms,
    currency: invoice.currency,
    seller: invoice.seller!,
    billTo: invoice.billTo!,
    creditedInvoiceNumber: null,
    lines: lines.map((line) => ({
      description: line.description,
      quantity: line.quantity,
      unitAmountMinor: line.unitAmountMinor,
      amountMinor: line.amountMinor,
      taxes: taxesOf(line.id),
    })),
    subtotalMinor: invoice.subtotalMinor,
    taxTotals: taxTotals(taxes),
    totalMinor: invoice.totalMinor,
    amountDueMinor: invoice.totalMinor,
    memo: invoice.memo,
  };
}

/** Tax per (name, rate, kind) over all lines, in name order. */
export function taxTotals(
  taxes: readonly Pick<InvoiceLineTaxRow, 'name' | 'rateBasisPoints' | 'inclusive' | 'taxMinor'>[],
): InvoiceDocument['taxTotals'] {
  const totals = new Map<string, InvoiceDocument['taxTotals'][number]>();
  for (const tax of taxes) {
    const key = JSON.stringify([tax.name, tax.rateBasisPoints, tax.inclusive]);
    const total = totals.get(key);
    if (total) total.amountMinor += tax.taxMinor;
    else
      totals.set(key, {
        name: tax.name,
        rateBasisPoints: tax.rateBasisPoints,
        inclusive: tax.inclusive,
        amountMinor: tax.taxMinor,
      });
  }
  return [...totals.values()].sort((a, b) => a.name.localeCompare(b.name) || a.rateBasisPoints - b.rateBasisPoints);
}

/** What the PDF of a credit note shows, from the credit note alone (and the number of the invoice it credits). */
export function creditNoteDocumentOf(
  note: Pick<
    CreditNoteRow,
    'number' | 'issueDate' | 'currency' | 'seller' | 'billTo' | 'lines' | 'subtotalMinor' | 'totalMinor' | 'reason'
  >,
  invoiceNumber: string,
): InvoiceDocument {
  const lineTaxes = note.lines.map((line) =>
    line.taxes.map((tax) => ({
      name: tax.name,
      rateBasisPoints: tax.rateBasisPoints,
      inclusive: tax.inclusive,
      amountMinor: BigInt(tax.taxMinor),
    })),
  );
  return {
    kind: 'CREDIT_NOTE',
    number: note.number,
    issueDate: note.issueDate,
    dueDate: null,
    paymentTerms: null,
    currency: note.currency,
    seller: note.seller,
    billTo: note.billTo,
    creditedInvoiceNumber: invoiceNumber,
    lines: note.lines.map((line, index) => ({
      description: line.description,
      quantity: '1',
      unitAmountMinor: BigInt(line.amountMinor),
      amountMinor: BigInt(line.amountMinor),
      taxes: lineTaxes[index]!,
    })),
    subtotalMinor: note.subtotalMinor,
    taxTotals: taxTotals(lineTaxes.flat().map((tax) => ({ ...tax, taxMinor: tax.amountMinor }))),
    totalMinor: note.totalMinor,
    amountDueMinor: 0n,
    memo: `Reason: ${note.reason}`,
  };
}

/** The document of the firm's issued invoice `invoiceId`, or null (unknown, another firm's, or a DRAFT). */
async function loadInvoiceDocument(
  tx: Tx,
  { firmId, invoiceId }: { firmId: string; invoiceId: string },
): Promise<InvoiceDocument | null> {
  const [invoice] = await getInvoicesByIds(tx, { firmId, invoiceIds: [invoiceId] });
  if (!invoice || invoice.status === 'DRAFT') return null;
  const { lines, taxes } = await getInvoiceLines(tx, { firmId, invoiceIds: [invoiceId] });
  return invoiceDocumentOf(invoice, lines, taxes);
}

/** The document of the firm's credit note `creditNoteId`, or null. */
async function loadCreditNoteDocument(
  tx: Tx,
  { firmId, creditNoteId }: { firmId: string; creditNoteId: string },
): Promise<InvoiceDocument | null> {
  const [note] = await getCreditNotesByIds(tx, { firmId, ids: [creditNoteId] });
  if (!note) return null;
  const [invoice] = await getInvoicesByIds(tx, { firmId, invoiceIds: [note.invoiceId] });
  return creditNoteDocumentOf(note, invoice!.number!);
}

/**
 * The download handlers of issued invoices' and credit notes' PDFs (`invoice-pdf`,
 * `credit-note-pdf`; subgraphs/billing/downloads): each renders the document again from its stored
 * rows in the link's firm, byte for byte the PDF hashed at issue. Unknown ids and drafts are 404.
 */
export const documentDownloads: DownloadHandlers = {
  'invoice-pdf': async ({ database }, payload) => {
    const invoiceId = payload.params.invoiceId ?? '';
    if (!isUuid(invoiceId)) return null;
    const doc = await database.withTenant({ firmId: payload.firmId }, (tx) =>
      loadInvoiceDocument(tx, { firmId: payload.firmId, invoiceId }),
    );
    return doc && { fileName: `${doc.number}.pdf`, contentType: 'application/pdf', body: await renderInvoicePdf(doc) };
  },
  'credit-note-pdf': async ({ database }, payload) => {
    const creditNoteId = payload.params.creditNoteId ?? '';
    if (!isUuid(creditNoteId)) return null;
    const doc = await database.withTenant({ firmId: payload.firmId }, (tx) =>
      loadCreditNoteDocument(tx, { firmId: payload.firmId, creditNoteId }),
    );
    return doc && { fileName: `${doc.number}.pdf`, contentType: 'application/pdf', body: await renderInvoicePdf(doc) };
  },
};
