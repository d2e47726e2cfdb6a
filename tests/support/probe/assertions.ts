import type { GraphQLResponse } from '../stack.ts';

/**
 * The target's values that appear in any string value of a response (data, errors, extensions).
 * Empty means nothing of the target leaked.
 */
export function leakedValues(response: unknown, targetValues: ReadonlySet<string>): string[] {
  // Only values: a response's keys are the field names and aliases the caller's own query chose.
  const strings: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value);
    else if (value && typeof value === 'object') for (const item of Object.values(value)) collect(item);
  };
  collect(response);
  return [...targetValues].filter((value) => strings.some((text) => text.includes(value)));
}

/** What a caller can tell apart in a response: status, data, and each error's code and message. */
export interface Observable {
  status: number;
  data: unknown;
  errors: string[];
}

/**
 * The observable part of a response with every id in `ids` replaced by its placeholder, so the
 * answer for a target's id can be compared with the answer for a random id. Errors are reduced
 * to `CODE: message`, sorted and deduplicated; the request id of a masked internal error is dropped.
 */
export function observable(response: GraphQLResponse, ids: ReadonlyMap<string, string>): Observable {
  let text = JSON.stringify({ data: response.data ?? null, errors: response.errors ?? [] });
  for (const [id, placeholder] of ids) text = text.replaceAll(id, placeholder);
  const parsed = JSON.parse(text) as { data: unknown; errors: { message: string; extensions?: { code?: string } }[] };
  const errors = [...new Set(parsed.errors.map((e) => `${e.extensions?.code ?? 'NO_CODE'}: ${e.message}`))].sort();
  return { status: response.status, data: parsed.data, errors };
}

const VOLATILE = '<differs between identical calls>';

/**
 * Replaces in `value` every leaf that differs between `first` and `second`, two answers to the
 * same call (fresh tokens, timestamps, new ids), so only stable parts are compared.
 */
function maskVolatile(value: unknown, first: unknown, second: unknown): unknown {
  if (Array.isArray(first) && Array.isArray(second) && Array.isArray(value) && first.length === second.length) {
    return value.map((item, i) => maskVolatile(item, first[i], second[i]));
  }
  if (isRecord(first) && isRecord(second) && isRecord(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, maskVolatile(item, first[key], second[key])]),
    );
  }
  return JSON.stringify(first) === JSON.stringify(second) ? value : VOLATILE;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The existence-oracle check (README "Isolation proof": "another firm's id answers exactly as a missing
 * id does"). `foreign` answered a call with the target's ids; `random` and `randomAgain` answered
 * the same call with random ids in their place. Parts that differ between the two random answers
 * are ignored; everything else, including error codes and messages, must be equal.
 * @returns where the answers first differ, with both values, or null when indistinguishable.
 */
export function distinguishable(foreign: Observable, random: Observable, randomAgain: Observable): string | null {
  return firstDifference(maskVolatile(foreign, random, randomAgain), maskVolatile(random, random, randomAgain), '');
}

/** The first path where two JSON values differ, with both sides cut to 200 characters, or null. */
function firstDifference(target: unknown, random: unknown, path: string): string | null {
  if (isRecord(target) && isRecord(random)) {
    for (const key of new Set([...Object.keys(target), ...Object.keys(random)])) {
      const found = firstDifference(target[key], random[key], `${path}.${key}`);
      if (found) return found;
    }
    return null;
  }
  if (Array.isArray(target) && Array.isArray(random) && target.length === random.length) {
    for (let i = 0; i < target.length; i += 1) {
      const found = firstDifference(target[i], random[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  const [a, b] = [JSON.stringify(target) ?? 'undefined', JSON.stringify(random) ?? 'undefined'];
  return a === b
    ? null
    : `answers differ from a random id's at ${path || '.'}: target ${a.slice(0, 200)}, random ${b.slice(0, 200)}`;
}

/** The tables whose hash differs between two snapshots of the target. */
export function changedTables(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const tables = new Set([...before.keys(), ...after.keys()]);
  return [...tables].filter((table) => before.get(table) !== after.get(table)).sort();
}
