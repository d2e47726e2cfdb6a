import { createHash } from 'node:crypto';
import PDFDocument from 'pdfkit';
import { formatMinorUnits } from '../../../platform/money.ts';

/** One tax on a line, or one tax's total over the document. Amounts are integer minor units of the document's currency. */
interface InvoiceDocumentTax {
  name: string;
  /** 2000 is 20%, 825 is 8.25%. */
  rateBasisPoints: number;
  /** True when the tax is included in the line amounts (VAT-inclusive prices); false when added on top. */
  inclusive: boolean;
  amountMinor: bigint;
}

/**
 * Everything printed on an issued invoice or credit note, snapshotted at issue: the renderer reads
 * nothing else, so the same document always gives the same bytes. Amounts are integer minor units of
 * `currency` (cents for USD, yen for JPY), never floats.
 */
export interface InvoiceDocument {
  kind: 'INVOICE' | 'CREDIT_NOTE';
  /** The firm's sequential number, e.g. `INV-2026-00001` or `CN-2026-00001`. */
  number: string;
  /** `YYYY-MM-DD`. */
  issueDate: string;
  /** `YYYY-MM-DD`; null for credit notes. */
  dueDate: string | null;
  paymentTerms: 'DUE_ON_RECEIPT' | 'NET_7' | 'NET_15' | 'NET_30' | 'NET_60' | null;
  /** ISO 4217 alphabetic code. */
  currency: string;
  /** The firm, as it was at issue. */
  seller: { name: string; addressLines: string[]; taxId: string | null };
  /** The client, as it was at issue. */
  billTo: { name: string; addressLines: string[] };
  /** Credit notes: the number of the invoice they credit. */
  creditedInvoiceNumber: string | null;
  lines: {
    description: string;
    /** A decimal string: `"1.50"` hours, `"1"` unit. */
    quantity: string;
    unitAmountMinor: bigint;
    amountMinor: bigint;
    taxes: InvoiceDocumentTax[];
  }[];
  /** Sum of the line amounts, without exclusive tax. */
  subtotalMinor: bigint;
  taxTotals: InvoiceDocumentTax[];
  totalMinor: bigint;
  /** What the client owed at issue. */
  amountDueMinor: bigint;
  /** A note to the client, printed under the totals. */
  memo: string | null;
}

// A4 portrait, in PDF points (1/72 inch).
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 50;
const CONTENT_WIDTH = PAGE.width - 2 * MARGIN;
/** Lowest y body content may reach; the footer sits below it. */
const BODY_BOTTOM = PAGE.height - 70;
const FOOTER_Y = PAGE.height - 42;

const INK = '#1a1a1a';
const MUTED = '#666666';
const RULE = '#d9d9d9';
const SHADE = '#f2f2f2';
const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';

/** The lines table: description, quantity, unit price, amount. The description column wraps. */
const COLUMNS = {
  description: { x: MARGIN, width: 265 },
  quantity: { x: MARGIN + 270, width: 50 },
  unitPrice: { x: MARGIN + 325, width: 80 },
  amount: { x: MARGIN + 410, width: CONTENT_WIDTH - 410 },
};
const CELL_PADDING = 6;
// Each text line's height already ends in its line gap, so a row needs less padding below than above.
const ROW_PADDING = { top: 7, bottom: 4 };

/** The totals block sits on the right, under the amount columns. */
const TOTALS = { x: MARGIN + 270, width: CONTENT_WIDTH - 270, labelWidth: 130 };

const TERMS_TEXT: Record<NonNullable<InvoiceDocument['paymentTerms']>, string> = {
  DUE_ON_RECEIPT: 'Payment is due on receipt of this invoice.',
  NET_7: 'Payment due within 7 days of the issue date.',
  NET_15: 'Payment due within 15 days of the issue date.',
  NET_30: 'Payment due within 30 days of the issue date.',
  NET_60: 'Payment due within 60 days of the issue date.',
};

