import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

/** A page's size in PDF points (1/72 inch). */
export interface PageSize {
  width: number;
  height: number;
}

/**
 * The page sizes of a PDF, in order, for checking that fields lie on their pages.
 * @returns null when the bytes are not a PDF pdf-lib can read (or it is encrypted).
 */
export async function pdfPageSizes(bytes: Uint8Array): Promise<PageSize[] | null> {
  try {
    const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    return pdf.getPages().map((page) => page.getSize());
  } catch {
    return null;
  }
}

/** One filled field to stamp: page 1-based, the box in PDF points from the page's lower-left corner. */
export interface StampField {
  signerIndex: number;
  page: number;
  x: number;
  y: number;
  width: number;
  height: number;
  kind: 'SIGNATURE' | 'INITIALS' | 'DATE_SIGNED' | 'TEXT' | 'CHECKBOX';
  /** TEXT: the text; CHECKBOX: `true` or `false`; INITIALS: the initials; others: unused. */
  value: string | null;
}

/** A signer as the stamp draws them: the adopted signature (a PNG, or a typed name) and when they signed. */
export interface StampSigner {
  signerIndex: number;
  name: string;
  signaturePng: Buffer | null;
  typedSignature: string | null;
  signedAt: Date | null;
}

/** Text the standard fonts can draw (WinAnsi): other characters become `?`. */
const drawable = (text: string) => text.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');

function fitText(font: PDFFont, text: string, width: number, height: number, max = 14): number {
  let size = Math.min(max, height * 0.8);
  while (size > 4 && font.widthOfTextAtSize(text, size) > width) size -= 0.5;
  return size;
}

function drawInBox(page: PDFPage, font: PDFFont, text: string, box: StampField, max?: number) {
  const safe = drawable(text);
  const size = fitText(font, safe, box.width - 2, box.height, max);
  page.drawText(safe, { x: box.x + 1, y: box.y + (box.height - size) / 2 + size * 0.2, size, font });
}

/**
 * The signed pages: the original PDF with every filled field stamped at its place with pdf-lib.
 * A SIGNATURE field shows the signer's drawn PNG (fitted to the box) or typed name, over a caption
 * "Signed electronically by <name>"; INITIALS and TEXT their text; DATE_SIGNED the signer's signing
 * date (UTC, YYYY-MM-DD); a CHECKBOX set to `true` an X. Byte for byte reproducible for the same
 * input and `at` (the document's dates are set to it).
 * @throws Error when the original cannot be read, or a drawn PNG cannot be embedded.
 */
export async function stampSignedPdf(
  original: Uint8Array,
  fields: readonly StampField[],
  signers: readonly StampSigner[],
  at: Date,
): Promise<Uint8Array> {
  const pdf = await PDFDocument.load(original, { updateMetadata: false });
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const script = await pdf.embedFont(StandardFonts.HelveticaOblique);
  const pages = pdf.getPages();
  for (const field of fields) {
    const page = pages[field.page - 1];
    const signer = signers.find((s) => s.signerIndex === field.signerIndex);
    if (!page || !signer) continue;
    if (field.kind === 'SIGNATURE') {
      const caption = `Signed electronically by ${signer.name}`;
      const captionSize = Math.max(4, Math.min(7, field.height * 0.2));
      const area = { ...field, y: field.y + captionSize + 1, height: field.height - captionSize - 1 };
      if (signer.signaturePng) {
        const image = await pdf.embedPng(signer.signaturePng);
        const scale = Math.min(area.width / image.width, area.height / image.height);
        page.drawImage(image, {
          x: area.x + (area.width - image.width * scale) / 2,
          y: area.y,
          width: image.width * scale,
          height: image.height * scale,
        });
      } else drawInBox(page, script, signer.typedSignature ?? signer.name, area, 24);
      page.drawText(drawable(caption), {
        x: field.x + 1,
        y: field.y,
        size: fitText(regular, drawable(caption), field.width - 2, captionSize / 0.8, captionSize),
        font: regular,
        color: rgb(0.25, 0.25, 0.25),
      });
    } else if (field.kind === 'DATE_SIGNED') {
      drawInBox(page, regular, (signer.signedAt ?? at).toISOString().slice(0, 10), field);
    } else if (field.kind === 'CHECKBOX') {
      if (field.value === 'true') drawInBox(page, regular, 'X', field);
    } else if (field.value) drawInBox(page, field.kind === 'INITIALS' ? script : regular, field.value, field);
  }
  pdf.setCreationDate(at);
  pdf.setModificationDate(at);
  pdf.setProducer('FirmGraph');
  return pdf.save({ useObjectStreams: false });
}

