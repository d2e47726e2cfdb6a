import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_HEADER, hmacKey, signContext, type Actor } from '../platform/signed-context.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from '../platform/subgraph-names.ts';
import { seedInvoiceAndDocument } from './support/admin-db.ts';
import { createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { leakedValues } from './support/probe/assertions.ts';
import { populatedFirm } from './support/probe/fixture.ts';
import { firmTarget } from './support/probe/target.ts';
import { TEST_CONTEXT_SECRET, type ResponseData } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const ENTITIES = /* GraphQL */ `
  query Entities($r: [_Any!]!) {
    _entities(representations: $r) {
      ... on Client {
        id
        name
        email
        currency
      }
    }
  }
`;
const CLIENTS = /* GraphQL */ `
  {
    clients(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`;
const SERVICE = /* GraphQL */ `
  {
    _service {
      sdl
    }
  }
`;
/** `_entities` as any subgraph accepts it, whatever entity types it has. */
const ANY_ENTITIES = /* GraphQL */ `
  query Entities($r: [_Any!]!) {
    _entities(representations: $r) {
      __typename
    }
  }
`;

let a: FirmOwner;
let aClient: string;
const A_CLIENT_NAME = `Quillfeather ${randomUUID().slice(0, 8)}`;
const env = useStackWithAdmin();
beforeAll(async () => {
  a = await signUpFirm(env.t, 'Firm A');
  [aClient] = (await createClients(env.t, a.accessToken, [A_CLIENT_NAME])) as [string];
});

/** A subgraph's own `/graphql` URL, bypassing the gateway. */
const subgraphUrl = (name: SubgraphName) => `${env.t.stack.subgraphs[name].url}/graphql`;

/** POSTs straight to a subgraph and returns the status, the raw text and the parsed body. */
async function postSubgraph(name: SubgraphName, query: string, variables: Record<string, unknown>, context?: string) {
  const response = await fetch(subgraphUrl(name), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(context === undefined ? {} : { [CONTEXT_HEADER]: context }) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return {
    status: response.status,
    text,
    body: JSON.parse(text) as { data?: ResponseData; errors?: { message: string; extensions?: { code?: string } }[] },
  };
}

/** The actor the gateway would sign for this owner's session. */
function ownerActor(owner: FirmOwner): Extract<Actor, { kind: 'STAFF' }> {
  const { sid } = JSON.parse(Buffer.from(owner.accessToken.split('.')[1]!, 'base64url').toString());
  return { kind: 'STAFF', userId: owner.userId, sessionId: sid, firmId: owner.firmId, roles: ['OWNER'] };
}

/** A loopback caller without a user agent. */
const TEST_ORIGIN = { ip: '127.0.0.1', userAgent: null };

/** A valid context, signed with the test stack's key, as the gateway would send it. */
const validContext = (actor: Actor) =>
  signContext({ actor, requestId: `test-${randomUUID()}`, origin: TEST_ORIGIN }, hmacKey(TEST_CONTEXT_SECRET));

const clientRepresentation = (id: string) => ({ r: [{ __typename: 'Client', id }] });

describe('requests without a valid gateway-signed context', () => {
  const expectRefused = async (
    name: SubgraphName,
    query: string,
    variables: Record<string, unknown>,
    context?: string,
  ) => {
    const result = await postSubgraph(name, query, variables, context);
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(result.body.data).toBeUndefined();
    expect(result.text).not.toContain(aClient);
    expect(result.text).not.toContain(A_CLIENT_NAME);
  };

  it('refuses a request with no context header, for a normal query and a hand-made _entities query', async () => {
    // With a valid context for A, the same _entities query does return the client: the refusal is about the header.
    const allowed = await postSubgraph(
      'crm',
      ENTITIES,
      clientRepresentation(aClient),
      await validContext(ownerActor(a)),
    );
    expect(allowed.body.data!._entities).toEqual([{ id: aClient, name: A_CLIENT_NAME, email: null, currency: 'USD' }]);

    await expectRefused('crm', CLIENTS, {});
    for (const name of SUBGRAPH_NAMES) {
      await expectRefused(name, ANY_ENTITIES, clientRepresentation(aClient));
      await expectRefused(name, SERVICE, {});
    }
    await expectRefused('billing', '{ invoice(id: "0190a2b0-0000-7000-8000-000000000000") { id } }', {});
    await expectRefused('documents', '{ document(id: "0190a2b0-0000-7000-8000-000000000000") { id } }', {});
    await expectRefused('tenancy', '{ me { user { id } } }', {});
  });

  it('refuses a context signed with the wrong key', async () => {
    const forged = await signContext(
      { actor: ownerActor(a), requestId: 'forged-request', origin: TEST_ORIGIN },
      hmacKey('another-context-secret-0123456789abcdef'),
    );
    for (const name of SUBGRAPH_NAMES) {
      await expectRefused(name, ANY_ENTITIES, clientRepresentation(aClient), forged);
      await expectRefused(name, SERVICE, {}, forged);
    }
    await expectRefused('crm', CLIENTS, {}, forged);
  });

  it('refuses an expired context', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await new SignJWT({ act: ownerActor(a), rid: 'expired-request', ip: null, ua: null })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('firmgraph-gateway')
      .setAudience('firmgraph-subgraph')
      .setIssuedAt(past - 30)
      .setExpirationTime(past)
      .sign(hmacKey(TEST_CONTEXT_SECRET));
    for (const name of SUBGRAPH_NAMES) {
      await expectRefused(name, ANY_ENTITIES, clientRepresentation(aClient), expired);
      await expectRefused(name, SERVICE, {}, expired);
    }
    await expectRefused('crm', CLIENTS, {}, expired);
  });

  it('refuses a correctly signed context for the wrong issuer or audience', async () => {
    const signed = (issuer: string, audience: string) =>
      new SignJWT({ act: ownerActor(a), rid: 'wrong-claims' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('30s')
        .sign(hmacKey(TEST_CONTEXT_SECRET));
    await expectRefused(
      'crm',
      ENTITIES,
      clientRepresentation(aClient),
      await signed('firmgraph', 'firmgraph-subgraph'),
    );
    await expectRefused(
      'crm',
      ENTITIES,
      clientRepresentation(aClient),
      await signed('firmgraph-gateway', 'firmgraph-api'),
    );
  });

  it('refuses an unsigned (alg none) context', async () => {
    const valid = await validContext(ownerActor(a));
    const payload = valid.split('.')[1]!;
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expectRefused('crm', ENTITIES, clientRepresentation(aClient), `${noneHeader}.${payload}.`);
    // The same header with the valid signature left on is not accepted either.
    await expectRefused(
      'crm',
      ENTITIES,
      clientRepresentation(aClient),
      `${noneHeader}.${payload}.${valid.split('.')[2]}`,
    );
  });

  it('refuses a malformed context header', async () => {
    for (const header of ['not-a-jwt', 'a.b.c', '', `Bearer ${await validContext(ownerActor(a))}`]) {
      await expectRefused('crm', ENTITIES, clientRepresentation(aClient), header);
    }
  });

  it('refuses a context whose claims do not have the expected shape', async () => {
    const signed = await new SignJWT({ act: { kind: 'STAFF', firmId: a.firmId, roles: ['OWNER'] }, rid: 'bad-shape' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('firmgraph-gateway')
      .setAudience('firmgraph-subgraph')
      .setIssuedAt()
      .setExpirationTime('30s')
      .sign(hmacKey(TEST_CONTEXT_SECRET));
    await expectRefused('crm', ENTITIES, clientRepresentation(aClient), signed);
  });
});

describe('the signed context decides the tenant', () => {
  it('resolves A’s Client entity for A and null for B, whatever the representation says', async () => {
    const b = await signUpFirm(env.t, 'Firm B');
    const [bClient] = await createClients(env.t, b.accessToken, ['Bramblewood']);
    const representations = {
      r: [
        { __typename: 'Client', id: aClient },
        { __typename: 'Client', id: bClient },
      ],
    };

    const asA = await postSubgraph('crm', ENTITIES, representations, await validContext(ownerActor(a)));
    expect(asA.status).toBe(200);
    expect(asA.body).toEqual({
      data: { _entities: [{ id: aClient, name: A_CLIENT_NAME, email: null, currency: 'USD' }, null] },
    });

    const asB = await postSubgraph('crm', ENTITIES, representations, await validContext(ownerActor(b)));
    expect(asB.status).toBe(200);
    expect(asB.body).toEqual({
      data: { _entities: [null, { id: bClient, name: 'Bramblewood', email: null, currency: 'USD' }] },
    });
    expect(asB.text).not.toContain(A_CLIENT_NAME);
  });

  it('resolves a Firm entity’s clients only for the context’s own firm', async () => {
    const b = await signUpFirm(env.t, 'Firm B');
    const query =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Firm { id clients(first: 100) { edges { node { id name } } } } } }';
    const asA = await postSubgraph(
      'crm',
      query,
      { r: [{ __typename: 'Firm', id: a.firmId }] },
      await validContext(ownerActor(a)),
    );
    expect(asA.body.data!._entities).toEqual([
      { id: a.firmId, clients: { edges: [{ node: { id: aClient, name: A_CLIENT_NAME } }] } },
    ]);

    const asB = await postSubgraph(
      'crm',
      query,
      { r: [{ __typename: 'Firm', id: a.firmId }] },
      await validContext(ownerActor(b)),
    );
    expect(asB.body.data!._entities).toEqual([null]);
    expect(asB.text).not.toContain(aClient);
  });

  it('shows B none of A’s invoices, balance or documents through billing and documents entities', async () => {
    const b = await signUpFirm(env.t, 'Firm B');
    const [client] = await createClients(env.t, a.accessToken, ['Billable Co']);
    const { invoiceId, documentId } = await seedInvoiceAndDocument(env.admin, {
      firmId: a.firmId,
      clientId: client!,
      totalMinor: 99_950,
    });
    const billing =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Client { id balance { amount currency } invoices { totalCount edges { node { id } } } } } }';
    const documents =
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Client { id documents { totalCount edges { node { id filename } } } } } }';
    const representation = { r: [{ __typename: 'Client', id: client, currency: 'USD' }] };

    const billingA = await postSubgraph('billing', billing, representation, await validContext(ownerActor(a)));
    expect(billingA.body.data!._entities).toEqual([
      {
        id: client,
        balance: { amount: '999.50', currency: 'USD' },
        invoices: { totalCount: 1, edges: [{ node: { id: invoiceId } }] },
      },
    ]);
    const documentsA = await postSubgraph('documents', documents, representation, await validContext(ownerActor(a)));
    expect(documentsA.body.data!._entities).toEqual([
      {
        id: client,
        documents: { totalCount: 1, edges: [{ node: { id: documentId, filename: 'engagement letter.pdf' } }] },
      },
    ]);

    // B may name A's client id, but its context scopes every read to B's firm: nothing is found.
    const billingB = await postSubgraph('billing', billing, representation, await validContext(ownerActor(b)));
    expect(billingB.body).toEqual({
      data: {
        _entities: [
          { id: client, balance: { amount: '0.00', currency: 'USD' }, invoices: { totalCount: 0, edges: [] } },
        ],
      },
    });
    const documentsB = await postSubgraph('documents', documents, representation, await validContext(ownerActor(b)));
    expect(documentsB.body).toEqual({ data: { _entities: [{ id: client, documents: { totalCount: 0, edges: [] } }] } });

    const invoiceEntity = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Invoice { id number } } }';
    const invoiceB = await postSubgraph(
      'billing',
      invoiceEntity,
      { r: [{ __typename: 'Invoice', id: invoiceId }] },
      await validContext(ownerActor(b)),
    );
    expect(invoiceB.body).toEqual({ data: { _entities: [null] } });
  });

  it('gives an anonymous or firm-less context no entities', async () => {
    const anonymous = await postSubgraph(
      'crm',
      ENTITIES,
      clientRepresentation(aClient),
      await validContext({ kind: 'ANONYMOUS' }),
    );
    const firmless = await postSubgraph(
      'crm',
      ENTITIES,
      clientRepresentation(aClient),
      await validContext({ ...ownerActor(a), firmId: null }),
    );
    // No credentials is UNAUTHENTICATED; a signed-in user outside any firm is FORBIDDEN. Neither sees data.
    expect(anonymous.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Authentication required',
          locations: expect.any(Array),
          path: ['_entities'],
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    expect(firmless.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Not allowed',
          locations: expect.any(Array),
          path: ['_entities'],
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
  });
});

