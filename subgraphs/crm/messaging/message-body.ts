import type { MessageFormatValue } from '../../../db/schema/messaging.ts';
import { isStorableText } from '../../../platform/user-errors.ts';

/** Longest message body, in characters (issue #3). */
export const MAX_MESSAGE_BODY = 10_000;

// Anything that starts an HTML tag, comment, declaration or processing instruction (CommonMark
// §4.6, §6.6). `<` followed by a space or digit is ordinary text (`a < b`, `<3`).
const HTML = /<[A-Za-z!?/]/;
// An inline link or image destination: `](target` (CommonMark §6.3).
const INLINE_TARGET = /\]\(\s*<?([^\s)>]*)/g;
// A link reference definition: `[label]: target` at the start of a line (CommonMark §4.7).
const REFERENCE_TARGET = /^ {0,3}\[[^\]]+\]:\s*<?(\S*?)>?(\s|$)/gm;
const SAFE_SCHEME = /^(https?:\/\/|mailto:)/i;

/** Why a body was refused: one displayable sentence. */
export type BodyProblem = { code: 'REQUIRED' | 'TOO_LONG' | 'INVALID'; message: string };

/**
 * Checks a message body (issue #3: plain text or a safe Markdown subset, at most 10,000
 * characters). Bodies are stored exactly as written and never turned into HTML here; clients
 * render PLAIN as text and MARKDOWN with a CommonMark renderer with raw HTML disabled.
 *
 * - Both formats: 1-10,000 characters (UTF-16 code units, like PostgreSQL's `char_length` for
 *   text without surrogate pairs), not blank, no NUL character.
 * - PLAIN: anything else goes; `<b>` is just text.
 * - MARKDOWN: no raw HTML (tags, comments, autolinks), no images (`![…](…)`, which would load
 *   third-party content in the reader's app), and every link target is `http://`, `https://` or
 *   `mailto:` (no `javascript:` or `data:`).
 *
 * @returns the problem, or null when the body is acceptable.
 */
export function checkMessageBody(body: string, format: MessageFormatValue): BodyProblem | null {
  if (body.trim().length === 0) return { code: 'REQUIRED', message: 'Write a message.' };
  if (body.length > MAX_MESSAGE_BODY) return { code: 'TOO_LONG', message: `At most ${MAX_MESSAGE_BODY} characters.` };
  if (!isStorableText(body)) return { code: 'INVALID', message: 'Contains a character that is not allowed.' };
  if (format === 'PLAIN') return null;
  if (HTML.test(body)) return { code: 'INVALID', message: 'HTML is not allowed in messages; use Markdown.' };
  if (body.includes('![')) return { code: 'INVALID', message: 'Images are not allowed in messages; attach a document instead.' };
  const targets = [...body.matchAll(INLINE_TARGET), ...body.matchAll(REFERENCE_TARGET)].map((match) => match[1] ?? '');
  if (targets.some((target) => !SAFE_SCHEME.test(target))) {
    return { code: 'INVALID', message: 'Links must start with http://, https:// or mailto:.' };
  }
  return null;
}
