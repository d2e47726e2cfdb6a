import { describe, expect, it } from 'vitest';
import { checkMessageBody, MAX_MESSAGE_BODY } from './message-body.ts';

describe('checkMessageBody', () => {
  it('takes 1 to 10,000 characters that are not blank or NUL, in either format', () => {
    for (const format of ['PLAIN', 'MARKDOWN'] as const) {
      expect(checkMessageBody('x'.repeat(MAX_MESSAGE_BODY), format)).toBeNull();
      expect(checkMessageBody('x'.repeat(MAX_MESSAGE_BODY + 1), format)?.code).toBe('TOO_LONG');
      expect(checkMessageBody(' \n\t', format)?.code).toBe('REQUIRED');
      expect(checkMessageBody('a\u0000b', format)?.code).toBe('INVALID');
    }
  });

  it('leaves plain text alone, markup included', () => {
    expect(checkMessageBody('<script>alert(1)</script> ![x](javascript:1)', 'PLAIN')).toBeNull();
  });

  it('takes the Markdown subset: emphasis, code, lists, quotes, comparisons and http(s)/mailto links', () => {
    const body = [
      '**Bold** and *italic*, `code`',
      '- one',
      '1. two',
      '> quoted',
      'a < b and 3 <4',
      '[help](https://example.com/a?b=c) [mail](mailto:a@example.com)',
      '[ref]: https://example.com',
    ].join('\n');
    expect(checkMessageBody(body, 'MARKDOWN')).toBeNull();
  });

  it.each([
    ['a raw tag', 'hello <b>there</b>'],
    ['a closing tag', 'x </div>'],
    ['an HTML comment', '<!-- x -->'],
    ['an autolink', '<https://example.com>'],
    ['an image', '![alt](https://example.com/a.png)'],
    ['a javascript: link', '[x](javascript:alert(1))'],
    ['a data: link', '[x]( data:text/html,hi)'],
    ['a relative link', '[x](/admin)'],
    ['a javascript: reference definition', '[x]: javascript:alert(1)'],
    ['a reference definition in a block quote', '> [x]: javascript:alert(1)\n\n[click][x]'],
    ['a reference definition in a list item', '- [x]: javascript:alert(1)\n\n[click][x]'],
    ['a reference label with an escaped bracket', '[a\\]b]: javascript:alert(1)\n\n[click][a\\]b]'],
    ['an entity-encoded javascript: link', '[x](java&#115;cript:alert(1))'],
    ['a link nested in emphasis in a list', '- *see [x](vbscript:msgbox)*'],
    ['a raw <a href> tag', '<a href="javascript:alert(1)">x</a>'],
    ['an image by reference', '![alt][img]\n\n[img]: https://example.com/a.png'],
    ['an email autolink', '<mailto:a@example.com>'],
  ])('refuses %s in Markdown', (_name, body) => {
    expect(checkMessageBody(body, 'MARKDOWN')?.code).toBe('INVALID');
  });

  it('says which rule a refused body broke', () => {
    const quoted = checkMessageBody('> [x]: javascript:alert(1)\n\n[click][x]', 'MARKDOWN');
    expect(quoted?.message).toMatch(/^Links must start/);
    const image = checkMessageBody('![alt](https://example.com/a.png)', 'MARKDOWN');
    expect(image?.message).toMatch(/^Images are not allowed/);
    expect(checkMessageBody('x </div>', 'MARKDOWN')?.message).toMatch(/^HTML is not allowed/);
  });

  it('takes links and reference definitions nested in quotes and lists when they are safe', () => {
    const body = ['> see [docs][d]', '>', '> [d]: https://example.com/docs', '', '- [mail](mailto:a@example.com)'].join(
      '\n',
    );
    expect(checkMessageBody(body, 'MARKDOWN')).toBeNull();
  });
});