/** What the certificate of completion states (issue 16, "Completion"). */
export interface CertificateContent {
  requestId: string;
  filename: string;
  originalSha256: string;
  /** The SHA-256 of the signed pages (`stampSignedPdf`'s output), before this certificate was appended. */
  stampedSha256: string;
  /** The evidence chain's head hash once every signer has signed. */
  chainHead: string;
  completedAt: Date;
  signers: {
    name: string;
    email: string | null;
    role: string;
    signedAt: Date | null;
    consentVersion: string | null;
    consentSha256: string | null;
  }[];
  events: {
    seq: number;
    kind: string;
    occurredAt: Date;
    actor: string;
    authMethod: string;
    ip: string | null;
  }[];
}

const LETTER = { width: 612, height: 792 };
const MARGIN = 48;

/**
 * Appends the certificate of completion to the signed pages, on as many US Letter pages as it
 * needs: the request, the document, the original's SHA-256, the signed pages' SHA-256, the evidence
 * chain's head, each signer (with the ESIGN consent version and its text's SHA-256) and each evidence
 * event with its time (UTC), actor, authentication method and IP. In the manner of DocuSign's
 * certificate of completion. Reproducible for the same input.
 * @throws Error when `stamped` cannot be read.
 */
export async function appendCertificate(stamped: Uint8Array, content: CertificateContent): Promise<Uint8Array> {
  const pdf = await PDFDocument.load(stamped, { updateMetadata: false });
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const mono = await pdf.embedFont(StandardFonts.Courier);
  let page = pdf.addPage([LETTER.width, LETTER.height]);
  let y = LETTER.height - MARGIN;
  const line = (text: string, font: PDFFont = regular, size = 9, indent = 0) => {
    if (y < MARGIN + size) {
      page = pdf.addPage([LETTER.width, LETTER.height]);
      y = LETTER.height - MARGIN;
    }
    page.drawText(drawable(text), { x: MARGIN + indent, y, size, font });
    y -= size + 4;
  };
  const iso = (date: Date | null) => (date ? date.toISOString().replace('.000Z', 'Z') : '-');
  line('Certificate of completion', bold, 18);
  y -= 6;
  line(`Signature request ${content.requestId}`);
  line(`Document: ${content.filename}`);
  line(`Completed: ${iso(content.completedAt)}`);
  y -= 4;
  line('Original document SHA-256', bold);
  line(content.originalSha256, mono, 9, 12);
  line('Signed document SHA-256 (the pages before this certificate)', bold);
  line(content.stampedSha256, mono, 9, 12);
  line('Evidence chain head', bold);
  line(content.chainHead, mono, 9, 12);
  y -= 6;
  line('Signers', bold, 12);
  for (const signer of content.signers) {
    line(`${signer.name}${signer.email ? ` <${signer.email}>` : ''}, ${signer.role}`, bold);
    line(`Signed: ${iso(signer.signedAt)}`, regular, 9, 12);
    if (signer.consentVersion) {
      line(`Consented to electronic records and signatures, version ${signer.consentVersion}`, regular, 9, 12);
      line(`Consent text SHA-256 ${signer.consentSha256}`, mono, 8, 12);
    }
  }
  y -= 6;
  line('Evidence', bold, 12);
  for (const event of content.events) {
    line(`${event.seq}. ${event.kind}  ${iso(event.occurredAt)}`, bold, 9);
    line(`${event.actor}; authenticated by ${event.authMethod}; IP ${event.ip ?? 'unknown'}`, regular, 8, 12);
  }
  pdf.setModificationDate(content.completedAt);
  return pdf.save({ useObjectStreams: false });
}