const TERMS_LABEL: Record<NonNullable<InvoiceDocument['paymentTerms']>, string> = {
  DUE_ON_RECEIPT: 'Due on receipt',
  NET_7: 'Net 7',
  NET_15: 'Net 15',
  NET_30: 'Net 30',
  NET_60: 'Net 60',
};

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/**
 * Renders an issued invoice or credit note as a PDF (A4, pdfkit's built-in Helvetica, so no font
 * file), byte for byte the same for the same `doc`: the document's dates (`CreationDate`, `ModDate`)
 * are its issue date at 00:00 UTC and every other info entry is fixed, and pdfkit derives the file
 * `/ID` from the info entries (an MD5 of them), so it is a function of the number and issue date
 * rather than of the clock. Nothing else in the output depends on time or randomness. A pdfkit
 * upgrade may change the bytes, which is why the dependency is pinned to one version.
 *
 * Money is printed from minor units with the currency's ISO 4217 exponent (`formatMinorUnits`),
 * grouped in thousands (`1,234.56`). Long descriptions wrap; many lines continue on further
 * pages, each repeating the table header, and every page carries "Page i of n".
 *
 * The standard PDF fonts hold only the Windows-1252 characters: anything else is printed without
 * its accents when it has a decomposition (`ő` as `o`), a stroked letter as its base (`ł` as `l`), else as `?`.
 *
 * @returns the PDF file's bytes.
 * @throws Error when `doc.currency` is not in the ISO 4217 table, or a date is not `YYYY-MM-DD`.
 */