describe('a valid context replayed against another firm', () => {
  /** Every way into a subgraph that takes ids: root fields and entity representations, with the ids given. */
  const reads = (
    ids: (type: string) => string[],
    firmId: string,
    userIds: string[],
  ): [SubgraphName, string, Record<string, unknown>][] => {
    const entities = (type: string, selection: string, list: Record<string, unknown>[]) =>
      [`query($r: [_Any!]!) { _entities(representations: $r) { ... on ${type} ${selection} } }`, { r: list }] as const;
    const refs = (type: string, extra: Record<string, unknown> = {}) =>
      ids(type).map((id) => ({ __typename: type, id, ...extra }));
    return [
      ['crm', ...entities('Client', '{ id name email phone website }', refs('Client'))],
      [
        'crm',
        ...entities('Firm', '{ id clients(first: 100) { totalCount edges { node { id name } } } }', [
          { __typename: 'Firm', id: firmId },
        ]),
      ],
      ['crm', 'query($id: ID!) { client(id: $id) { id name email } }', { id: ids('Client')[0] }],
      [
        'billing',
        ...entities(
          'Client',
          '{ id balance { amount } invoices(first: 100) { totalCount edges { node { id number } } } }',
          refs('Client', { currency: 'USD' }),
        ),
      ],
      ['billing', ...entities('Invoice', '{ id number total { amount } client { id } }', refs('Invoice'))],
      ['billing', 'query($id: ID!) { invoice(id: $id) { id number } }', { id: ids('Invoice')[0] }],
      [
        'documents',
        ...entities(
          'Client',
          '{ id documents(first: 100) { totalCount edges { node { id filename } } } }',
          refs('Client'),
        ),
      ],
      ['documents', ...entities('Document', '{ id filename client { id } }', refs('Document'))],
      ['documents', 'query($id: ID!) { document(id: $id) { id filename } }', { id: ids('Document')[0] }],
      [
        'tenancy',
        ...entities(
          'Firm',
          '{ id name slug memberships(first: 100) { totalCount edges { node { id role user { id name email } } } } }',
          [{ __typename: 'Firm', id: firmId }],
        ),
      ],
      [
        'tenancy',
        ...entities(
          'User',
          '{ id name email }',
          userIds.map((id) => ({ __typename: 'User', id })),
        ),
      ],
    ];
  };

  it('reveals none of firm B’s rows when A’s context is sent with B’s ids, to any subgraph', async () => {
    const b = await populatedFirm(env.t, env.admin, 'Firm B');
    const target = await firmTarget(env.admin, 'firm B', b.firmId, [a.firmId]);
    const ids = (type: string) => target.idsByType.get(type)!;
    const calls = reads(ids, b.firmId, ids('User'));
    // B's own context reads its rows through the same requests: the ids are real and the check can fire.
    const [, clientsQuery, clientsVariables] = calls[0]!;
    const own = await postSubgraph('crm', clientsQuery, clientsVariables, await validContext(ownerActor(b)));
    expect(leakedValues(own.body, target.values).length).toBeGreaterThan(0);

    const replayed = await validContext(ownerActor(a));
    for (const [subgraph, query, variables] of calls) {
      const result = await postSubgraph(subgraph, query, variables, replayed);
      // An entity's key comes back as sent (federation echoes representations); nothing else of B may.
      const sent = new Set(
        JSON.stringify(variables).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g),
      );
      const beyondSent = new Set([...target.values].filter((value) => !sent.has(value)));
      expect({ subgraph, query, leaked: leakedValues(result.body, beyondSent) }).toEqual({
        subgraph,
        query,
        leaked: [],
      });
      expect(result.status, `${subgraph}: ${query}`).toBe(200);
    }
  });

  it('refuses A’s context with its firm claim edited to B’s, whatever else is kept', async () => {
    const b = await signUpFirm(env.t, 'Firm B');
    const [bClient] = await createClients(env.t, b.accessToken, ['Bramble Edited']);
    const valid = await validContext(ownerActor(a));
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const edited = `${header}.${Buffer.from(JSON.stringify({ ...claims, act: { ...claims.act, firmId: b.firmId } })).toString('base64url')}.${signature}`;
    for (const name of SUBGRAPH_NAMES) {
      for (const query of [ANY_ENTITIES, SERVICE]) {
        const result = await postSubgraph(name, query, clientRepresentation(bClient!), edited);
        expect(result.status).toBe(401);
        expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
        expect(result.body.data).toBeUndefined();
        expect(result.text).not.toContain('Bramble Edited');
      }
    }
    // The unedited context is accepted, so the refusal is the edit's doing.
    expect((await postSubgraph('crm', ENTITIES, clientRepresentation(aClient), valid)).status).toBe(200);
  });
});

describe('federation fields through the gateway', () => {
  it('does not expose _entities or _service to clients', async () => {
    const entities = await env.t.gql(ENTITIES, clientRepresentation(aClient), a.accessToken);
    expect(entities.status).toBe(400);
    expect(entities.data).toBeUndefined();
    expect(entities.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(entities)).not.toContain(A_CLIENT_NAME);

    const service = await env.t.gql(SERVICE, {}, a.accessToken);
    expect(service.status).toBe(400);
    expect(service.data).toBeUndefined();
    expect(service.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
