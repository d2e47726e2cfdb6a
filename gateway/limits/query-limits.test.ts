import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_FIELD_REPEATS, queryLimits } from './query-limits.ts';

const schema = buildSchema(/* GraphQL */ `
  type Query {
    me: Me
  }
  type Me {
    id: ID!
    name: String!
  }
`);
const { checkDocument } = queryLimits({ hideSuggestions: true });
const messages = (source: string) => checkDocument(schema, source).errors.map((error) => error.message);
const REPEATED_FIELD = 'The query repeats a field too many times.';

describe('repeated fields', () => {
  const typenames = (n: number) => '__typename '.repeat(n);

  it(`accepts a field named ${MAX_FIELD_REPEATS} times in one selection set`, () => {
    expect(messages(`query { ${typenames(MAX_FIELD_REPEATS)} }`)).toEqual([]);
    expect(messages(`query { me { ${'id '.repeat(MAX_FIELD_REPEATS)} } }`)).toEqual([]);
  });

  it('refuses the 500 copies of __typename graphql-cop sends, with one error', () => {
    expect(messages(`query cop { ${typenames(500)} }`)).toEqual([REPEATED_FIELD]);
    expect(messages(`query { ${typenames(MAX_FIELD_REPEATS + 1)} }`)).toEqual([REPEATED_FIELD]);
  });

  it('counts response keys: distinct aliases of one field are distinct keys, one alias repeated is not', () => {
    const aliased = Array.from({ length: MAX_FIELD_REPEATS + 1 }, (_, i) => `a${i}: __typename`).join(' ');
    expect(messages(`query { ${aliased} }`)).toEqual([]);
    expect(messages(`query { ${'a: __typename '.repeat(MAX_FIELD_REPEATS + 1)} }`)).toEqual([REPEATED_FIELD]);
  });

  it('counts the fields fragments add to the selection set they sit in', () => {
    const inline = '... on Me { id } '.repeat(MAX_FIELD_REPEATS + 1);
    expect(messages(`query { me { ${inline} } }`)).toEqual([REPEATED_FIELD]);
    const spreads = '...F '.repeat(MAX_FIELD_REPEATS + 1);
    expect(messages(`query { me { ${spreads} } } fragment F on Me { id }`)).toEqual([REPEATED_FIELD]);
    expect(messages(`query { me { ${'...F '.repeat(MAX_FIELD_REPEATS)} } } fragment F on Me { id }`)).toEqual([]);
  });

  it('counts nested spreads without expanding them: 2^40 copies are refused at once', () => {
    const levels = Array.from({ length: 40 }, (_, i) => `fragment F${i + 1} on Me { ...F${i} ...F${i} }`).join(' ');
    const started = performance.now();
    expect(messages(`query { me { ...F40 } } fragment F0 on Me { id } ${levels}`)).toEqual([REPEATED_FIELD]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('answers a repeated unknown field with the refusal alone, not one error per copy', () => {
    expect(messages(`query { ${'nope '.repeat(MAX_FIELD_REPEATS + 1)} }`)).toEqual([REPEATED_FIELD]);
    expect(messages(`query { nope }`)).toEqual(['Cannot query field "nope" on type "Query".']);
  });
});

describe('repeated directives', () => {
  it("answers graphql-cop's ten @aa on __typename with one error", () => {
    expect(messages(`query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }`)).toEqual([
      'The query repeats a directive on one location.',
    ]);
  });
});
