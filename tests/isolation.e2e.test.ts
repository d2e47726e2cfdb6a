import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import type { IsolationClientsQuery, IsolationClientsQueryVariables } from './gql/graphql.ts';
import { clientRowText, seedInvoiceAndDocument } from './support/admin-db.ts';
import { createClients, signUpFirm } from './support/factories.ts';
import { ARCHIVE_CLIENT, CLIENT, UPDATE_CLIENT } from './support/operations.ts';
import type { GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const CLIENTS = graphql(`
  query IsolationClients($search: String, $status: ClientStatus) {
    clients(first: 100, search: $search, status: $status) {
      totalCount
      edges {
        node {
          id
          name
          status
        }
      }
    }
  }
`);
const ACTIVE_FIRM_CLIENTS = graphql(`
  query IsolationActiveFirmClients($status: ClientStatus) {
    me {
      activeFirm {
        id
        clients(first: 100, status: $status) {
          totalCount
          edges {
            node {
              id
              name
            }
          }
        }
      }
    }
  }
`);

const env = useStackWithAdmin();

/** Two firms: A with an active and an archived client under a unique name, B with its own client. */
async function twoFirms() {
  const a = await signUpFirm(env.t, 'Firm A');
  const b = await signUpFirm(env.t, 'Firm B');
  const marker = `Zephyrine ${randomUUID().slice(0, 8)}`;
  const [aActive, aArchived] = await createClients(env.t, a.accessToken, [`${marker} Holdings`, `${marker} Archive`]);
  const archived = await env.t.gql(ARCHIVE_CLIENT, { input: { id: aArchived! } }, a.accessToken);
  expect(archived.data!.archiveClient.client!.status).toBe('ARCHIVED');
  const [bClient] = await createClients(env.t, b.accessToken, ['Bramble Partners']);
  return { a, b, marker, aActive: aActive!, aArchived: aArchived!, bClient: bClient! };
}

const idsOf = (result: GraphQLResponse<IsolationClientsQuery>) =>
  result.data!.clients.edges.map((edge) => edge.node.id);

describe('reading another firm’s client', () => {
  it('answers client(id) for A’s id exactly as for a random id and a malformed id', async () => {
    const { a, b, aActive, aArchived } = await twoFirms();
    // A sees its own client, so the ids are real.
    const own = await env.t.gql(CLIENT, { id: aActive }, a.accessToken);
    expect(own.data!.client).toMatchObject({ id: aActive, status: 'ACTIVE' });

    const foreign = await env.t.gql(CLIENT, { id: aActive }, b.accessToken);
    const foreignArchived = await env.t.gql(CLIENT, { id: aArchived }, b.accessToken);
    const random = await env.t.gql(CLIENT, { id: uuidv7() }, b.accessToken);
    const malformed = await env.t.gql(CLIENT, { id: 'not-a-uuid' }, b.accessToken);
    expect(foreign).toEqual({ status: 200, data: { client: null }, extensions: { cost: expect.any(Object) } });
    expect(foreignArchived).toEqual(random);
    expect(foreign).toEqual(random);
    expect(foreign).toEqual(malformed);
  });

  it('never lists A’s clients to B, with or without a search for them or the ARCHIVED filter', async () => {
    const { a, b, marker, aActive, aArchived, bClient } = await twoFirms();
    // A's own view proves the search and the filter do find these clients.
    expect(idsOf(await env.t.gql(CLIENTS, { search: marker }, a.accessToken))).toEqual([aActive]);
    expect(
      idsOf(await env.t.gql(CLIENTS, { search: marker.toUpperCase(), status: 'ARCHIVED' }, a.accessToken)),
    ).toEqual([aArchived]);

    const plain = await env.t.gql(CLIENTS, {}, b.accessToken);
    expect(plain.errors).toBeUndefined();
    expect(idsOf(plain)).toEqual([bClient]);
    expect(plain.data!.clients.totalCount).toBe(1);

    const cases: IsolationClientsQueryVariables[] = [
      { search: marker },
      { search: 'Zephyrine' },
      { status: 'ARCHIVED' },
      { search: marker, status: 'ARCHIVED' },
    ];
    for (const variables of cases) {
      const result = await env.t.gql(CLIENTS, variables, b.accessToken);
      expect(result.errors).toBeUndefined();
      // Not even the count may reveal that A has matching clients.
      expect(result.data!.clients).toEqual({ totalCount: 0, edges: [] });
    }
  });

  it('shows B only its own clients through me.activeFirm.clients', async () => {
    const { b, aActive, aArchived, bClient } = await twoFirms();
    const [bSecond] = await createClients(env.t, b.accessToken, ['Aspen Trust']);
    const active = await env.t.gql(ACTIVE_FIRM_CLIENTS, {}, b.accessToken);
    expect(active.errors).toBeUndefined();
    expect(active.data!.me!.activeFirm).toEqual({
      id: b.firmId,
      clients: {
        totalCount: 2,
        edges: [{ node: { id: bSecond, name: 'Aspen Trust' } }, { node: { id: bClient, name: 'Bramble Partners' } }],
      },
    });
    const archived = await env.t.gql(ACTIVE_FIRM_CLIENTS, { status: 'ARCHIVED' }, b.accessToken);
    expect(archived.data!.me!.activeFirm!.clients).toEqual({ totalCount: 0, edges: [] });
    const seen = JSON.stringify([active.data, archived.data]);
    expect(seen).not.toContain(aActive);
    expect(seen).not.toContain(aArchived);
  });

  it('does not show the clients of a member’s other, non-active firm through memberships', async () => {
    const { a, b, aActive } = await twoFirms();
    // A's owner joins B as STAFF, but stays active in A; B's clients must not appear there.
    const invite = await env.t.gql(
      graphql(`
        mutation IsolationInviteMember($input: InviteMemberInput!) {
          inviteMember(input: $input) {
            invitationToken
            userErrors {
              code
            }
          }
        }
      `),
      { input: { email: a.email, role: 'STAFF' } },
      b.accessToken,
    );
    const accepted = await env.t.gql(
      graphql(`
        mutation IsolationAcceptInvitation($input: AcceptInvitationInput!) {
          acceptInvitation(input: $input) {
            userErrors {
              code
            }
          }
        }
      `),
      { input: { token: invite.data!.inviteMember.invitationToken!, password: a.password } },
    );
    expect(accepted.data!.acceptInvitation.userErrors).toEqual([]);

    const result = await env.t.gql(
      graphql(`
        query IsolationMemberships {
          me {
            activeFirm {
              id
            }
            memberships {
              firm {
                id
                clients(first: 100) {
                  edges {
                    node {
                      id
                    }
                  }
                }
              }
            }
          }
        }
      `),
      {},
      a.accessToken,
    );
    expect(result.data!.me!.activeFirm!.id).toBe(a.firmId);
    const byFirm = Object.fromEntries(result.data!.me!.memberships.map((m) => [m.firm.id, m.firm.clients]));
    expect(byFirm[a.firmId]).toEqual({ edges: [{ node: { id: aActive } }] });
    expect(byFirm[b.firmId]).toBeNull();
  });

  it('answers invoice(id) and document(id) with null for random ids and for A’s real ones', async () => {
    const { a, b, aActive } = await twoFirms();
    const { invoiceId, documentId } = await seedInvoiceAndDocument(env.admin, { firmId: a.firmId, clientId: aActive });
    const query = graphql(`
      query IsolationInvoiceAndDocument($i: ID!, $d: ID!) {
        invoice(id: $i) {
          id
          total {
            amount
          }
          client {
            id
          }
        }
        document(id: $d) {
          id
          filename
        }
      }
    `);
    // A sees its own invoice and document, so the ids are real.
    const own = await env.t.gql(query, { i: invoiceId, d: documentId }, a.accessToken);
    expect(own.data).toEqual({
      invoice: { id: invoiceId, total: { amount: '1250.00' }, client: { id: aActive } },
      document: { id: documentId, filename: 'engagement letter.pdf' },
    });

    const random = await env.t.gql(query, { i: uuidv7(), d: uuidv7() }, b.accessToken);
    expect(random).toEqual({
      status: 200,
      data: { invoice: null, document: null },
      extensions: { cost: expect.any(Object) },
    });
    expect(await env.t.gql(query, { i: invoiceId, d: documentId }, b.accessToken)).toEqual(random);
    expect(await env.t.gql(query, { i: 'not-a-uuid', d: 'not-a-uuid' }, b.accessToken)).toEqual(random);
  });
});

describe('changing another firm’s client', () => {
  /** The response minus anything that names the id asked for (there should be nothing to strip). */
  const withoutId = (result: GraphQLResponse, id: string) => JSON.parse(JSON.stringify(result).replaceAll(id, '<id>'));

  it('answers updateClient and archiveClient on A’s id with the same NOT_FOUND as on a random id', async () => {
    const { a, b, aActive } = await twoFirms();
    const randomId = uuidv7();
    const update = (id: string) =>
      env.t.gql(
        UPDATE_CLIENT,
        { input: { id, name: 'Hijacked', email: 'thief@example.test', phone: null } },
        b.accessToken,
      );
    const archive = (id: string) => env.t.gql(ARCHIVE_CLIENT, { input: { id } }, b.accessToken);

    for (const [foreign, random] of [
      [await update(aActive), await update(randomId)],
      [await archive(aActive), await archive(randomId)],
    ] as const) {
      expect(foreign.data).toBeNull();
      expect(foreign.errors).toHaveLength(1);
      expect(foreign.errors![0]).toMatchObject({ message: 'Client not found', extensions: { code: 'NOT_FOUND' } });
      expect(JSON.stringify(foreign)).not.toContain(aActive);
      expect(withoutId(foreign, aActive)).toEqual(withoutId(random, randomId));
    }
    // A's client is still A's, unchanged.
    const own = await env.t.gql(CLIENT, { id: aActive }, a.accessToken);
    expect(own.data!.client).toMatchObject({
      name: expect.stringContaining('Holdings'),
      email: null,
      status: 'ACTIVE',
      archivedAt: null,
    });
  });

  it('leaves A’s row byte-identical after B’s attempts', async () => {
    const { a, b, aActive, aArchived } = await twoFirms();
    const before = await clientRowText(env.admin, a.firmId, aActive);
    const archivedBefore = await clientRowText(env.admin, a.firmId, aArchived);
    expect(before).not.toBeNull();
    expect(JSON.parse(before!)).toMatchObject({ id: aActive, firm_id: a.firmId, status: 'ACTIVE' });
    expect(JSON.parse(archivedBefore!)).toMatchObject({ id: aArchived, status: 'ARCHIVED' });

    const attempts = [
      await env.t.gql(
        UPDATE_CLIENT,
        { input: { id: aActive, name: 'Hijacked', email: 'thief@example.test', website: null } },
        b.accessToken,
      ),
      await env.t.gql(UPDATE_CLIENT, { input: { id: aActive, name: '' } }, b.accessToken),
      await env.t.gql(UPDATE_CLIENT, { input: { id: aArchived, phone: '+1 555 0100' } }, b.accessToken),
      await env.t.gql(ARCHIVE_CLIENT, { input: { id: aActive } }, b.accessToken),
      await env.t.gql(ARCHIVE_CLIENT, { input: { id: aArchived } }, b.accessToken),
    ];
    expect(attempts.map((r) => [r.data, r.errors?.[0]?.extensions?.code])).toEqual(Array(5).fill([null, 'NOT_FOUND']));

    expect(await clientRowText(env.admin, a.firmId, aActive)).toBe(before);
    expect(await clientRowText(env.admin, a.firmId, aArchived)).toBe(archivedBefore);
    // The check does see changes: A's own update alters the row.
    await env.t.gql(UPDATE_CLIENT, { input: { id: aActive, phone: '+1 555 0100' } }, a.accessToken);
    expect(await clientRowText(env.admin, a.firmId, aActive)).not.toBe(before);
  });
});

describe('the admin connection used for row checks', () => {
  it('reads rows of any firm: it bypasses RLS, or the helper sets the tenant', async () => {
    const { a, b, aActive, bClient } = await twoFirms();
    const [role] = await env.admin`select rolsuper, rolbypassrls from pg_roles where rolname = current_user`;
    if (role!.rolsuper || role!.rolbypassrls) {
      // Without any tenant set, a superuser still sees every firm's rows despite FORCE ROW LEVEL SECURITY.
      const rows = await env.admin`select id from crm.clients where id in ${env.admin([aActive, bClient])}`;
      expect(rows.map((r) => r.id).sort()).toEqual([aActive, bClient].sort());
    }
    expect(await clientRowText(env.admin, a.firmId, aActive)).toContain(aActive);
    expect(await clientRowText(env.admin, b.firmId, bClient)).toContain(bClient);
  });
});
