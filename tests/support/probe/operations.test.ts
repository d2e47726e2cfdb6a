import { buildSchema, Lexer, parse, Source, TokenKind, validate, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, MAX_TOKENS } from '../../../gateway/limits/query-limits.ts';
import { buildOperation, entityTypesOfId, takesIds, Undrivable } from './operations.ts';

const schema = buildSchema(/* GraphQL */ `
  type Client { id: ID! name: String! invoices(first: Int, after: String): InvoiceConnection! }
  type Invoice { id: ID! number: String client: Client! }
  type InvoiceConnection { edges: [InvoiceEdge!]! totalCount: Int! }
  type InvoiceEdge { cursor: String! node: Invoice! }
  type BreakGlassGrant { id: ID! reason: String! }
  type User { id: ID! email: String! }
  type Wide { id: ID! ${Array.from({ length: 1200 }, (_, i) => `f${i}: String`).join(' ')} }
  type Deep { id: ID! value: String next: Deep1 }
  ${Array.from({ length: 14 }, (_, i) => `type Deep${i + 1} { value: String next: Deep${i + 2} }`).join('\n')}
  type Deep15 { value: String }
  scalar Mystery
  input UpdateClientInput { id: ID! name: String }
  input RevokeGrantInput { grantId: ID! }
  input AuditFilter { "Only records by this user or operator." actorId: ID }
  type Query {
    client(id: ID!): Client
    clients(first: Int): [Client!]!
    audit(filter: AuditFilter): [String!]!
    wide(id: ID!): Wide
    deep: Deep
    strange(value: Mystery!): String
  }
  type Mutation {
    updateClient(input: UpdateClientInput!): Client
    revokeGrant(input: RevokeGrantInput!): BreakGlassGrant
    createClient(name: String!): Client
  }
`);

const ids = new Map([
  ['Client', ['client-1']],
  ['BreakGlassGrant', ['grant-1']],
  ['User', ['user-1']],
  ['Wide', ['wide-1']],
]);
const build = (root: 'query' | 'mutation', field: string, s: GraphQLSchema = schema) =>
  buildOperation(s, root, field, { idsByType: ids });
const tokens = (document: string) => {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
};
/** Field depth as graphql-armor counts it: the root field is 1, a leaf counts, fragments are flattened. */
const depth = (document: string) => {
  let deepest = 0;
  let current = 0;
  for (const char of document.replace(/\([^)]*\)/g, '')) {
    if (char === '{') deepest = Math.max(deepest, ++current);
    if (char === '}') current -= 1;
  }
  // A leaf inside n braces (the operation's and its ancestors') is at field depth n.
  return deepest;
};

describe('which entity an ID names', () => {
  it('reads the argument name, the subject, a type ending in the noun, then the description', () => {
    expect(entityTypesOfId(schema, 'clientId', null, null)).toEqual(['Client']);
    expect(entityTypesOfId(schema, 'id', 'Client', null)).toEqual(['Client']);
    expect(entityTypesOfId(schema, 'grantId', null, null)).toEqual(['BreakGlassGrant']);
    expect(entityTypesOfId(schema, 'actorId', null, 'Only records by this user or operator.')).toEqual(['User']);
    expect(entityTypesOfId(schema, 'otherId', null, 'Something else.')).toEqual([]);
  });
});

describe('buildOperation', () => {
  it('fills ids of the right type, required inputs and first, and declares only used variables', () => {
    const client = build('query', 'client');
    expect(client.idsUsed).toEqual(['client-1']);
    expect(client.documents).toHaveLength(1);
    // The id, then `first: 5` for each connection on the way (Client.invoices, and again below Invoice.client).
    expect(client.documents[0]!.variables).toEqual({ v0: 'client-1', v1: 5, v2: 5 });
    expect(validate(schema, parse(client.documents[0]!.document))).toEqual([]);
    expect(client.fieldsSelected).toContain('Invoice.client');

    const update = build('mutation', 'updateClient');
    expect(update.documents[0]!.variables).toEqual({ v0: { id: 'client-1' }, v1: 5, v2: 5 });
    expect(build('mutation', 'revokeGrant').idsUsed).toEqual(['grant-1']);
    expect(build('query', 'audit').documents[0]!.variables).toEqual({ v0: { actorId: 'user-1' } });
  });

  it('classifies by ID-typed arguments and input fields, not by name', () => {
    const mutation = schema.getMutationType()!.getFields();
    expect([
      takesIds(mutation.updateClient!),
      takesIds(mutation.revokeGrant!),
      takesIds(mutation.createClient!),
    ]).toEqual([true, true, false]);
  });

  it('names what it cannot fill', () => {
    expect(() => build('query', 'strange')).toThrow(
      new Undrivable('Query.strange(value): no sample value for scalar Mystery'),
    );
    const withoutGrants = () => buildOperation(schema, 'mutation', 'revokeGrant', { idsByType: new Map() });
    expect(withoutGrants).toThrow('RevokeGrantInput.grantId: the fixture has no BreakGlassGrant for `grantId`');
  });

  it('splits a selection over the token limit into valid documents that together read every field', () => {
    const wide = build('query', 'wide');
    expect(wide.documents.length).toBeGreaterThan(1);
    const selected = new Set<string>();
    for (const { document, variables } of wide.documents) {
      expect(tokens(document)).toBeLessThanOrEqual(MAX_TOKENS);
      expect(validate(schema, parse(document))).toEqual([]);
      expect(variables).toEqual({ v0: 'wide-1' });
      for (const match of document.matchAll(/\bf\d+\b/g)) selected.add(match[0]);
    }
    expect(selected.size).toBe(1200);
  });

  it('stops at the gateway’s depth limit', () => {
    const deep = build('query', 'deep');
    expect(depth(deep.documents[0]!.document)).toBe(MAX_DEPTH);
    expect(validate(schema, parse(deep.documents[0]!.document))).toEqual([]);
  });
});
