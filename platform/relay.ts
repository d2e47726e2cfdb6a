import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { z } from 'zod';
import { badUserInput } from './errors.ts';

/** Largest page any connection returns (README "Using the API"). */
export const MAX_PAGE_SIZE = 100;
/** Page size when the client gives neither `first` nor `last`. */
export const DEFAULT_PAGE_SIZE = 20;

/** Relay connection arguments as they arrive from GraphQL. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** A validated page request: which way to read, how many rows, and the decoded cursor. */
export interface PageRequest<TCursor extends readonly unknown[] = readonly unknown[]> {
  direction: 'forward' | 'backward';
  /** Rows to return (1-100); stores fetch `limit + 1` to learn whether more exist. */
  limit: number;
  /** Sort-key values of the cursor row, or null to start at the beginning (or end). */
  cursor: TCursor | null;
}

/** Cursor of lists ordered newest or oldest first: `[createdAt (RFC 3339), id]`. */
export const CREATED_AT_CURSOR = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

/**
 * Validates Relay arguments (https://relay.dev/graphql/connections.htm) and decodes the cursor
 * against `cursorShape`, the sort key of the list it belongs to.
 * @throws BAD_USER_INPUT when `first` and `last` are combined, a size is outside 0-100, or a
 * cursor is malformed or of another list's shape.
 */
export function parsePageArgs<TCursor extends readonly unknown[]>(
  args: PageArgs,
  cursorShape: z.ZodType<TCursor>,
): PageRequest<TCursor> {
  const { first, after, last, before } = args;
  if (first != null && last != null) throw badUserInput('Pass either `first` or `last`, not both.');
  const size = first ?? last ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw badUserInput(`Page size must be between 0 and ${MAX_PAGE_SIZE}.`);
  }
  if (last != null || (before != null && first == null)) {
    return { direction: 'backward', limit: size, cursor: before != null ? decodeCursor(before, cursorShape) : null };
  }
  return { direction: 'forward', limit: size, cursor: after != null ? decodeCursor(after, cursorShape) : null };
}

/** Encodes a row's sort-key values as an opaque cursor (base64url JSON). */
export function encodeCursor(values: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** Decodes a cursor from `encodeCursor` and checks it has `shape`. @throws BAD_USER_INPUT when it does not. */
export function decodeCursor<TCursor extends readonly unknown[]>(cursor: string, shape: z.ZodType<TCursor>): TCursor {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    // fall through to the uniform error
  }
  const parsed = shape.safeParse(values);
  if (parsed.success) return parsed.data;
  throw badUserInput('Invalid cursor.');
}

/** One edge of a connection. */
export interface Edge<T> {
  cursor: string;
  node: T;
}

/** A Relay connection as resolvers return it. */
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/**
 * Builds a connection from rows fetched with `limit + 1` in the page's direction.
 * @param rows in read order (reversed for backward pages); the extra row only signals another page.
 */
export function toConnection<T>(
  rows: readonly T[],
  page: PageRequest<readonly unknown[]>,
  cursorOf: (row: T) => readonly unknown[],
  totalCount: number,
): Connection<T> {
  const more = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  if (page.direction === 'backward') kept.reverse();
  const edges = kept.map((node) => ({ cursor: encodeCursor(cursorOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.direction === 'forward' ? more : page.cursor !== null,
      hasPreviousPage: page.direction === 'backward' ? more : page.cursor !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount,
  };
}

/** True when the connection field's selection asks for `totalCount` and nothing that needs rows. */
export function selectsOnlyTotalCount(info: GraphQLResolveInfo): boolean {
  return !selectsField(info, 'edges') && !selectsField(info, 'pageInfo');
}

/** True when the current field's selection (fragments included) asks for `name`, e.g. `totalCount`. */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    set?.selections.some((selection) => {
      if (selection.kind === 'Field') return selection.name.value === name;
      if (selection.kind === 'InlineFragment') return visit(selection.selectionSet);
      return visit(info.fragments[selection.name.value]?.selectionSet);
    }) ?? false;
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}
