import { readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import { buildSchema, parse, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../codegen.ts';
import { roleTableMarkdown } from '../platform/permissions.ts';
import {
  assembleSdl,
  assembleSubgraphSdl,
  readSubgraphSdl,
  subgraphSdlFragments,
  SUPERGRAPH_PATH,
} from '../platform/schema-files.ts';
import { composeSupergraph, README_PATH, withRoleTable } from '../scripts/compose-supergraph.ts';
import { SUBGRAPH_NAMES } from '../platform/subgraph-names.ts';

describe('the subgraph SDL artifacts', () => {
  it('are fresh: schema/<subgraph>.graphql is what the fragments in subgraphs/<subgraph>/ assemble to (run `npm run compose`)', async () => {
    for (const name of SUBGRAPH_NAMES) expect(await readSubgraphSdl(name), name).toBe(await assembleSubgraphSdl(name));
  });

  it('are assembled from the subgraph-wide fragment first, then one fragment per module folder', async () => {
    const fragments = await subgraphSdlFragments('billing');
    expect(fragments.map((f) => f.source)).toEqual([
      'subgraphs/billing/billing.graphql',
      'subgraphs/billing/invoices/invoices.graphql',
      'subgraphs/billing/ledger/ledger.graphql',
      'subgraphs/billing/rates/rates.graphql',
      'subgraphs/billing/reports/reports.graphql',
      'subgraphs/billing/services/services.graphql',
      'subgraphs/billing/tax-rates/tax-rates.graphql',
      'subgraphs/billing/time-entries/time-entries.graphql',
      'subgraphs/billing/time-reports/time-reports.graphql',
      'subgraphs/billing/timers/timers.graphql',
    ]);
  });

  it('refuse a type, field or enum value that two fragments define, naming both', () => {
    const wide = { source: 'a.graphql', sdl: 'type Query { a: Int }\nenum Kind { ONE }' };
    expect(() => assembleSdl('billing', [wide, { source: 'b.graphql', sdl: 'extend type Query { a: Int }' }])).toThrow(
      'billing: Query.a is defined in both a.graphql and b.graphql',
    );
    expect(() => assembleSdl('billing', [wide, { source: 'c.graphql', sdl: 'enum Kind { TWO }' }])).toThrow(
      'Kind is defined in both',
    );
    expect(() => assembleSdl('billing', [wide, { source: 'd.graphql', sdl: 'extend enum Kind { ONE }' }])).toThrow(
      'Kind.ONE',
    );
    expect(assembleSdl('billing', [wide, { source: 'e.graphql', sdl: 'extend type Query { b: Int }' }])).toContain(
      'extend type Query { b: Int }',
    );
  });

  it("README.md's role table is the one platform/permissions.ts generates (run `npm run compose`)", async () => {
    const readme = await readFile(README_PATH, 'utf8');
    expect(readme).toBe(withRoleTable(readme, roleTableMarkdown()));
    expect(roleTableMarkdown()).toMatch(/\| `audit:read` \| [^|]+ \| ✓ \| ✓ \| {2}\| {2}\|/);
  });
});

describe('the supergraph', () => {
  it('composes without errors and matches the committed schema/supergraph.graphql (run `npm run compose`)', async () => {
    const composed = await composeSupergraph();
    expect(composed).toBe(await readFile(SUPERGRAPH_PATH, 'utf8'));
  });

  it('fails composition with the error named when subgraphs disagree', async () => {
    const { composeServices } = await import('@apollo/composition');
    const crm = parse(await readSubgraphSdl('crm'));
    const conflicting = parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
      type Client @key(fields: "id") { id: ID! name: Int! }
    `);
    const result = composeServices([
      { name: 'crm', typeDefs: crm, url: 'http://crm' },
      { name: 'rogue', typeDefs: conflicting, url: 'http://rogue' },
    ]);
    expect(result.errors?.map((e) => e.message).join('\n')).toMatch(/Client\.name/);
  });

  it('gives every type, field, argument and enum value in the public API a description', async () => {
    const schema = buildSchema(await readFile(SUPERGRAPH_PATH, 'utf8'), { assumeValidSDL: true });
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      // Skip built-ins and the federation machinery (`join__Graph`, `link__Purpose`, ...).
      if (type.name.includes('__') || ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name)) continue;
      if (!type.description && !['Query', 'Mutation'].includes(type.name)) missing.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : [])
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if ('getValues' in type)
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('generated resolver types and typed test documents', () => {
  it('are fresh: `npm run codegen` would not change subgraphs/*/__generated__ or tests/gql', async () => {
    const outputs = await generate(codegenConfig, false);
    expect(outputs.map((o: { filename: string }) => o.filename).sort()).toEqual(
      [
        ...SUBGRAPH_NAMES.map((name) => `subgraphs/${name}/__generated__/resolvers-types.ts`),
        ...['gql.ts', 'graphql.ts', 'index.ts'].map((file) => `tests/gql/${file}`),
      ].sort(),
    );
    for (const output of outputs as { filename: string; content: string }[]) {
      expect(await readFile(output.filename, 'utf8'), output.filename).toBe(output.content);
    }
  });

  it('use federation types: every @key entity has a reference resolver type', async () => {
    for (const name of SUBGRAPH_NAMES) {
      const keyed: string[] = [];
      visit(parse(await readSubgraphSdl(name)), {
        ObjectTypeDefinition(node) {
          // A `@key(resolvable: false)` stub only names the entity; the subgraph resolves no reference to it.
          const resolvable = (d: {
            name: { value: string };
            arguments?: readonly { name: { value: string }; value: { kind: string; value?: unknown } }[];
          }) =>
            d.name.value === 'key' &&
            !d.arguments?.some(
              (a) => a.name.value === 'resolvable' && a.value.kind === 'BooleanValue' && a.value.value === false,
            );
          if (node.directives?.some(resolvable)) keyed.push(node.name.value);
        },
      });
      const generated = await readFile(`subgraphs/${name}/__generated__/resolvers-types.ts`, 'utf8');
      for (const type of keyed)
        expect(generated, `${name}: ${type}`).toMatch(
          new RegExp(`export type ${type}Resolvers<[^]*?__resolveReference`),
        );
    }
  });
});
