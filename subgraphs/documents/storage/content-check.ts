import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';

/** The largest file a firm accepts by default: 100 MB (issue 16, "Uploads"), in bytes. */
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;

const OOXML = 'application/vnd.openxmlformats-officedocument';
/**
 * The media types a firm accepts by default: PDF, PNG, JPEG, HEIC, Office documents (OOXML and the
 * older binary formats), CSV and plain text.
 */
export const DEFAULT_ALLOWED_TYPES: readonly string[] = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/heic',
  'image/heif',
  `${OOXML}.wordprocessingml.document`,
  `${OOXML}.spreadsheetml.sheet`,
  `${OOXML}.presentationml.presentation`,
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'text/csv',
  'text/plain',
];

/** Types with no magic number: accepted only for bytes that are UTF-8 text without control characters other than tab, CR, LF. */
const TEXT_TYPES = new Set(['text/csv', 'text/plain']);
/** The old Office formats are all one container (Compound File Binary), which is all the bytes tell. */
const CFB_TYPES = new Set(['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint']);

/** Bytes file-type reads to recognize a format (its `reasonableDetectionSizeInBytes`). */
const SNIFF_BYTES = 4100;

/** What the stored bytes are: their SHA-256 (lowercase hex), size and sniffed type. */
export interface Inspection {
  sha256: string;
  byteSize: number;
  /** The media type the bytes show (`file-type`), `text/plain` for UTF-8 text, or null when unknown. */
  sniffedType: string | null;
}

/** True when `bytes` decode as UTF-8 and hold no control characters but tab, LF and CR. */
function isText(bytes: Buffer): boolean {
  // A multi-byte character cut at the end of the sniffed prefix is not an error.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const body = text.endsWith('\uFFFD') ? text.slice(0, -1) : text;
  const allowedControl = new Set([0x09, 0x0a, 0x0d]);
  return (
    !body.includes('\uFFFD') &&
    ![...body].some((c) => (c.charCodeAt(0) < 0x20 && !allowedControl.has(c.charCodeAt(0))) || c.charCodeAt(0) === 0x7f)
  );
}

/**
 * Reads `stream` once: hashes every byte (SHA-256) and sniffs the type from the first 4,100 bytes
 * with `file-type` (magic numbers). Bytes no signature matches are `text/plain` when they are UTF-8
 * text, else unknown.
 */
export async function inspectBlob(stream: Readable): Promise<Inspection> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headBytes = 0;
  let byteSize = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    byteSize += chunk.length;
    if (headBytes < SNIFF_BYTES) {
      head.push(chunk);
      headBytes += chunk.length;
    }
  }
  const prefix = Buffer.concat(head).subarray(0, SNIFF_BYTES);
  const sniffed = await fileTypeFromBuffer(prefix);
  return {
    sha256: hash.digest('hex'),
    byteSize,
    sniffedType: sniffed?.mime ?? (prefix.length > 0 && isText(prefix) ? 'text/plain' : null),
  };
}

/**
 * Whether bytes sniffed as `sniffed` may be stored as the declared `declared` type: the same type;
 * CSV for text; an old Office type for a Compound File (`application/x-cfb`); HEIF for HEIC.
 */
export function typeMatches(declared: string, sniffed: string | null): boolean {
  if (sniffed === null) return false;
  if (declared === sniffed) return true;
  if (TEXT_TYPES.has(declared)) return sniffed === 'text/plain';
  if (CFB_TYPES.has(declared)) return sniffed === 'application/x-cfb';
  if (declared === 'image/heic' || declared === 'image/heif')
    return sniffed === 'image/heic' || sniffed === 'image/heif';
  return false;
}

/** The declared media type normalized: lower case, without parameters (`text/csv; charset=utf-8` → `text/csv`). */
export function normalizeMediaType(value: string): string {
  return value.split(';')[0]!.trim().toLowerCase();
}
