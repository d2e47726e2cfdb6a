import MarkdownIt, { type Env, type Token } from 'markdown-it';
import type { MessageFormatValue } from '../../../db/schema/messaging.ts';
import { isStorableText } from '../../../platform/user-errors.ts';

/** Longest message body, in characters. */
export const MAX_MESSAGE_BODY = 10_000;

// CommonMark as the reference renderer parses it (https://spec.commonmark.org/), with raw HTML
// recognised so it can be refused, and every link destination kept: markdown-it's own
// `validateLink` would turn a `javascript:` link into plain text, where a client's renderer might
// not, so the check below judges every destination itself.
const commonMark = new MarkdownIt('commonmark', { html: true });
commonMark.validateLink = () => true;
const SAFE_SCHEME = /^(https?:\/\/|mailto:)/i;

type MarkdownProblem = 'HTML' | 'IMAGE' | 'LINK';

/** The first thing in `tokens` (nested inline children included) that the Markdown subset refuses. */
function refusedToken(tokens: readonly Token[]): MarkdownProblem | null {
  for (const token of tokens) {
    if (token.type === 'html_block' || token.type === 'html_inline') return 'HTML';
    if (token.type === 'image') return 'IMAGE';
    // An autolink (`<https://…>`) is raw angle-bracket syntax; the subset writes links as `[text](url)`.
    if (token.type === 'link_open' && token.markup === 'autolink') return 'HTML';
    if (token.type === 'link_open' && !SAFE_SCHEME.test(String(token.attrGet('href') ?? ''))) return 'LINK';
    const nested = token.children ? refusedToken(token.children) : null;
    if (nested) return nested;
  }
  return null;
}

const PROBLEMS: Record<MarkdownProblem, BodyProblem> = {
  HTML: { code: 'INVALID', message: 'HTML is not allowed in messages; use Markdown.' },
  IMAGE: { code: 'INVALID', message: 'Images are not allowed in messages; attach a document instead.' },
  LINK: { code: 'INVALID', message: 'Links must start with http://, https:// or mailto:.' },
};

/** Why a body was refused: one displayable sentence. */
export type BodyProblem = { code: 'REQUIRED' | 'TOO_LONG' | 'INVALID'; message: string };

/**
 * Checks a message body: plain text or a safe Markdown subset, at most 10,000 characters
 * (README, "Messaging"). Bodies are stored exactly as written and never turned into HTML here;
 * clients render PLAIN as text and MARKDOWN with a CommonMark renderer with raw HTML disabled.
 *
 * - Both formats: 1-10,000 characters (UTF-16 code units, like PostgreSQL's `char_length` for
 *   text without surrogate pairs), not blank, no NUL character.
 * - PLAIN: anything else goes; `<b>` is just text.
 * - MARKDOWN: no raw HTML (tags, comments, autolinks), no images (`![…](…)`, which would load
 *   third-party content in the reader's app), and every link target is `http://`, `https://` or
 *   `mailto:` (no `javascript:`, `data:` or relative links). The body is parsed as CommonMark
 *   (markdown-it) and every token is judged wherever it sits, in a block quote, a list item or a
 *   link reference definition (all of which count, used or not), so the verdict is the parser's,
 *   not a pattern's.
 *
 * @returns the problem, or null when the body is acceptable.
 */
export function checkMessageBody(body: string, format: MessageFormatValue): BodyProblem | null {
  if (body.trim().length === 0) return { code: 'REQUIRED', message: 'Write a message.' };
  if (body.length > MAX_MESSAGE_BODY) return { code: 'TOO_LONG', message: `At most ${MAX_MESSAGE_BODY} characters.` };
  if (!isStorableText(body)) return { code: 'INVALID', message: 'Contains a character that is not allowed.' };
  if (format === 'PLAIN') return null;
  const env: Env = {};
  const refused = refusedToken(commonMark.parse(body, env));
  if (refused) return PROBLEMS[refused];
  const definitions = Object.values(env.references ?? {});
  if (definitions.some((definition) => !SAFE_SCHEME.test(definition.href))) return PROBLEMS.LINK;
  return null;
}
