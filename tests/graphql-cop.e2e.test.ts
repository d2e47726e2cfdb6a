/**
 * graphql-cop's black-box audit, ported: against the gateway in production mode it must report
 * nothing.
 *
 * graphql-cop (github.com/dolevf/graphql-cop) is a Python tool, not installable here, so each of
 * its checks is ported as the HTTP request it sends and the judgment it makes of the answer:
 * - requests: `graph_query` (a JSON POST of `{ query, operationName: "cop" }`, or an array of ten
 *   `{ query }` when batching) and `request` (a GET, or a bodiless POST, with the query in the URL's
 *   query string) in lib/utils.py, with the `User-Agent: graphql-cop/…` of config.py;
 * - the list of checks: `tests` in graphql-cop.py; each check: lib/tests/<file>.py, named beside it.
 *
 * Where graphql-cop's judgment is narrow (one error, one spelling of an extension), the port judges
 * at least as strictly and says so beside the check, so that the audit passing here implies
 * graphql-cop would report nothing. Every detector is first run on a canned answer of a vulnerable
 * server, which it must flag, so a detector that cannot fire fails the test.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestStack, TEST_CONTEXT_SECRET, TEST_JWT_SECRET, type TestStack } from './support/stack.ts';

/** What a detector judges: the HTTP status, the raw body, and the body parsed as JSON (undefined when it is not). */
interface CopResponse {
  status: number;
  text: string;
  json: unknown;
}

/** One graphql-cop check: where it lives, what it sends, how it judges, and answers it must flag. */
interface CopCheck {
  /** graphql-cop's title for the finding. */
  title: string;
  /** The check's file in dolevf/graphql-cop. */
  source: string;
  send: (graphqlUrl: string) => Promise<CopResponse[]>;
  /** true when graphql-cop would report the weakness on one of these answers. */
  vulnerable: (responses: CopResponse[]) => boolean;
  /** Answers of vulnerable servers, each of which `vulnerable` must flag. */
  vulnerableSamples: CopResponse[][];
}

const HEADERS = { 'user-agent': 'graphql-cop/1.14' };

async function read(response: Response): Promise<CopResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/** lib/utils.py `graph_query`: a JSON POST of `{ query, operationName: 'cop' }`, or of ten `{ query }` when batching. */
const graphQuery = (url: string, query: string, options: { batch?: boolean } = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { ...HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify(
      options.batch ? Array.from({ length: 10 }, () => ({ query })) : { query, operationName: 'cop' },
    ),
  }).then(read);

/** lib/utils.py `request`: the query in the URL's query string, GET by default, no body. */
const request = (url: string, options: { params?: Record<string, string>; verb?: string; headers?: object } = {}) => {
  const target = new URL(url);
  for (const [key, value] of Object.entries(options.params ?? {})) target.searchParams.set(key, value);
  return fetch(target, { method: options.verb ?? 'GET', headers: { ...HEADERS, ...options.headers } }).then(read);
};

/** Python's `json[a][b]…` inside graphql-cop's `try`: the value at `path`, or undefined where any step is missing. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/** Python truthiness, which graphql-cop's `if` applies: empty strings, lists and dicts are false too. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/** The `errors` of a JSON answer, empty when there are none. */
function errorsOf(response: CopResponse | undefined): { message?: unknown; extensions?: Record<string, unknown> }[] {
  const errors = at(response?.json, 'errors');
  return Array.isArray(errors) ? errors : [];
}

/** The flag most checks raise: the answer carries `data.__typename`, so the operation ran. */
const ranTypename = ([response]: CopResponse[]) => truthy(at(response?.json, 'data', '__typename'));

const json = (body: unknown, status = 200): CopResponse => ({ status, text: JSON.stringify(body), json: body });
const ran = (data: Record<string, unknown>) => [json({ data })];

