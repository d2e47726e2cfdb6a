import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { connectDatabase, type Database } from '../../db/client.ts';
import { startStack, type Stack } from '../../scripts/stack.ts';
import { loadConfig, type Config } from '../../platform/config.ts';
import { createLogger, type Logger } from '../../platform/logger.ts';

/** Fixed test secrets (32+ characters), so tests can forge tokens with the wrong key on purpose. */
/** Access-token key of the test stack. */
export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdefghijklmnop';
/** Context-signing key of the test stack. */
export const TEST_CONTEXT_SECRET = 'test-context-secret-0123456789abcdefghijkl';

/**
 * The `data` (or `extensions`) of a response as tests read it: loosely typed, because each test
 * names the fields it selected and its assertions pin their shape. The one loose type of the
 * test support code; use it rather than writing `any` again.
 */
export type ResponseData = Record<string, any>;

/** A GraphQL response as a client sees it. */
export interface GraphQLResponse<T = ResponseData> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: ResponseData }[];
  extensions?: Record<string, unknown>;
}

/** The whole stack on free ports, with a client for its gateway. */
export interface TestStack {
  stack: Stack;
  config: Config;
  /** The services' pool (app role); `statementCount()` counts every statement sent on it. */
  database: Database;
  graphqlUrl: string;
  /** POSTs an operation to the gateway as a client would, with an optional bearer token. */
  gql<T = ResponseData>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** The test configuration: free ports, fixed secrets, silent logs. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    CONTEXT_SIGNING_SECRET: TEST_CONTEXT_SECRET,
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'firmgraph-test-data-')),
    // Concurrent test files share the rate-limit buckets (all anonymous requests come from 127.0.0.1):
    // buckets keep their default sizes, which cap a single query's cost, but refill at once.
    RATE_LIMIT_RESTORE_RATE: '1000000',
    RATE_LIMIT_FIRM_RESTORE_RATE: '1000000',
    RATE_LIMIT_ANONYMOUS_RESTORE_RATE: '1000000',
    ...overrides,
  });
}

/**
 * Starts the gateway and the four subgraphs in-process on free ports against the test database.
 * @param log a logger to capture service logs; silent by default.
 * @param options.subgraphsOverHttp the gateway calls the subgraphs over HTTP instead of in process
 *   (`startStack`), as a gateway started alone does.
 */
export async function startTestStack(
  overrides: Record<string, string> = {},
  log: Logger = createLogger('silent', 'test'),
  options: { subgraphsOverHttp?: boolean } = {},
): Promise<TestStack> {
  const config = testConfig(overrides);
  const database = connectDatabase(inject('appUrl'), { max: 10, applicationName: 'firmgraph-test' });
  const stack = await startStack({ config, database, log, freePorts: true, subgraphsOverHttp: options.subgraphsOverHttp });
  return {
    stack,
    config,
    database,
    graphqlUrl: stack.graphqlUrl,
    gql: (query, variables, token) => postGraphQL(stack.graphqlUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {}),
    stop: async () => {
      await stack.stop();
      await database.close();
    },
  };
}

/** POSTs a GraphQL operation as JSON and returns the parsed body with the HTTP status. */
export async function postGraphQL<T = ResponseData>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
  return { status: response.status, ...body };
}
