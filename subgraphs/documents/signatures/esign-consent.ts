import { createHash } from 'node:crypto';

/**
 * The consumer disclosure a signer accepts before doing business electronically, versioned: a new
 * wording is a new version, and each signer's acceptance records the version and the SHA-256 of its
 * text. It states what the ESIGN Act, 15 U.S.C. §7001(c)(1), requires be told before consent: the
 * right to have the record on paper, the right to withdraw consent and its consequences, the scope
 * of the consent, how to withdraw it and update contact details, how to get a paper copy and whether
 * a fee is charged, and the hardware and software needed; consent is given electronically, in a way
 * that shows the signer can open the records (§7001(c)(1)(C)(ii)): after viewing this text in the
 * same portal or app where the document is then shown.
 */
export const ESIGN_CONSENT = {
  version: '2026-01',
  text: [
    'Consent to electronic records and signatures',
    '',
    'Your firm asks you to receive and sign this document electronically. Before you agree:',
    '',
    '1. Paper. You may ask your firm for this document on paper instead, and for a paper copy of any',
    '   document you sign electronically, at no charge, by contacting the firm directly.',
    '2. Withdrawing. You may withdraw this consent at any time before you sign, by declining the',
    '   signature request or by telling your firm. Withdrawing does not affect documents you have',
    '   already signed electronically; the firm will then send you documents on paper.',
    '3. Scope. This consent covers this signature request only: the document, its signing and the',
    '   records of it, including the signed document and its certificate of completion.',
    '4. Your details. Tell your firm if your email address or other contact details change.',
    '5. What you need. A device with a current web browser, an internet connection, and software',
    '   that opens PDF files, so that you can view, download and keep the document and the records.',
    '',
    'By agreeing, you confirm that you can open this text and the PDF document on your device, and',
    'you agree to use electronic records and signatures for this signature request.',
  ].join('\n'),
} as const;

/** The SHA-256 (lowercase hex) of `ESIGN_CONSENT.text` as UTF-8: what a consent event and the certificate record. */
export const ESIGN_CONSENT_SHA256 = createHash('sha256').update(ESIGN_CONSENT.text, 'utf8').digest('hex');