const CHECKS: CopCheck[] = [
  {
    title: 'Field Suggestions',
    source: 'lib/tests/info_field_suggestions.py',
    send: async (url) => [
      await graphQuery(url, 'query cop { __schema { directive } }'),
      // Beyond graphql-cop: a typo on the API's own schema, which introspection being off does not hide.
      await graphQuery(url, 'query cop { clientz }'),
    ],
    // graphql-cop reads the first error's message only; every error of every answer is read here.
    vulnerable: (responses) =>
      responses.some((response) => errorsOf(response).some((error) => String(error.message).includes('Did you mean'))),
    vulnerableSamples: [
      [
        json({
          errors: [{ message: 'Cannot query field "directive" on type "__Schema". Did you mean "directives"?' }],
        }),
      ],
    ],
  },
  {
    title: 'Introspection',
    source: 'lib/tests/info_introspect.py',
    send: async (url) => [await graphQuery(url, 'query cop { __schema { types { name fields { name } } } }')],
    vulnerable: ([response]) => truthy(at(response?.json, 'data', '__schema', 'types')),
    vulnerableSamples: [ran({ __schema: { types: [{ name: 'Query', fields: [{ name: 'me' }] }] } })],
  },
  {
    title: 'GraphQL IDE',
    source: 'lib/tests/info_graphiql.py',
    // graphql-cop GETs the endpoint with `Accept: text/html`; its older versions also tried these paths of the host.
    send: (url) =>
      Promise.all(
        ['/graphiql', '/playground', '/console', '/graphql'].map((path) =>
          request(new URL(path, url).href, { headers: { accept: 'text/html' } }),
        ),
      ),
    // graphql-cop's heuristics, and Apollo's own landing pages (Sandbox, Explorer) besides.
    vulnerable: (responses) =>
      responses.some((response) =>
        ['graphiql.min.css', 'GraphQL Playground', 'GraphiQL', 'graphql-playground', 'embeddable-sandbox'].some(
          (word) => response.text.includes(word),
        ),
      ),
    vulnerableSamples: [
      [{ status: 200, text: '<html><head><title>GraphiQL</title></head></html>', json: undefined }],
      [
        {
          status: 200,
          text: '<script src="https://embeddable-sandbox.cdn.apollographql.com/x"></script>',
          json: undefined,
        },
      ],
    ],
  },
  {
    title: 'GET Method Query Support',
    source: 'lib/tests/info_get_method_support.py',
    send: async (url) => [await request(url, { params: { query: 'query cop {__typename}' } })],
    vulnerable: ranTypename,
    vulnerableSamples: [ran({ __typename: 'Query' })],
  },
  {
    title: 'Alias Overloading',
    source: 'lib/tests/dos_alias_overloading.py',
    send: async (url) => {
      const aliases = Array.from({ length: 101 }, (_, i) => `alias${i}:__typename \n`).join('');
      return [await graphQuery(url, `query cop { ${aliases} }`)];
    },
    vulnerable: ([response]) => truthy(at(response?.json, 'data', 'alias100')),
    vulnerableSamples: [ran({ alias100: 'Query' })],
  },
  {
    title: 'Array-based Query Batching',
    source: 'lib/tests/dos_batch.py',
    send: async (url) => [await graphQuery(url, 'query cop { __typename }', { batch: true })],
    // Python's len(): items of a list, keys of a dict.
    vulnerable: ([response]) => {
      const body = response?.json;
      if (Array.isArray(body)) return body.length >= 10;
      return body !== null && typeof body === 'object' && Object.keys(body).length >= 10;
    },
    vulnerableSamples: [[json(Array.from({ length: 10 }, () => ({ data: { __typename: 'Query' } })))]],
  },
  {
    title: 'Field Duplication',
    source: 'lib/tests/dos_field_duplication.py',
    send: async (url) => [await graphQuery(url, `query cop { ${'__typename \n'.repeat(500)}} `)],
    vulnerable: ranTypename,
    vulnerableSamples: [ran({ __typename: 'Query' })],
  },
  {
    title: 'Trace Mode',
    source: 'lib/tests/info_trace_mode.py',
    send: async (url) => [await graphQuery(url, 'query cop { __typename }')],
    // graphql-cop's versions flag `tracing` in an error's extensions, the spelled `'extensions': {'tracing':`,
    // `exception` in an error's extensions, or "stacktrace" anywhere; here also a top-level `extensions.tracing`.
    vulnerable: ([response]) => {
      if (!response) return false;
      const lower = response.text.toLowerCase();
      return (
        errorsOf(response).some((error) => truthy(error.extensions?.tracing) || truthy(error.extensions?.exception)) ||
        truthy(at(response.json, 'extensions', 'tracing')) ||
        lower.replace(/\s/g, '').includes('"extensions":{"tracing":') ||
        lower.includes('stacktrace')
      );
    },
    vulnerableSamples: [
      [json({ data: { __typename: 'Query' }, extensions: { tracing: { version: 1, duration: 1200 } } })],
      [json({ errors: [{ message: 'x', extensions: { tracing: { version: 1 } } }] })],
      [json({ errors: [{ message: 'x', extensions: { stacktrace: ['Error: x', '    at resolve'] } }] })],
    ],
  },
  {
    title: 'Directive Overloading',
    source: 'lib/tests/dos_directive_overloading.py',
    send: async (url) => [await graphQuery(url, 'query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }')],
    // graphql-cop flags exactly ten errors (one per @aa); ten or more is flagged here.
    vulnerable: ([response]) => errorsOf(response).length >= 10,
    vulnerableSamples: [
      [json({ errors: Array.from({ length: 10 }, () => ({ message: 'Unknown directive "@aa".' })) }, 400)],
    ],
  },
  {
    title: 'Introspection-based Circular Query',
    source: 'lib/tests/dos_circular_introspection.py',
    send: async (url) => [
      await graphQuery(
        url,
        'query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }',
      ),
    ],
    vulnerable: ([response]) => {
      const types = at(response?.json, 'data', '__schema', 'types');
      return Array.isArray(types) && types.length > 25;
    },
    vulnerableSamples: [ran({ __schema: { types: Array.from({ length: 26 }, () => ({ fields: null })) } })],
  },
  {
    title: 'Mutation is allowed over GET (possible CSRF)',
    source: 'lib/tests/info_get_based_mutation.py',
    send: async (url) => [await request(url, { params: { query: 'mutation cop {__typename}' } })],
    vulnerable: ranTypename,
    vulnerableSamples: [ran({ __typename: 'Mutation' })],
  },
  {
    title: 'POST based url-encoded query (possible CSRF)',
    source: 'lib/tests/info_post_based_csrf.py',
    send: async (url) => [
      await request(url, { params: { query: 'query {__typename}' }, verb: 'POST' }),
      // Beyond graphql-cop: the same query as a url-encoded form body, as an HTML form would post it.
      await fetch(url, {
        method: 'POST',
        headers: { ...HEADERS, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: 'query {__typename}' }).toString(),
      }).then(read),
    ],
    vulnerable: (responses) => responses.some((response) => ranTypename([response])),
    vulnerableSamples: [ran({ __typename: 'Query' })],
  },
  {
    title: 'Unhandled Errors Detection',
    source: 'lib/tests/info_unhandled_error.py',
    send: async (url) => [await graphQuery(url, 'qwerty cop { abc }')],
    // graphql-cop flags `exception` in the first error's extensions (Apollo Server 2 and 3); Apollo
    // Server 4 and later put the trace in `extensions.stacktrace`, which is flagged here too.
    vulnerable: ([response]) =>
      truthy(errorsOf(response)[0]?.extensions?.exception) ||
      errorsOf(response).some((error) => truthy(error.extensions?.stacktrace)) ||
      (response?.text.toLowerCase().replace(/\s/g, '').includes('"extensions":{"exception":') ?? false),
    vulnerableSamples: [
      [json({ errors: [{ message: 'Syntax Error', extensions: { exception: { stacktrace: ['GraphQLError'] } } }] })],
      [json({ errors: [{ message: 'Syntax Error', extensions: { stacktrace: ['GraphQLError: Syntax Error'] } }] })],
    ],
  },
];

