import { readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import { buildSchema, parse, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../codegen.ts';
import { readSubgraphSdl, SUPERGRAPH_PATH } from '../platform/schema-files.ts';
import { composeSupergraph } from '../scripts/compose-supergraph.ts';
import { SUBGRAPH_NAMES } from '../platform/subgraph-names.ts';

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
          for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if ('getValues' in type) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
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
          const resolvable = (d: { name: { value: string }; arguments?: readonly { name: { value: string }; value: { kind: string; value?: unknown } }[] }) =>
            d.name.value === 'key' && !d.arguments?.some((a) => a.name.value === 'resolvable' && a.value.kind === 'BooleanValue' && a.value.value === false);
          if (node.directives?.some(resolvable)) keyed.push(node.name.value);
        },
      });
      const generated = await readFile(`subgraphs/${name}/__generated__/resolvers-types.ts`, 'utf8');
      for (const type of keyed) expect(generated, `${name}: ${type}`).toMatch(new RegExp(`export type ${type}Resolvers<[^]*?__resolveReference`));
    }
  });
});
