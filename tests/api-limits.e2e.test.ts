import { randomBytes, randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  MAX_ALIASES,
  MAX_DEPTH,
  MAX_DIRECTIVES,
  MAX_FIELD_REPEATS,
  MAX_TOKENS,
} from '../gateway/limits/query-limits.ts';
import { connectAdmin, countClientRows } from './support/admin-db.ts';
import { signUpFirm, type FirmOwner } from './support/factories.ts';
import {
  postGraphQL,
  startTestStack,
  TEST_CONTEXT_SECRET,
  TEST_JWT_SECRET,
  type GraphQLResponse,
  type TestStack,
} from './support/stack.ts';

let dev: TestStack;
let prod: TestStack;
let admin: postgres.Sql;
beforeAll(async () => {
  [dev, prod] = await Promise.all([
    startTestStack({ NODE_ENV: 'development' }),
    startTestStack({
      NODE_ENV: 'production',
      JWT_SECRET: TEST_JWT_SECRET,
      CONTEXT_SIGNING_SECRET: TEST_CONTEXT_SECRET,
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: inject('adminUrl'),
    }),
  ]);
  admin = connectAdmin();
});
afterAll(async () => {
  await admin.end();
  await Promise.all([dev.stop(), prod.stop()]);
});

/** A createClient mutation whose payload selects `selection` besides the new client's id. */
const createClient = (name: string, selection = '', directives = '') =>
  `mutation { createClient(input: { name: "${name}" }) ${directives} { client { id ${selection} } userErrors { code } } }`;

/** Client's scalar fields besides the `id` that `createClient` always selects, for filler that repeats none too often. */
const CLIENT_FIELDS = 'name email phone website currency status createdAt updatedAt archivedAt __typename'.split(' ');

/** `Client → invoices → edges → node → client`, `levels` times: 4 more fields of depth per level. */
const nested = (levels: number, leaf = 'id'): string =>
  levels === 0 ? leaf : `invoices(first: 1) { edges { node { client { ${nested(levels - 1, leaf)} } } } }`;

/** Asserts a refusal before execution: one error of `code`, no data, a message without `limit`. */
function expectRefused(result: GraphQLResponse, code: string, limit?: number): void {
  expect(result.status).toBe(400);
  expect(result.data ?? null).toBeNull();
  expect(result.errors?.[0]?.extensions?.code).toBe(code);
  if (limit !== undefined) expect(result.errors![0]!.message).not.toContain(String(limit));
}

