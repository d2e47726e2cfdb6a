import { randomUUID } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServiceDatabases } from '../scripts/stack.ts';
import { countClientRows } from './support/admin-db.ts';
import { signUpFirm, strongPassword, uniqueEmail, SIGN_UP } from './support/factories.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const BODY_LIMIT_BYTES = 2048;
const CREATE_CLIENT = /* GraphQL */ `
  mutation CreateClient($input: CreateClientInput!) {
    createClient(input: $input) {
      client {
        id
        name
      }
      userErrors {
        code
      }
    }
  }
`;
const CLIENT_NAMES = /* GraphQL */ `
  query Names($search: String) {
    clients(first: 100, search: $search) {
      edges {
        node {
          name
        }
      }
    }
  }
`;

const env = useStackWithAdmin({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });

/** The gateway's base URL (without `/graphql`). */
const gatewayUrl = () => env.t.stack.gateway.url;

/** Names of the firm's clients whose name contains `search`. */
async function clientNames(token: string, search: string): Promise<string[]> {
  const result = await env.t.gql(CLIENT_NAMES, { search }, token);
  expect(result.errors).toBeUndefined();
  return result.data!.clients.edges.map((edge: { node: { name: string } }) => edge.node.name);
}

describe('health endpoints', () => {
  it('answers /healthz with 200 {status: ok}', async () => {
    const response = await fetch(`${gatewayUrl()}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 and every check true', async () => {
    const response = await fetch(`${gatewayUrl()}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      checks: { database: true, tenancy: true, crm: true, billing: true, documents: true },
    });
  });
});

