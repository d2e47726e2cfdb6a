import { buildSchema, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MUTATION_COST, operationCost } from './query-cost.ts';

const schema = buildSchema(/* GraphQL */ `
  type Query {
    me: Me
    clients(first: Int, last: Int): ClientConnection!
    tags: [String!]!
    firm: Firm
  }
  type Mutation {
    createClient(name: String!): CreateClientPayload!
  }
  type Me {
    name: String!
    firm: Firm
  }
  type Firm {
    id: ID!
    parent: Firm
    clients(first: Int, last: Int): ClientConnection!
    members: [Member!]!
  }
  type Member {
    id: ID!
  }
  type ClientConnection {
    edges: [ClientEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }
  type ClientEdge {
    cursor: String!
    node: Client!
  }
  type PageInfo {
    hasNextPage: Boolean!
  }
  enum Status {
    ACTIVE
    ARCHIVED
  }
  type Client {
    id: ID!
    status: Status!
    invoices(first: Int): InvoiceConnection!
  }
  type InvoiceConnection {
    edges: [InvoiceEdge!]!
    totalCount: Int!
  }
  type InvoiceEdge {
    node: Invoice!
  }
  type Invoice {
    id: ID!
  }
  type CreateClientPayload {
    client: Client
  }
`);

/** The cost of the document's operation. */
function cost(document: string, variables?: Record<string, unknown>): number {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
  const fragments = Object.fromEntries(
    parsed.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition')
      .map((d) => [d.name.value, d]),
  );
  return operationCost({ schema, operation, fragments, variables });
}

describe('operationCost', () => {
  it('counts 1 per object and 0 per scalar or enum, and at least 1 per operation', () => {
    expect(cost('{ tags }')).toBe(1);
    expect(cost('{ __typename }')).toBe(1);
    expect(cost('{ me { name } }')).toBe(1);
    expect(cost('{ me { name } tags }')).toBe(1);
    expect(cost('{ me { name firm { id members { id } } } }')).toBe(3);
    expect(cost('{ __typename me { __typename } }')).toBe(1);
  });

  it('multiplies the lists inside a connection by the page size, 20 by default', () => {
    // clients 1 + 10 × (edge 1 + node 1); pageInfo counts once.
    expect(cost('{ clients(first: 10) { edges { node { id status } } pageInfo { hasNextPage } totalCount } }')).toBe(
      1 + 10 * 2 + 1,
    );
    expect(cost('{ clients(last: 3) { edges { node { id } } } }')).toBe(1 + 3 * 2);
    expect(cost('{ clients { edges { node { id } } } }')).toBe(1 + 20 * 2);
    expect(cost('{ clients(first: 0) { edges { node { id } } totalCount } }')).toBe(1);
    // Nested connections multiply.
    expect(cost('{ clients(first: 10) { edges { node { invoices(first: 5) { edges { node { id } } } } } } }')).toBe(
      1 + 10 * (1 + 1 + (1 + 5 * 2)),
    );
  });

  it('reads page sizes from variables, with their defaults', () => {
    const query = 'query Q($n: Int = 4) { clients(first: $n) { edges { node { id } } } }';
    expect(cost(query, { n: 7 })).toBe(1 + 7 * 2);
    expect(cost(query)).toBe(1 + 4 * 2);
    // An invalid variable fails execution; until then it counts as absent.
    expect(cost(query, { n: 'seven' })).toBe(1 + 20 * 2);
  });

  it('refuses a page over 100 with BAD_USER_INPUT', () => {
    expect(() => cost('{ clients(first: 101) { totalCount } }')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    );
    expect(() => cost('query Q($n: Int) { firm { clients(last: $n) { totalCount } } }', { n: 500 })).toThrow(
      /at most 100/,
    );
    expect(cost('{ clients(first: 100) { totalCount } }')).toBe(1);
  });

  it(`adds ${MUTATION_COST} per mutation root field, through fragments too`, () => {
    expect(cost('mutation { createClient(name: "a") { client { id } } }')).toBe(MUTATION_COST + 2);
    expect(
      cost('mutation { a: createClient(name: "a") { client { id } } b: createClient(name: "b") { __typename } }'),
    ).toBe(2 * MUTATION_COST + 3);
    expect(cost('mutation { ...M } fragment M on Mutation { createClient(name: "a") { client { id } } }')).toBe(
      MUTATION_COST + 2,
    );
  });

  it('counts fragments where they are spread, once per selection set', () => {
    const fragment = 'fragment C on ClientConnection { edges { node { id } } }';
    expect(cost(`{ clients(first: 5) { ...C } } ${fragment}`)).toBe(1 + 5 * 2);
    expect(cost(`{ clients(first: 5) { ...C ...C } } ${fragment}`)).toBe(1 + 5 * 2);
    expect(cost(`{ a: clients(first: 5) { ...C } b: clients(first: 2) { ...C } } ${fragment}`)).toBe(
      1 + 5 * 2 + 1 + 2 * 2,
    );
    expect(cost('{ me { ... on Me { firm { id } } } }')).toBe(2);
  });

  it('costs a document of fragments spreading fragments in linear time, however large the total', () => {
    // Ten levels, each spreading the next one 15 times under aliases: 15^10 leaves in the response.
    const levels = Array.from({ length: 10 }, (_, i) => {
      const next = i === 9 ? 'id' : `...F${i + 1}`;
      const fields = Array.from({ length: 15 }, (_, j) => `a${j}: parent { ${next} }`).join(' ');
      return `fragment F${i} on Firm { ${fields} }`;
    });
    const started = performance.now();
    const total = cost(`{ firm { ...F0 } } ${levels.join(' ')}`);
    expect(performance.now() - started).toBeLessThan(200);
    expect(total).toBeGreaterThan(15 ** 10);
  });
});