describe('query limits, each refused before execution without echoing the limit', () => {
  let owner: FirmOwner;
  beforeAll(async () => {
    owner = await signUpFirm(prod);
  });

  it(`refuses depth over ${MAX_DEPTH} and executes depth ${MAX_DEPTH}`, async () => {
    // createClient (1), client (2), 4 per level, then the leaf: nested(2) reaches depth 11.
    const atLimit = await prod.gql(
      createClient(`Depth ok ${randomUUID()}`, nested(1, 'invoices(first: 1) { edges { node { id } } }')),
      {},
      owner.accessToken,
    );
    expect(atLimit.errors).toBeUndefined();
    const before = await countClientRows(admin, owner.firmId);
    const over = await prod.gql(createClient(`Too deep ${randomUUID()}`, nested(2)), {}, owner.accessToken);
    expectRefused(over, 'GRAPHQL_VALIDATION_FAILED', MAX_DEPTH);
    expect(over.errors![0]!.message).toBe('The query is nested too deeply.');
    // Fragments do not hide depth.
    const viaFragments = await prod.gql(
      `mutation { createClient(input: { name: "Frag ${randomUUID()}" }) { client { ...A } } }
       fragment A on Client { invoices(first: 1) { edges { node { client { ...B } } } } }
       fragment B on Client { invoices(first: 1) { edges { node { client { id } } } } }`,
      {},
      owner.accessToken,
    );
    expectRefused(viaFragments, 'GRAPHQL_VALIDATION_FAILED', MAX_DEPTH);
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });

  it(`refuses more than ${MAX_ALIASES} aliases, __typename aliases included`, async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');
    const atLimit = await prod.gql(
      createClient(`Aliases ok ${randomUUID()}`, aliases(MAX_ALIASES)),
      {},
      owner.accessToken,
    );
    expect(atLimit.errors).toBeUndefined();
    expect(atLimit.data!.createClient.client.a0).toBe('Client');
    const before = await countClientRows(admin, owner.firmId);
    const over = await prod.gql(
      createClient(`Aliased ${randomUUID()}`, aliases(MAX_ALIASES + 1)),
      {},
      owner.accessToken,
    );
    expectRefused(over, 'GRAPHQL_VALIDATION_FAILED', MAX_ALIASES);
    expect(over.errors![0]!.message).toBe('The query uses too many aliases.');
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });

  it(`refuses a field named more than ${MAX_FIELD_REPEATS} times in one selection set, fragments included`, async () => {
    const atLimit = await prod.gql(
      createClient(`Repeats ok ${randomUUID()}`, 'name '.repeat(MAX_FIELD_REPEATS)),
      {},
      owner.accessToken,
    );
    expect(atLimit.errors).toBeUndefined();
    const before = await countClientRows(admin, owner.firmId);
    for (const selection of [
      'name '.repeat(MAX_FIELD_REPEATS + 1),
      '... on Client { name } '.repeat(MAX_FIELD_REPEATS + 1),
    ]) {
      const over = await prod.gql(createClient(`Repeated ${randomUUID()}`, selection), {}, owner.accessToken);
      expectRefused(over, 'GRAPHQL_VALIDATION_FAILED', MAX_FIELD_REPEATS);
      expect(over.errors!.map((error) => error.message)).toEqual(['The query repeats a field too many times.']);
    }
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });

  it(`refuses more than ${MAX_DIRECTIVES} directives, and repeated unknown directives with a short error list`, async () => {
    // Each fragment selects the next of Client's fields, so no field is named more than MAX_FIELD_REPEATS times.
    const includes = (n: number) =>
      Array.from({ length: n }, (_, i) => CLIENT_FIELDS[i % CLIENT_FIELDS.length])
        .map((field) => `... @include(if: true) { ${field} }`)
        .join(' ');
    const atLimit = await prod.gql(
      createClient(`Directives ok ${randomUUID()}`, includes(MAX_DIRECTIVES)),
      {},
      owner.accessToken,
    );
    expect(atLimit.errors).toBeUndefined();
    const before = await countClientRows(admin, owner.firmId);
    const over = await prod.gql(
      createClient(`Directed ${randomUUID()}`, includes(MAX_DIRECTIVES + 1)),
      {},
      owner.accessToken,
    );
    expectRefused(over, 'GRAPHQL_VALIDATION_FAILED', MAX_DIRECTIVES);
    expect(over.errors![0]!.message).toBe('The query uses too many directives.');

    for (const count of [2, 20, 300]) {
      const unknown = await prod.gql(
        createClient(`Unknown ${randomUUID()}`, '', '@a '.repeat(count)),
        {},
        owner.accessToken,
      );
      expectRefused(unknown, 'GRAPHQL_VALIDATION_FAILED');
      // One error however many repeats: the document is refused for the repetition, not per directive.
      expect(unknown.errors!.map((error) => error.message)).toEqual(['The query repeats a directive on one location.']);
    }
    const tenOnTypename = await prod.gql(`query { __typename ${'@aa'.repeat(10)} }`, {}, owner.accessToken);
    expect(tenOnTypename.errors!.map((error) => error.message)).toEqual([
      'The query repeats a directive on one location.',
    ]);
    // Distinct unknown directives are still each named, up to the cap.
    const distinct = await prod.gql(`query { __typename @a1 @a2 @a3 }`, {}, owner.accessToken);
    expect(distinct.errors).toHaveLength(3);
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });

  it(`refuses a document over ${MAX_TOKENS} tokens`, async () => {
    const before = await countClientRows(admin, owner.firmId);
    // Each `id` is one token; the rest of the mutation adds a few dozen.
    const over = await prod.gql(
      createClient(`Tokens ${randomUUID()}`, 'id '.repeat(MAX_TOKENS)),
      {},
      owner.accessToken,
    );
    expectRefused(over, 'GRAPHQL_PARSE_FAILED', MAX_TOKENS);
    expect(over.errors![0]!.message).toBe('The query document is too large.');
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
    // A long document within every other limit: Client's own fields besides `id`, each named MAX_FIELD_REPEATS times.
    const under = await prod.gql(
      createClient(`Tokens ok ${randomUUID()}`, `${CLIENT_FIELDS.join(' ')} `.repeat(MAX_FIELD_REPEATS)),
      {},
      owner.accessToken,
    );
    expect(under.errors).toBeUndefined();
  });

  it('refuses a query that costs more than a request may spend, stating its cost but not the limit', async () => {
    const before = await countClientRows(admin, owner.firmId);
    const wide = `invoices(first: 100) { edges { node { client { invoices(first: 100) { edges { node { id } } } } } } }`;
    const over = await prod.gql(createClient(`Costly ${randomUUID()}`, wide), {}, owner.accessToken);
    expectRefused(over, 'GRAPHQL_VALIDATION_FAILED', prod.config.rateLimits.caller.size);
    expect(over.errors![0]!.message).toMatch(/costs more than a single request may spend/);
    expect(over.extensions?.cost).toEqual({ requestedQueryCost: expect.any(Number) });
    expect((over.extensions!.cost as { requestedQueryCost: number }).requestedQueryCost).toBeGreaterThan(
      prod.config.rateLimits.caller.size,
    );
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });

  it('refuses first over 100 with BAD_USER_INPUT before execution, literal or variable', async () => {
    const before = await countClientRows(admin, owner.firmId);
    const literal = await prod.gql(
      createClient(`Page ${randomUUID()}`, 'invoices(first: 101) { totalCount }'),
      {},
      owner.accessToken,
    );
    expectRefused(literal, 'BAD_USER_INPUT');
    const variable = await prod.gql(
      `mutation M($n: Int) { createClient(input: { name: "Page var ${randomUUID()}" }) { client { invoices(first: $n) { totalCount } } } }`,
      { n: 101 },
      owner.accessToken,
    );
    expectRefused(variable, 'BAD_USER_INPUT');
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });
});