describe('request bodies', () => {
  const postRaw = (body: string, token: string, contentType = 'application/json') =>
    fetch(env.t.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${token}` },
      body,
    });

  it('executes a padded mutation whose body is just under the limit', async () => {
    const owner = await signUpFirm(env.t);
    const name = `Under Limit ${randomUUID().slice(0, 8)}`;
    const base = JSON.stringify({ query: CREATE_CLIENT, variables: { input: { name }, padding: '' } });
    const body = JSON.stringify({
      query: CREATE_CLIENT,
      variables: { input: { name }, padding: 'x'.repeat(BODY_LIMIT_BYTES - base.length) },
    });
    expect(Buffer.byteLength(body)).toBe(BODY_LIMIT_BYTES);
    const response = await postRaw(body, owner.accessToken);
    expect(response.status).toBe(200);
    expect(
      ((await response.json()) as { data: { createClient: { client: { name: string } } } }).data.createClient.client
        .name,
    ).toBe(name);
  });

  it('refuses a body over the limit with 413 PAYLOAD_TOO_LARGE and executes nothing', async () => {
    const owner = await signUpFirm(env.t);
    const name = `Over Limit ${randomUUID().slice(0, 8)}`;
    for (const padding of [BODY_LIMIT_BYTES, 50 * BODY_LIMIT_BYTES]) {
      // The unused variable would be ignored by GraphQL: only the body limit can stop this mutation.
      const body = JSON.stringify({
        query: CREATE_CLIENT,
        variables: { input: { name }, padding: 'x'.repeat(padding) },
      });
      const response = await postRaw(body, owner.accessToken);
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const json = (await response.json()) as {
        data?: unknown;
        errors: { message: string; extensions: { code: string } }[];
      };
      expect(json.data).toBeUndefined();
      expect(json.errors).toEqual([{ message: expect.any(String), extensions: { code: 'PAYLOAD_TOO_LARGE' } }]);
    }
    // One byte over is over too.
    const base = JSON.stringify({ query: CREATE_CLIENT, variables: { input: { name }, padding: '' } });
    const oneOver = JSON.stringify({
      query: CREATE_CLIENT,
      variables: { input: { name }, padding: 'x'.repeat(BODY_LIMIT_BYTES - base.length + 1) },
    });
    expect((await postRaw(oneOver, owner.accessToken)).status).toBe(413);

    expect(await clientNames(owner.accessToken, name)).toEqual([]);
    expect(await countClientRows(env.admin, owner.firmId)).toBe(0);
  });

  it('answers malformed JSON with 400 BAD_REQUEST', async () => {
    const owner = await signUpFirm(env.t);
    const name = `Malformed ${randomUUID().slice(0, 8)}`;
    const body = JSON.stringify({ query: CREATE_CLIENT, variables: { input: { name } } });
    for (const malformed of [body.slice(0, -1), `${body}}`, '{"query": ', "{'query': 'x'}"]) {
      const response = await postRaw(malformed, owner.accessToken);
      expect(response.status).toBe(400);
      const json = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(json.data).toBeUndefined();
      expect(json.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    }
    expect(await countClientRows(env.admin, owner.firmId)).toBe(0);
  });
});

describe('CSRF prevention', () => {
  const mutation = (name: string) => `mutation { createClient(input: { name: "${name}" }) { client { id } } }`;

  it('does not execute a mutation sent as a GET query string', async () => {
    const owner = await signUpFirm(env.t);
    const name = `Via Get ${randomUUID().slice(0, 8)}`;
    const url = `${env.t.graphqlUrl}?query=${encodeURIComponent(mutation(name))}`;

    // A browser could send this cross-site without a preflight: blocked as CSRF.
    const simple = await fetch(url, { headers: { authorization: `Bearer ${owner.accessToken}` } });
    expect(simple.status).toBe(400);
    expect(((await simple.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'BAD_REQUEST',
    );
    // Even with the preflight header, GET never runs a mutation.
    const preflighted = await fetch(url, {
      headers: { authorization: `Bearer ${owner.accessToken}`, 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).toBe(405);

    expect(await clientNames(owner.accessToken, name)).toEqual([]);
    expect(await countClientRows(env.admin, owner.firmId)).toBe(0);
  });

  it('still answers a preflighted GET query (the refusals above are about mutations and CSRF)', async () => {
    const owner = await signUpFirm(env.t);
    const url = `${env.t.graphqlUrl}?query=${encodeURIComponent('{ me { activeFirm { id } } }')}`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${owner.accessToken}`, 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: { me: { activeFirm: { id: owner.firmId } } },
      extensions: { cost: expect.any(Object) },
    });
  });

  it('does not execute a mutation POSTed as text/plain', async () => {
    const owner = await signUpFirm(env.t);
    const name = `Via Text ${randomUUID().slice(0, 8)}`;
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded']) {
      const response = await fetch(env.t.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${owner.accessToken}` },
        body: JSON.stringify({ query: mutation(name) }),
      });
      expect(response.status).toBe(400);
    }
    expect(await clientNames(owner.accessToken, name)).toEqual([]);
    expect(await countClientRows(env.admin, owner.firmId)).toBe(0);
  });
});

describe('when the database is unreachable', () => {
  let broken: TestStack;
  beforeAll(async () => {
    broken = await startTestStack();
    // Every service's pool of this stack, the gateway's too; once they are closed, any query fails unexpectedly.
    await closeServiceDatabases(broken.databases);
  });
  afterAll(async () => {
    await broken.stop();
  });

  it('masks the internal error: generic message, INTERNAL_SERVER_ERROR and the request id, no details', async () => {
    const requestId = `test-${randomUUID()}`;
    const response = await fetch(broken.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({
        query: print(SIGN_UP),
        variables: { input: { firmName: 'Doomed', ownerName: 'D', email: uniqueEmail(), password: strongPassword() } },
      }),
    });
    const text = await response.text();
    // The gateway's rate limiter is the first to reach the database, before execution starts.
    expect(JSON.parse(text)).toEqual({
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } }],
      extensions: { cost: { requestedQueryCost: expect.any(Number) } },
    });
    const port = new URL(broken.stack.subgraphs.tenancy.url).port;
    for (const leak of ['CONNECTION', 'postgres', 'stack', 'at ', 'tenancy', '.ts', port]) {
      expect(text).not.toContain(leak);
    }
  });

  it('answers /readyz with 503 and database: false', async () => {
    const response = await fetch(`${broken.stack.gateway.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'not ready', checks: { database: false, crm: true } });
  });
});
