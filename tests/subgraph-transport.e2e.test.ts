import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_HEADER, hmacKey, signContext } from '../platform/signed-context.ts';
import { createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { createLogger } from '../platform/logger.ts';
import { startTestStack, TEST_CONTEXT_SECRET, type TestStack } from './support/stack.ts';

// `startStack` (npm start, the tests) has the gateway execute the subgraphs in process; a gateway
// started alone (`npm run start:gateway`) reaches them over HTTP. Both must give the same answers
// and keep the same wall: a subgraph runs nothing without a valid gateway-signed context.

const DASHBOARD = /* GraphQL */ `
  query Dashboard {
    me {
      user {
        name
      }
      activeFirm {
        name
        clients(first: 20) {
          totalCount
          edges {
            node {
              name
              balance {
                amount
                currency
              }
              invoices(first: 5) {
                totalCount
              }
              documents(first: 5) {
                totalCount
              }
            }
          }
        }
      }
    }
  }
`;
const CREATE_CLIENT =
  'mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { code } } }';
const CLIENT_COUNT = 'query { clients { totalCount } }';

let inProcess: TestStack;
let overHttp: TestStack;
let owner: FirmOwner;
beforeAll(async () => {
  inProcess = await startTestStack();
  overHttp = await startTestStack({}, createLogger('silent', 'test'), { subgraphsOverHttp: true });
  owner = await signUpFirm(inProcess);
  await createClients(inProcess, owner.accessToken, ['Acme Ltd', 'Globex plc', 'Initech LLC']);
});
afterAll(async () => {
  await overHttp?.stop();
  await inProcess?.stop();
});

describe('the gateway reaching its subgraphs in process and over HTTP', () => {
  it('answers the Dashboard (all four subgraphs, entity fetches included) identically', async () => {
    const local = await inProcess.gql(DASHBOARD, {}, owner.accessToken);
    const remote = await overHttp.gql(DASHBOARD, {}, owner.accessToken);
    expect(local.errors).toBeUndefined();
    expect(local.data!.me.activeFirm.clients.totalCount).toBe(3);
    expect(local.data!.me.activeFirm.clients.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual([
      'Acme Ltd',
      'Globex plc',
      'Initech LLC',
    ]);
    expect(remote).toEqual(local);
  });

  it('relays a subgraph’s BAD_USER_INPUT and writes nothing, on both paths', async () => {
    for (const stack of [inProcess, overHttp]) {
      const result = await stack.gql(
        CREATE_CLIENT,
        { input: { name: 'Bad Currency', currency: 'XXX' } },
        owner.accessToken,
      );
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toContain('CurrencyCode');
    }
    const count = await inProcess.gql(CLIENT_COUNT, {}, owner.accessToken);
    expect(count.data!.clients.totalCount).toBe(3);
  });

  it('commits a mutation made through either path', async () => {
    const created = await overHttp.gql(CREATE_CLIENT, { input: { name: 'Umbrella Corp' } }, owner.accessToken);
    expect(created.data!.createClient.userErrors).toEqual([]);
    const count = await inProcess.gql(CLIENT_COUNT, {}, owner.accessToken);
    expect(count.data!.clients.totalCount).toBe(4);
  });
});

describe('a subgraph executed in process', () => {
  const sdl = { query: '{ _service { sdl } }' };

  it('refuses a missing, forged or wrongly signed context with UNAUTHENTICATED, as over HTTP', async () => {
    const crm = inProcess.stack.subgraphs.crm;
    const otherKey = await signContext(
      { actor: { kind: 'ANONYMOUS' }, requestId: 'transport-test-1', origin: { ip: null, userAgent: null } },
      hmacKey('another-context-secret-0123456789abcdefgh'),
    );
    for (const signed of ['', 'not-a-token', otherKey]) {
      const result = await crm.execute(sdl, signed);
      expect(result.data).toBeUndefined();
      expect(result.errors).toEqual([
        { message: 'A valid gateway-signed context is required', extensions: { code: 'UNAUTHENTICATED' } },
      ]);
    }
    // The same forged context, sent to the subgraph's port, is refused with HTTP 401.
    const overPort = await fetch(`${inProcess.stack.subgraphs.crm.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: otherKey },
      body: JSON.stringify(sdl),
    });
    expect(overPort.status).toBe(401);
  });

  it('runs an operation under a context the gateway signed, with the subgraph’s own shield rules', async () => {
    const signed = await signContext(
      { actor: { kind: 'ANONYMOUS' }, requestId: 'transport-test-2', origin: { ip: null, userAgent: null } },
      hmacKey(TEST_CONTEXT_SECRET),
    );
    const service = await inProcess.stack.subgraphs.crm.execute(sdl, signed);
    expect(service.errors).toBeUndefined();
    expect((service.data as { _service: { sdl: string } })._service.sdl).toContain('type Client');
    const clients = await inProcess.stack.subgraphs.crm.execute({ query: '{ clients { totalCount } }' }, signed);
    expect(clients.data ?? null).toBeNull();
    expect(clients.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
