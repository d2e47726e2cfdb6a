import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIssuedInvoices } from '../subgraphs/billing/invoices/invoice-import.ts';
import { insertDocuments } from '../subgraphs/documents/documents/document-store.ts';
import { newId } from '../platform/ids.ts';
import { graphql } from './gql/index.ts';
import { createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { startTestStack, type TestStack } from './support/stack.ts';

const DASHBOARD = graphql(`
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
`);

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t.stop();
});

/** A firm with `clientCount` clients, each with two invoices (one OPEN for 100.50) and three documents. */
async function firmWithClients(clientCount: number): Promise<FirmOwner> {
  const owner = await signUpFirm(t);
  const names = Array.from({ length: clientCount }, (_, i) => `Client ${String(i).padStart(2, '0')}`);
  const clientIds = await createClients(t, owner.accessToken, names);
  await t.databases.billing.withTenant({ firmId: owner.firmId }, (tx) =>
    importIssuedInvoices(
      tx,
      owner.firmId,
      clientIds.flatMap((clientId, i) => [
        {
          clientId,
          number: `INV-${i}-1`,
          status: 'OPEN' as const,
          currency: 'USD',
          totalMinor: 10_050n,
          issueDate: '2026-10-01',
          dueDate: '2026-10-31',
        },
        {
          clientId,
          number: `INV-${i}-2`,
          status: 'PAID' as const,
          currency: 'USD',
          totalMinor: 5_000n,
          issueDate: '2026-09-01',
          dueDate: '2026-09-30',
        },
      ]),
    ),
  );
  await t.databases.documents.withTenant({ firmId: owner.firmId }, (tx) =>
    insertDocuments(
      tx,
      clientIds.flatMap((clientId) =>
        [1, 2, 3].map((n) => ({
          firmId: owner.firmId,
          id: newId(),
          clientId,
          filename: `doc-${n}.pdf`,
          contentType: 'application/pdf',
          sizeBytes: 1000 * n,
        })),
      ),
    ),
  );
  return owner;
}

/** Runs the Dashboard query and returns the data with the number of SQL statements it cost. */
async function dashboard(owner: FirmOwner) {
  // Warm the per-process caches (query plans, the supergraph's query plan cache) first.
  await t.gql(DASHBOARD, {}, owner.accessToken);
  const before = t.statementCount();
  const result = await t.gql(DASHBOARD, {}, owner.accessToken);
  const statements = t.statementCount() - before;
  expect(result.errors).toBeUndefined();
  return { data: result.data!, statements };
}

/** Reads a name-ordered list one row per page, following `endCursor`; at most `count + 1` pages. */
async function namesPageByPage(list: 'clients' | 'contacts', owner: FirmOwner, count: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let i = 0; i < count + 1; i++) {
    const page = await t.gql(
      `query($after: String) { ${list}(first: 1, after: $after) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`,
      { after },
      owner.accessToken,
    );
    expect(page.errors).toBeUndefined();
    seen.push(...page.data![list].edges.map((e: { node: { name: string } }) => e.node.name));
    if (!page.data![list].pageInfo.hasNextPage) break;
    after = page.data![list].pageInfo.endCursor;
  }
  return seen;
}

describe('the Dashboard query', () => {
  it('resolves fields from all four subgraphs through the gateway', async () => {
    const owner = await firmWithClients(2);
    const { data } = await dashboard(owner);
    expect(data.me?.user.name).toBe('Avery Owner');
    expect(data.me?.activeFirm?.clients?.totalCount).toBe(2);
    expect(data.me?.activeFirm?.clients?.edges).toEqual([
      {
        node: {
          name: 'Client 00',
          balance: { amount: '100.50', currency: 'USD' },
          invoices: { totalCount: 2 },
          documents: { totalCount: 3 },
        },
      },
      {
        node: {
          name: 'Client 01',
          balance: { amount: '100.50', currency: 'USD' },
          invoices: { totalCount: 2 },
          documents: { totalCount: 3 },
        },
      },
    ]);
  });

  it('costs the same number of SQL statements for 2 clients as for 20', async () => {
    const small = await dashboard(await firmWithClients(2));
    const large = await dashboard(await firmWithClients(20));
    expect(small.data.me?.activeFirm?.clients?.edges).toHaveLength(2);
    expect(large.data.me?.activeFirm?.clients?.edges).toHaveLength(20);
    expect(large.statements).toBe(small.statements);
    // Sanity bound: auth + one transaction per subgraph fetch and per loader batch, not per client.
    expect(small.statements).toBeGreaterThan(0);
    expect(small.statements).toBeLessThanOrEqual(40);
    console.info(
      `Dashboard SQL statements per request: ${small.statements} (2 clients), ${large.statements} (20 clients)`,
    );
  });

  it('pages a client’s invoices and documents with after, without repeating or skipping', async () => {
    const owner = await firmWithClients(1);
    const PAGES = `query($after: String) { me { activeFirm { clients(first: 1) { edges { node {
      documents(first: 2, after: $after) { totalCount edges { cursor node { filename } } pageInfo { hasNextPage endCursor } }
      invoices(first: 1, after: $after) { totalCount edges { node { number } } pageInfo { hasNextPage endCursor } } } } } } } }`;
    const node = async (after?: string) =>
      (await t.gql(PAGES, { after }, owner.accessToken)).data!.me.activeFirm.clients.edges[0].node;
    const first = await node();
    expect(first.documents.edges.map((e: { node: { filename: string } }) => e.node.filename)).toHaveLength(2);
    expect(first.documents.pageInfo.hasNextPage).toBe(true);
    const rest = (await node(first.documents.pageInfo.endCursor)).documents;
    expect(rest.totalCount).toBe(3);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const all = [...first.documents.edges, ...rest.edges]
      .map((e: { node: { filename: string } }) => e.node.filename)
      .sort();
    expect(all).toEqual(['doc-1.pdf', 'doc-2.pdf', 'doc-3.pdf']);
    const invoicesAfter = (await node(first.invoices.pageInfo.endCursor)).invoices;
    expect(invoicesAfter.edges.map((e: { node: { number: string } }) => e.node.number)).not.toContain(
      first.invoices.edges[0].node.number,
    );
  });

  it('pages clients with accented and non-Latin names one by one without repeats or gaps', async () => {
    const owner = await signUpFirm(t);
    const names = [
      'Émile Conseil',
      'Ångström AB',
      'zeta',
      'Zürich Partners',
      'alpha',
      'Ölkers GmbH',
      'İstanbul Danışmanlık',
      'Δέλτα ΑΕ',
    ];
    await createClients(t, owner.accessToken, names);
    const seen = await namesPageByPage('clients', owner, names.length);
    expect([...seen].sort()).toEqual([...names].sort());
  });

  it('pages contacts in name order, case-insensitively, one by one without repeats or gaps', async () => {
    const owner = await signUpFirm(t);
    const names = ['bravo Person', 'Alpha Person', 'Émile Contact', 'charlie Person', 'Alpha Person'];
    for (const name of names) {
      const created = await t.gql(
        'mutation($input: CreateContactInput!) { createContact(input: $input) { userErrors { code } } }',
        { input: { name } },
        owner.accessToken,
      );
      expect(created.data!.createContact.userErrors).toEqual([]);
    }
    const seen = await namesPageByPage('contacts', owner, names.length);
    // PostgreSQL's lower() under the database's collation: case does not split the order.
    expect(seen.slice(0, 4)).toEqual(['Alpha Person', 'Alpha Person', 'bravo Person', 'charlie Person']);
    expect([...seen].sort()).toEqual([...names].sort());
  });
});