let prod: TestStack;
beforeAll(async () => {
  prod = await startTestStack({
    NODE_ENV: 'production',
    JWT_SECRET: TEST_JWT_SECRET,
    CONTEXT_SIGNING_SECRET: TEST_CONTEXT_SECRET,
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: inject('adminUrl'),
  });
});
afterAll(async () => {
  await prod?.stop();
});

describe('graphql-cop against the production gateway', () => {
  it('finds a GraphQL endpoint, so its checks would run (lib/utils.py is_graphql)', async () => {
    const response = await graphQuery(prod.graphqlUrl, '\n    query cop {\n      __typename\n    }\n  ');
    expect(at(response.json, 'data', '__typename')).toBe('Query');
  });

  describe.each(CHECKS)('$title ($source)', (check) => {
    it('flags the canned answers of a vulnerable server', () => {
      for (const sample of check.vulnerableSamples) expect(check.vulnerable(sample), JSON.stringify(sample)).toBe(true);
    });

    it('reports nothing', async () => {
      const responses = await check.send(prod.graphqlUrl);
      expect(responses.length).toBeGreaterThan(0);
      expect(check.vulnerable(responses), responses.map((r) => `${r.status} ${r.text.slice(0, 300)}`).join('\n')).toBe(
        false,
      );
    });
  });

  it('refuses the 500 repeated __typename with one validation error, HTTP 400, before execution', async () => {
    const [response] = await CHECKS.find((check) => check.title === 'Field Duplication')!.send(prod.graphqlUrl);
    expect(response!.status).toBe(400);
    expect(at(response!.json, 'data') ?? null).toBeNull();
    expect(errorsOf(response)).toEqual([
      expect.objectContaining({
        message: 'The query repeats a field too many times.',
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      }),
    ]);
  });

  it('answers the ten repeated unknown directives with exactly one error', async () => {
    const [response] = await CHECKS.find((check) => check.title === 'Directive Overloading')!.send(prod.graphqlUrl);
    expect(response!.status).toBe(400);
    expect(errorsOf(response).map((error) => error.message)).toEqual([
      'The query repeats a directive on one location.',
    ]);
  });
});