describe('batching and CSRF', () => {
  let owner: FirmOwner;
  beforeAll(async () => {
    owner = await signUpFirm(prod);
  });
  const mutation = (name: string) => createClient(name);
  const post = (body: string, headers: Record<string, string>) =>
    fetch(prod.graphqlUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.accessToken}`, ...headers },
      body,
    });

  it('refuses an array of operations and executes none of them', async () => {
    const before = await countClientRows(admin, owner.firmId);
    const response = await post(
      JSON.stringify([{ query: mutation(`Batch A ${randomUUID()}`) }, { query: mutation(`Batch B ${randomUUID()}`) }]),
      {
        'content-type': 'application/json',
      },
    );
    expect(response.status).toBe(400);
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });

  it('refuses text/plain, form and multipart posts, which a browser sends cross-site without a preflight', async () => {
    const before = await countClientRows(admin, owner.firmId);
    const body = JSON.stringify({ query: mutation(`Simple ${randomUUID()}`) });
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await post(body, { 'content-type': contentType });
      expect(response.status, contentType).toBe(400);
    }
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });

  it('runs a GET query only with a preflight header, and a GET mutation never', async () => {
    const query = `${prod.graphqlUrl}?query=${encodeURIComponent('{ me { activeFirm { id } } }')}`;
    const auth = { authorization: `Bearer ${owner.accessToken}` };
    expect((await fetch(query, { headers: auth })).status).toBe(400);
    const preflighted = await fetch(query, { headers: { ...auth, 'apollo-require-preflight': 'true' } });
    expect(preflighted.status).toBe(200);
    expect(((await preflighted.json()) as { data: unknown }).data).toEqual({
      me: { activeFirm: { id: owner.firmId } },
    });

    const before = await countClientRows(admin, owner.firmId);
    const getMutation = `${prod.graphqlUrl}?query=${encodeURIComponent(mutation(`Via GET ${randomUUID()}`))}`;
    expect((await fetch(getMutation, { headers: auth })).status).toBe(400);
    expect((await fetch(getMutation, { headers: { ...auth, 'apollo-require-preflight': 'true' } })).status).toBe(405);
    expect(await countClientRows(admin, owner.firmId)).toBe(before);
  });
});

describe('production hides the schema; development shows it', () => {
  const both = () =>
    [
      ['development', dev],
      ['production', prod],
    ] as const;

  it('answers introspection only in development', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Client") { name } }']) {
      const inDev = await dev.gql(query);
      expect(inDev.errors).toBeUndefined();
      const inProd = await prod.gql(query);
      expect(inProd.data ?? null).toBeNull();
      expect(inProd.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
  });

  it('suggests field, argument, enum and input field names only in development', async () => {
    const owner = await signUpFirm(prod);
    const devOwner = await signUpFirm(dev);
    const mistakes: [string, Record<string, unknown>, string][] = [
      ['{ clientz(first: 1) { totalCount } }', {}, 'Cannot query field "clientz" on type "Query".'],
      ['{ clients(statu: ACTIVE) { totalCount } }', {}, 'Unknown argument "statu" on field "Query.clients".'],
      ['{ clients(status: ACTIV) { totalCount } }', {}, 'Value "ACTIV" does not exist in "ClientStatus" enum.'],
      // Variables are checked at execution, after validation.
      [
        'query Q($s: ClientStatus) { clients(status: $s) { totalCount } }',
        { s: 'ACTIV' },
        'Value "ACTIV" does not exist in "ClientStatus" enum.',
      ],
      [
        'mutation C($input: CreateClientInput!) { createClient(input: $input) { client { id } } }',
        { input: { name: 'A', emial: 'a@example.test' } },
        'Field "emial" is not defined by type "CreateClientInput".',
      ],
    ];
    for (const [query, variables, hidden] of mistakes) {
      const inDev = await dev.gql(query, variables, devOwner.accessToken);
      expect(inDev.errors!.map((e) => e.message).join('\n'), query).toMatch(/Did you mean/);
      const inProd = await prod.gql(query, variables, owner.accessToken);
      const messages = inProd.errors!.map((e) => e.message);
      expect(
        messages.some((message) => message.endsWith(hidden)),
        query,
      ).toBe(true);
      expect(messages.join('\n'), query).not.toMatch(/Did you mean/);
    }
  });

  it('shows stack traces only in development', async () => {
    const [inDev, inProd] = await Promise.all(both().map(([, s]) => s.gql('{ clientz }')));
    expect(inDev!.errors![0]!.extensions!.stacktrace).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(inProd!.errors![0]!.extensions!.stacktrace).toBeUndefined();
  });

  it('serves the Sandbox page only in development', async () => {
    const [inDev, inProd] = await Promise.all(
      both().map(([, s]) => fetch(s.graphqlUrl, { headers: { accept: 'text/html' } })),
    );
    expect(inDev!.status).toBe(200);
    expect(inDev!.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await inDev!.text()).toMatch(/sandbox/i);
    expect(inProd!.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await inProd!.text()).not.toMatch(/sandbox/i);
  });
});

describe('per-operation timeout', () => {
  let slow: TestStack;
  beforeAll(async () => {
    slow = await startTestStack({ OPERATION_TIMEOUT_MS: '500' });
  });
  afterAll(async () => {
    await slow.stop();
  });

  it('answers TIMEOUT (HTTP 504) once the deadline passes, without waiting for the subgraph', async () => {
    const owner = await signUpFirm(slow);
    const created = await slow.gql(createClient(`Locked ${randomUUID()}`), {}, owner.accessToken);
    const clientId = created.data!.createClient.client.id as string;
    // Hold the client's row lock, so the update waits in crm until the deadline passes.
    const locker = connectAdmin();
    try {
      await locker.begin(async (tx) => {
        await tx`select 1 from crm.clients where firm_id = ${owner.firmId} and id = ${clientId} for update`;
        const started = performance.now();
        const result = await postGraphQL(
          slow.graphqlUrl,
          'mutation U($input: UpdateClientInput!) { updateClient(input: $input) { client { name } } }',
          { input: { id: clientId, name: 'Renamed while locked' } },
          { authorization: `Bearer ${owner.accessToken}` },
        );
        const elapsed = performance.now() - started;
        expect(result.status).toBe(504);
        expect(result.errors).toEqual([{ message: expect.any(String), extensions: { code: 'TIMEOUT' } }]);
        expect(result.data ?? null).toBeNull();
        expect(elapsed).toBeGreaterThanOrEqual(400);
        expect(elapsed).toBeLessThan(3000);
      });
    } finally {
      await locker.end();
    }
  });
});