export async function renderInvoicePdf(doc: InvoiceDocument): Promise<Buffer> {
  const issuedAt = dateAtMidnightUtc(doc.issueDate);
  const title = doc.kind === 'INVOICE' ? 'Invoice' : 'Credit note';
  const pdf = new PDFDocument({
    size: [PAGE.width, PAGE.height],
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    pdfVersion: '1.4',
    lang: 'en',
    displayTitle: true,
    info: {
      Title: winAnsi(`${title} ${doc.number}`),
      Author: winAnsi(doc.seller.name),
      Subject: winAnsi(`${title} ${doc.number} to ${doc.billTo.name}`),
      Creator: 'FirmGraph',
      Producer: 'FirmGraph (pdfkit)',
      CreationDate: issuedAt,
      ModDate: issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    pdf.on('end', resolve);
    pdf.on('error', reject);
  });

  let y = drawHeading(pdf, doc);
  y = drawBillTo(pdf, doc, y);
  y = drawLines(pdf, doc, y + 24);
  y = drawTotals(pdf, doc, y + 12);
  drawNotes(pdf, doc, y + 24);
  drawFooters(pdf, doc);

  pdf.end();
  await ended;
  return Buffer.concat(chunks);
}

/** The SHA-256 of a rendered PDF, as 64 lower-case hex digits (FIPS 180-4), stored at issue to show the file is unchanged. */
export function pdfSha256(buffer: Uint8Array): string {
  return createHash('sha256').update(buffer).digest('hex');
}

/** Seller block on the left, title and document facts on the right; returns the y below both. */
function drawHeading(pdf: PDFKit.PDFDocument, doc: InvoiceDocument): number {
  const leftWidth = 250;
  pdf.fillColor(INK).font(BOLD).fontSize(14);
  pdf.text(winAnsi(doc.seller.name), MARGIN, MARGIN, { width: leftWidth });
  pdf.font(REGULAR).fontSize(9.5).fillColor(MUTED).moveDown(0.3);
  for (const line of doc.seller.addressLines) pdf.text(winAnsi(line), { width: leftWidth });
  if (doc.seller.taxId) pdf.moveDown(0.3).text(winAnsi(`Tax ID: ${doc.seller.taxId}`), { width: leftWidth });
  const leftBottom = pdf.y;

  const right = { x: MARGIN + 280, width: CONTENT_WIDTH - 280 };
  pdf.fillColor(INK).font(BOLD).fontSize(24);
  pdf.text(doc.kind === 'INVOICE' ? 'INVOICE' : 'CREDIT NOTE', right.x, MARGIN - 4, {
    width: right.width,
    align: 'right',
  });
  let y = pdf.y + 10;
  const facts: [string, string][] = [
    [doc.kind === 'INVOICE' ? 'Invoice number' : 'Credit note number', doc.number],
    ['Issue date', displayDate(doc.issueDate)],
  ];
  if (doc.dueDate) facts.push(['Due date', displayDate(doc.dueDate)]);
  if (doc.paymentTerms) facts.push(['Terms', TERMS_LABEL[doc.paymentTerms]]);
  if (doc.creditedInvoiceNumber) facts.push(['Credits invoice', doc.creditedInvoiceNumber]);
  pdf.fontSize(9.5);
  for (const [label, value] of facts) {
    pdf.font(REGULAR).fillColor(MUTED).text(label, right.x, y, { width: 100 });
    pdf
      .font(BOLD)
      .fillColor(INK)
      .text(winAnsi(value), right.x + 100, y, { width: right.width - 100, align: 'right' });
    y = pdf.y + 3;
  }
  return Math.max(leftBottom, y);
}

/** The client's block, and for a credit note the sentence naming the invoice it credits; returns the y below. */
function drawBillTo(pdf: PDFKit.PDFDocument, doc: InvoiceDocument, top: number): number {
  const width = 260;
  pdf
    .font(BOLD)
    .fontSize(8)
    .fillColor(MUTED)
    .text(doc.kind === 'INVOICE' ? 'BILL TO' : 'CREDIT TO', MARGIN, top + 28, { width, characterSpacing: 0.5 });
  pdf.moveDown(0.3).font(BOLD).fontSize(11).fillColor(INK).text(winAnsi(doc.billTo.name), { width });
  pdf.font(REGULAR).fontSize(9.5).fillColor(INK);
  for (const line of doc.billTo.addressLines) pdf.text(winAnsi(line), { width });
  if (doc.kind === 'CREDIT_NOTE' && doc.creditedInvoiceNumber) {
    pdf
      .moveDown(1)
      .fontSize(9.5)
      .fillColor(INK)
      .text(winAnsi(`This credit note credits invoice ${doc.creditedInvoiceNumber}.`), MARGIN, pdf.y, {
        width: CONTENT_WIDTH,
      });
  }
  return pdf.y;
}

/** The table of lines, continued on new pages as needed; returns the y below its last row. */
function drawLines(pdf: PDFKit.PDFDocument, doc: InvoiceDocument, top: number): number {
  let y = drawTableHeader(pdf, doc, top);
  const descriptionWidth = COLUMNS.description.width - CELL_PADDING;
  for (const line of doc.lines) {
    const description = winAnsi(line.description);
    const taxNote = line.taxes.length > 0 ? winAnsi(line.taxes.map((tax) => lineTaxNote(tax, doc)).join('; ')) : null;
    pdf.font(REGULAR).fontSize(9.5);
    const descriptionHeight = pdf.heightOfString(description, { width: descriptionWidth });
    pdf.fontSize(8);
    const taxHeight = taxNote ? pdf.heightOfString(taxNote, { width: descriptionWidth }) + 2 : 0;
    const rowHeight = ROW_PADDING.top + descriptionHeight + taxHeight + ROW_PADDING.bottom;
    if (y + rowHeight > BODY_BOTTOM) {
      pdf.addPage();
      y = drawTableHeader(pdf, doc, MARGIN);
    }
    const textY = y + ROW_PADDING.top;
    pdf.font(REGULAR).fontSize(9.5).fillColor(INK);
    pdf.text(description, COLUMNS.description.x + CELL_PADDING, textY, { width: descriptionWidth });
    if (taxNote) {
      pdf
        .fontSize(8)
        .fillColor(MUTED)
        .text(taxNote, COLUMNS.description.x + CELL_PADDING, textY + descriptionHeight + 2, {
          width: descriptionWidth,
        });
    }
    pdf.fontSize(9.5).fillColor(INK);
    rightCell(pdf, winAnsi(line.quantity), COLUMNS.quantity, textY);
    rightCell(pdf, amount(line.unitAmountMinor, doc.currency), COLUMNS.unitPrice, textY);
    rightCell(pdf, amount(line.amountMinor, doc.currency), COLUMNS.amount, textY);
    y += rowHeight;
    pdf
      .moveTo(MARGIN, y)
      .lineTo(MARGIN + CONTENT_WIDTH, y)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
  }
  return y;
}

/** The shaded header row of the lines table; returns the y of the first row. */
function drawTableHeader(pdf: PDFKit.PDFDocument, doc: InvoiceDocument, top: number): number {
  const height = 20;
  pdf.rect(MARGIN, top, CONTENT_WIDTH, height).fill(SHADE);
  pdf.font(BOLD).fontSize(8).fillColor(MUTED);
  const textY = top + 6.5;
  pdf.text('DESCRIPTION', COLUMNS.description.x + CELL_PADDING, textY, {
    width: COLUMNS.description.width,
    characterSpacing: 0.5,
  });
  rightCell(pdf, 'QTY', COLUMNS.quantity, textY);
  rightCell(pdf, 'UNIT PRICE', COLUMNS.unitPrice, textY);
  rightCell(pdf, `AMOUNT (${doc.currency})`, COLUMNS.amount, textY);
  return top + height;
}

/** Subtotal, each tax, total and (invoices) amount due, right-aligned; returns the y below. */
function drawTotals(pdf: PDFKit.PDFDocument, doc: InvoiceDocument, top: number): number {
  const rows: { label: string; value: string; strong?: boolean }[] = [
    { label: 'Subtotal', value: amount(doc.subtotalMinor, doc.currency) },
  ];
  for (const tax of doc.taxTotals) {
    const label = `${tax.inclusive ? 'Includes ' : ''}${tax.name} ${percent(tax.rateBasisPoints)}`;
    rows.push({ label: winAnsi(label), value: amount(tax.amountMinor, doc.currency) });
  }
  rows.push({
    label: doc.kind === 'INVOICE' ? 'Total' : 'Total credit',
    value: `${doc.currency} ${amount(doc.totalMinor, doc.currency)}`,
    strong: true,
  });
  const rowHeight = 18;
  const dueHeight = doc.kind === 'INVOICE' ? 30 : 0;
  let y = top;
  if (y + rows.length * rowHeight + dueHeight > BODY_BOTTOM) {
    pdf.addPage();
    y = MARGIN;
  }
  const valueX = TOTALS.x + TOTALS.labelWidth;
  const valueWidth = TOTALS.width - TOTALS.labelWidth - CELL_PADDING;
  for (const [index, row] of rows.entries()) {
    if (row.strong && index > 0) {
      pdf
        .moveTo(TOTALS.x, y)
        .lineTo(MARGIN + CONTENT_WIDTH, y)
        .lineWidth(0.75)
        .strokeColor(INK)
        .stroke();
    }
    pdf
      .font(row.strong ? BOLD : REGULAR)
      .fontSize(row.strong ? 10.5 : 9.5)
      .fillColor(row.strong ? INK : MUTED);
    pdf.text(row.label, TOTALS.x + CELL_PADDING, y + 4, { width: TOTALS.labelWidth - CELL_PADDING });
    pdf.fillColor(INK).text(row.value, valueX, y + 4, { width: valueWidth, align: 'right' });
    y += rowHeight;
  }
  if (doc.kind === 'INVOICE') {
    y += 4;
    pdf.rect(TOTALS.x, y, TOTALS.width, 24).fill(SHADE);
    pdf.font(BOLD).fontSize(11).fillColor(INK);
    pdf.text('Amount due', TOTALS.x + CELL_PADDING, y + 7, { width: TOTALS.labelWidth - CELL_PADDING });
    pdf.text(`${doc.currency} ${amount(doc.amountDueMinor, doc.currency)}`, valueX, y + 7, {
      width: valueWidth,
      align: 'right',
    });
    y += 24;
  }
  return y;
}

/** The payment terms sentence and the memo, each under a small heading, on a new page if they do not fit. */
function drawNotes(pdf: PDFKit.PDFDocument, doc: InvoiceDocument, top: number): void {
  const sections: [string, string][] = [];
  if (doc.kind === 'INVOICE' && doc.paymentTerms) {
    const by =
      doc.dueDate && doc.paymentTerms !== 'DUE_ON_RECEIPT' ? ` Please pay by ${displayDate(doc.dueDate)}.` : '';
    sections.push(['PAYMENT TERMS', TERMS_TEXT[doc.paymentTerms] + by]);
  }
  if (doc.memo) sections.push(['NOTES', winAnsi(doc.memo)]);
  let y = top;
  for (const [heading, body] of sections) {
    pdf.font(REGULAR).fontSize(9.5);
    const height = 14 + pdf.heightOfString(body, { width: CONTENT_WIDTH });
    // A memo longer than a page flows on by itself; a short section moves whole to the next page.
    if (y + Math.min(height, 80) > BODY_BOTTOM) {
      pdf.addPage();
      y = MARGIN;
    }
    pdf.font(BOLD).fontSize(8).fillColor(MUTED).text(heading, MARGIN, y, { characterSpacing: 0.5 });
    pdf
      .font(REGULAR)
      .fontSize(9.5)
      .fillColor(INK)
      .text(body, MARGIN, y + 14, { width: CONTENT_WIDTH });
    y = pdf.y + 16;
  }
}

/** "Seller · number · Page i of n" at the foot of every page (the pages are buffered until now). */
function drawFooters(pdf: PDFKit.PDFDocument, doc: InvoiceDocument): void {
  const { start, count } = pdf.bufferedPageRange();
  for (let index = start; index < start + count; index++) {
    pdf.switchToPage(index);
    // Text below the bottom margin would make pdfkit start a new page: lift the margin while writing.
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    pdf
      .font(REGULAR)
      .fontSize(8)
      .fillColor(MUTED)
      .text(
        winAnsi(`${doc.seller.name}  \u00b7  ${doc.number}  \u00b7  Page ${index - start + 1} of ${count}`),
        MARGIN,
        FOOTER_Y,
        { width: CONTENT_WIDTH, align: 'center', lineBreak: false },
      );
    pdf.page.margins.bottom = bottom;
  }
}

function rightCell(pdf: PDFKit.PDFDocument, text: string, column: { x: number; width: number }, y: number): void {
  pdf.text(text, column.x, y, { width: column.width - CELL_PADDING, align: 'right' });
}

/** `"VAT 20%: 16.67 included"`: one tax of a line, under its description. */
function lineTaxNote(tax: InvoiceDocumentTax, doc: InvoiceDocument): string {
  return `${tax.name} ${percent(tax.rateBasisPoints)}: ${amount(tax.amountMinor, doc.currency)}${tax.inclusive ? ' included' : ''}`;
}

/** Minor units as major units grouped in thousands: `123456789n` USD is `1,234,567.89`. */
function amount(amountMinor: bigint, currency: string): string {
  const exact = formatMinorUnits(amountMinor, currency);
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(exact)!;
  const [, sign, whole, fraction = ''] = match;
  return `${sign}${whole!.replace(/\B(?=(\d{3})+$)/g, ',')}${fraction}`;
}

/** Basis points as a percentage without trailing zeros: 2000 is `20%`, 825 `8.25%`, 1250 `12.5%`. */
function percent(basisPoints: number): string {
  const whole = Math.trunc(basisPoints / 100);
  const fraction = String(Math.abs(basisPoints % 100))
    .padStart(2, '0')
    .replace(/0+$/, '');
  return `${whole}${fraction ? `.${fraction}` : ''}%`;
}

function parseDate(date: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new Error(`Not a YYYY-MM-DD date: ${date}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function dateAtMidnightUtc(date: string): Date {
  const [year, month, day] = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day));
}

/** `2026-03-05` as `5 March 2026`: day first and the month in words, so no reader misreads it. */
function displayDate(date: string): string {
  const [year, month, day] = parseDate(date);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

/** The Unicode characters Windows-1252 holds in 0x80–0x9F (pdfkit maps them to the standard fonts' codes). */
const WIN_ANSI_EXTRAS = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Latin letters with a stroke, which have no Unicode decomposition to drop an accent from. */
const STROKED_LETTERS: Record<string, string> = {
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ħ: 'H',
  ħ: 'h',
  ı: 'i',
  Ŧ: 'T',
  ŧ: 't',
};

/**
 * `text` reduced to what the standard PDF fonts can show (Windows-1252): accents dropped where the
 * letter decomposes (NFKD), stroked letters as their base letter (`Ł` as `L`), other characters as
 * `?`, control characters as spaces (newlines kept).
 */
function winAnsi(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\n') out += char;
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += ' ';
    else if (code <= 0xff || WIN_ANSI_EXTRAS.has(char)) out += char;
    else if (STROKED_LETTERS[char]) out += STROKED_LETTERS[char];
    else {
      const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
      out += [...base].every((c) => c.codePointAt(0)! >= 0x20 && c.codePointAt(0)! <= 0x7e) && base ? base : '?';
    }
  }
  return out;
}
