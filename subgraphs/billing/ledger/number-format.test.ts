import { describe, expect, it } from 'vitest';
import { formatDocumentNumber, parseNumberFormat } from './number-format.ts';

describe('parseNumberFormat', () => {
  it('accepts one {SEQ:n}, {YYYY} at most once, and safe literal characters', () => {
    expect(parseNumberFormat('INV-{YYYY}-{SEQ:5}')).toEqual({
      format: 'INV-{YYYY}-{SEQ:5}',
      sequenceDigits: 5,
      yearly: true,
    });
    expect(parseNumberFormat('F/{SEQ:9}_a.b')).toEqual({ format: 'F/{SEQ:9}_a.b', sequenceDigits: 9, yearly: false });
    expect(parseNumberFormat('{SEQ:1}')).toMatchObject({ sequenceDigits: 1 });
  });

  it.each([
    ['', 'empty'],
    ['INV-{YYYY}', 'no sequence'],
    ['{SEQ:0}', 'padding 0'],
    ['{SEQ:10}', 'padding 10'],
    ['{SEQ:2}-{SEQ:2}', 'two sequences'],
    ['{YYYY}{YYYY}{SEQ:2}', 'two years'],
    ['INV {SEQ:5}', 'a space'],
    ['INV-{yyyy}-{SEQ:5}', 'an unknown token'],
    ['INV,{SEQ:5}', 'a comma'],
    ['Ä{SEQ:5}', 'a non-ASCII letter'],
    [`${'A'.repeat(34)}{SEQ:5}`, 'more than 40 characters'],
  ])('refuses %j (%s)', (format) => {
    expect(parseNumberFormat(format)).toBeNull();
  });
});

describe('formatDocumentNumber', () => {
  it('pads the sequence, fills the year, and keeps a sequence longer than its padding whole', () => {
    expect(formatDocumentNumber(parseNumberFormat('INV-{YYYY}-{SEQ:5}')!, 2026, 42)).toBe('INV-2026-00042');
    expect(formatDocumentNumber(parseNumberFormat('{SEQ:2}/{YYYY}')!, 2027, 123)).toBe('123/2027');
    expect(() => formatDocumentNumber(parseNumberFormat('{SEQ:2}')!, 2026, 0)).toThrow(RangeError);
  });
});
