import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CREATED_AT_CURSOR, decodeCursor, encodeCursor, parsePageArgs, toConnection } from './relay.ts';

const NAME_CURSOR = z.tuple([z.string(), z.string()]);

describe('parsePageArgs', () => {
  it('defaults to the first 20 forward', () => {
    expect(parsePageArgs({}, NAME_CURSOR)).toEqual({ direction: 'forward', limit: 20, cursor: null });
  });

  it('reads backward pages from last/before', () => {
    const cursor = encodeCursor(['acme', 'id-1']);
    expect(parsePageArgs({ last: 5, before: cursor }, NAME_CURSOR)).toEqual({
      direction: 'backward',
      limit: 5,
      cursor: ['acme', 'id-1'],
    });
  });

  it('refuses first with last, sizes over 100 or negative, and foreign cursors', () => {
    expect(() => parsePageArgs({ first: 1, last: 1 }, NAME_CURSOR)).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
    );
    expect(() => parsePageArgs({ first: 101 }, NAME_CURSOR)).toThrow(/between 0 and 100/);
    expect(() => parsePageArgs({ first: -1 }, NAME_CURSOR)).toThrow(/between 0 and 100/);
    expect(() => decodeCursor('not-a-cursor', NAME_CURSOR)).toThrow(/Invalid cursor/);
    expect(() => decodeCursor(Buffer.from('{"a":1}').toString('base64url'), NAME_CURSOR)).toThrow(/Invalid cursor/);
  });

  it('refuses a well-formed cursor of another list’s shape', () => {
    expect(() => decodeCursor(encodeCursor(['acme', 'not-a-uuid']), CREATED_AT_CURSOR)).toThrow(/Invalid cursor/);
    expect(() => decodeCursor(encodeCursor([1]), NAME_CURSOR)).toThrow(/Invalid cursor/);
    const valid = ['2026-11-21T10:00:00.000Z', '01a1fe97-92df-7468-ab40-ae4466934420'];
    expect(decodeCursor(encodeCursor(valid), CREATED_AT_CURSOR)).toEqual(valid);
  });
});

describe('toConnection', () => {
  const rows = [1, 2, 3, 4].map((n) => ({ id: `id-${n}` }));
  const key = (row: { id: string }) => [row.id];

  it('uses the extra row only to report another page', () => {
    const connection = toConnection(rows, { direction: 'forward', limit: 3, cursor: null }, key, 4);
    expect(connection.edges.map((e) => e.node.id)).toEqual(['id-1', 'id-2', 'id-3']);
    expect(connection.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: encodeCursor(['id-1']),
      endCursor: encodeCursor(['id-3']),
    });
    expect(connection.totalCount).toBe(4);
  });

  it('restores natural order for backward pages', () => {
    const readDescending = [...rows].reverse();
    const connection = toConnection(readDescending, { direction: 'backward', limit: 2, cursor: ['id-5'] }, key, 4);
    expect(connection.edges.map((e) => e.node.id)).toEqual(['id-3', 'id-4']);
    expect(connection.pageInfo.hasPreviousPage).toBe(true);
    expect(connection.pageInfo.hasNextPage).toBe(true);
  });

  it('returns an empty page with null cursors', () => {
    expect(toConnection([], { direction: 'forward', limit: 10, cursor: null }, key, 0).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});
