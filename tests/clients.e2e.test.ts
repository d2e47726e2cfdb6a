import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import type {
  ClientsPageQuery,
  ClientsPageQueryVariables,
  CreateClientInput,
  UpdateClientInput,
} from './gql/graphql.ts';
import { clientRowText, countClientRows } from './support/admin-db.ts';
import { createClients, signUpFirm, strongPassword, uniqueEmail, type FirmOwner } from './support/factories.ts';
import { ARCHIVE_CLIENT, CLIENT, CREATE_CLIENT, UPDATE_CLIENT } from './support/operations.ts';
import type { GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const PAGE = graphql(`
  query ClientsPage($first: Int, $after: String, $last: Int, $before: String, $search: String, $status: ClientStatus) {
    clients(first: $first, after: $after, last: $last, before: $before, search: $search, status: $status) {
      totalCount
      edges {
        cursor
        node {
          id
          name
          email
          status
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

const env = useStackWithAdmin();

type Page = ClientsPageQuery['clients'];

/** One page of `clients`, failing the test on any error. */
async function page(token: string, args: ClientsPageQueryVariables): Promise<Page> {
  const result = await env.t.gql(PAGE, args, token);
  expect(result.errors).toBeUndefined();
  return result.data!.clients;
}

const namesOf = (p: Page) => p.edges.map((edge) => edge.node.name);

/** Creates a client through the gateway and returns it, failing the test on errors. */
async function createClient(token: string, input: CreateClientInput) {
  const result = await env.t.gql(CREATE_CLIENT, { input }, token);
  expect(result.errors).toBeUndefined();
  expect(result.data!.createClient.userErrors).toEqual([]);
  return result.data!.createClient.client!;
}

/** Errors as `[field path, code]` pairs. */
const errorPairs = (errors: { field: string[]; code: string }[]) => errors.map((e) => [e.field.join('.'), e.code]);

/** Expects a top-level GraphQL error with `code` and no data. */
function expectError(result: GraphQLResponse, code: string) {
  expect(result.data ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]!.extensions!.code).toBe(code);
}

describe('createClient', () => {
  it('creates a client with the given details, defaulting the currency to USD', async () => {
    const owner = await signUpFirm(env.t);
    const before = Date.now();
    const client = await createClient(owner.accessToken, {
      name: '  Acme Advisory Ltd  ',
      email: ' Billing@Acme.Example ',
      phone: '+1 555 0100',
      website: 'https://acme.example',
    });
    expect(client).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      name: 'Acme Advisory Ltd',
      email: 'billing@acme.example',
      phone: '+1 555 0100',
      website: 'https://acme.example',
      currency: 'USD',
      status: 'ACTIVE',
      createdAt: expect.any(String),
      updatedAt: client.createdAt,
      archivedAt: null,
    });
    expect(Date.parse(client.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(client.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);
    // It is stored, and reads back the same.
    expect((await env.t.gql(CLIENT, { id: client.id }, owner.accessToken)).data!.client).toEqual(client);
  });

  it('accepts another ISO 4217 currency and a 200-character name, and leaves blank optional fields null', async () => {
    const owner = await signUpFirm(env.t);
    const client = await createClient(owner.accessToken, {
      name: 'N'.repeat(200),
      currency: 'EUR',
      email: '   ',
      phone: '',
      website: null,
    });
    expect(client).toMatchObject({ name: 'N'.repeat(200), currency: 'EUR', email: null, phone: null, website: null });
  });

  it('reports invalid input as userErrors with field paths and codes, writing nothing', async () => {
    const owner = await signUpFirm(env.t);
    const cases: [CreateClientInput, [string, string][]][] = [
      [{ name: '' }, [['input.name', 'REQUIRED']]],
      [{ name: '   ' }, [['input.name', 'REQUIRED']]],
      [{ name: 'N'.repeat(201) }, [['input.name', 'TOO_LONG']]],
      [{ name: 'Valid', email: 'not-an-email' }, [['input.email', 'INVALID']]],
      [{ name: 'Valid', email: 'two@@example.test' }, [['input.email', 'INVALID']]],
      [{ name: 'Valid', phone: '1'.repeat(51) }, [['input.phone', 'TOO_LONG']]],
      [{ name: 'Valid', website: `https://${'w'.repeat(300)}` }, [['input.website', 'TOO_LONG']]],
      [
        { name: ' ', email: 'bad', phone: '1'.repeat(51) },
        [
          ['input.name', 'REQUIRED'],
          ['input.email', 'INVALID'],
          ['input.phone', 'TOO_LONG'],
        ],
      ],
    ];
    for (const [input, expected] of cases) {
      const result = await env.t.gql(CREATE_CLIENT, { input }, owner.accessToken);
      expect(result.errors).toBeUndefined();
      expect(result.data!.createClient.client).toBeNull();
      expect(errorPairs(result.data!.createClient.userErrors)).toEqual(expected);
      for (const error of result.data!.createClient.userErrors) expect(error.message).toEqual(expect.any(String));
    }
    expect(await countClientRows(env.admin, owner.firmId)).toBe(0);
  });

  it('refuses an unknown or lower-case currency code without executing, writing nothing', async () => {
    const owner = await signUpFirm(env.t);
    for (const currency of ['XXX', 'eur', 'EURO']) {
      const result = await env.t.gql(CREATE_CLIENT, { input: { name: 'Currency Test', currency } }, owner.accessToken);
      expect(result.data ?? null).toBeNull();
      expect(result.errors).toHaveLength(1);
    }
    expect(await countClientRows(env.admin, owner.firmId)).toBe(0);
  });

  // The subgraph refuses the variable with HTTP 400; the gateway must relay BAD_USER_INPUT, not mask it.
  it('refuses an unknown currency code with the CurrencyCode scalar’s BAD_USER_INPUT', async () => {
    const owner = await signUpFirm(env.t);
    const result = await env.t.gql(
      CREATE_CLIENT,
      { input: { name: 'Currency Test', currency: 'XXX' } },
      owner.accessToken,
    );
    expectError(result, 'BAD_USER_INPUT');
    expect(result.errors![0]!.message).toContain('CurrencyCode');
  });

  // PostgreSQL cannot store NUL in text: it must come back as a user error, not an internal one.
  it('refuses a name with a NUL character as invalid input, not an internal error', async () => {
    const owner = await signUpFirm(env.t);
    const result = await env.t.gql(
      CREATE_CLIENT,
      { input: { name: 'Nul\u0000Byte', phone: '555\u00000100' } },
      owner.accessToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.createClient.client).toBeNull();
    expect(result.data!.createClient.userErrors.map((e) => [e.field.join('.'), e.code])).toEqual([
      ['input.name', 'INVALID'],
      ['input.phone', 'INVALID'],
    ]);
    expect(await countClientRows(env.admin, owner.firmId)).toBe(0);
    const search = await env.t.gql(
      graphql(`
        query ClientsSearchCount($s: String) {
          clients(search: $s) {
            totalCount
          }
        }
      `),
      { s: 'a\u0000b' },
      owner.accessToken,
    );
    expectError(search, 'BAD_USER_INPUT');
  });
});

describe('updateClient', () => {
  const fullClient = {
    name: 'Globex',
    email: 'ops@globex.example',
    phone: '+1 555 0199',
    website: 'https://globex.example',
  };

  it('changes the given fields, clears those set to null and keeps the omitted ones; updatedAt moves forward', async () => {
    const owner = await signUpFirm(env.t);
    const created = await createClient(owner.accessToken, fullClient);
    await sleep(5);
    const result = await env.t.gql(
      UPDATE_CLIENT,
      { input: { id: created.id, name: ' Globex Corporation ', email: null, phone: '+44 20 7946 0000' } },
      owner.accessToken,
    );
    expect(result.errors).toBeUndefined();
    const updated = result.data!.updateClient;
    expect(updated.userErrors).toEqual([]);
    expect(updated.client).toEqual({
      ...created,
      name: 'Globex Corporation',
      email: null,
      phone: '+44 20 7946 0000',
      website: 'https://globex.example',
      updatedAt: expect.any(String),
    });
    expect(Date.parse(updated.client!.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));
    expect((await env.t.gql(CLIENT, { id: created.id }, owner.accessToken)).data!.client).toEqual(updated.client);

    await sleep(5);
    const again = await env.t.gql(
      UPDATE_CLIENT,
      { input: { id: created.id, website: null, email: 'New@Globex.Example' } },
      owner.accessToken,
    );
    expect(again.data!.updateClient.client).toMatchObject({
      name: 'Globex Corporation',
      email: 'new@globex.example',
      phone: '+44 20 7946 0000',
      website: null,
    });
    expect(Date.parse(again.data!.updateClient.client!.updatedAt)).toBeGreaterThan(
      Date.parse(updated.client!.updatedAt),
    );
  });

  it('refuses a blank or null name and invalid fields with userErrors, changing nothing', async () => {
    const owner = await signUpFirm(env.t);
    const created = await createClient(owner.accessToken, fullClient);
    const before = await clientRowText(env.admin, owner.firmId, created.id);
    const cases: [Omit<UpdateClientInput, 'id'>, [string, string][]][] = [
      [{ name: '   ' }, [['input.name', 'REQUIRED']]],
      [{ name: null }, [['input.name', 'REQUIRED']]],
      [{ name: 'N'.repeat(201) }, [['input.name', 'TOO_LONG']]],
      [{ email: 'nope' }, [['input.email', 'INVALID']]],
      [
        { name: '', website: `https://${'w'.repeat(300)}`, phone: 'fine' },
        [
          ['input.name', 'REQUIRED'],
          ['input.website', 'TOO_LONG'],
        ],
      ],
    ];
    for (const [patch, expected] of cases) {
      const result = await env.t.gql(UPDATE_CLIENT, { input: { id: created.id, ...patch } }, owner.accessToken);
      expect(result.errors).toBeUndefined();
      expect(result.data!.updateClient.client).toBeNull();
      expect(errorPairs(result.data!.updateClient.userErrors)).toEqual(expected);
    }
    expect(await clientRowText(env.admin, owner.firmId, created.id)).toBe(before);
  });

  it('answers NOT_FOUND for an unknown or malformed id', async () => {
    const owner = await signUpFirm(env.t);
    for (const id of ['01900000-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const result = await env.t.gql(UPDATE_CLIENT, { input: { id, name: 'X' } }, owner.accessToken);
      expectError(result, 'NOT_FOUND');
      expect(result.errors![0]!.path).toEqual(['updateClient']);
    }
  });
});

describe('archiveClient', () => {
  it('archives: status ARCHIVED, archivedAt set; the client leaves the default list and shows under ARCHIVED', async () => {
    const owner = await signUpFirm(env.t);
    const [keep, gone] = await createClients(env.t, owner.accessToken, ['Keeper', 'Leaver']);
    const before = Date.now();
    const result = await env.t.gql(ARCHIVE_CLIENT, { input: { id: gone! } }, owner.accessToken);
    expect(result.errors).toBeUndefined();
    const { client, userErrors } = result.data!.archiveClient;
    expect(userErrors).toEqual([]);
    expect(client).toMatchObject({ id: gone, name: 'Leaver', status: 'ARCHIVED', archivedAt: expect.any(String) });
    expect(Date.parse(client!.archivedAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(client!.archivedAt!)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(Date.parse(client!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(client!.createdAt));

    const active = await page(owner.accessToken, {});
    expect(active.edges.map((e) => e.node.id)).toEqual([keep]);
    expect(active.totalCount).toBe(1);
    const explicitlyActive = await page(owner.accessToken, { status: 'ACTIVE' });
    expect(explicitlyActive).toEqual(active);
    const archived = await page(owner.accessToken, { status: 'ARCHIVED' });
    expect(archived.edges.map((e) => e.node)).toEqual([{ id: gone, name: 'Leaver', email: null, status: 'ARCHIVED' }]);
    expect(archived.totalCount).toBe(1);
    // Still readable by id.
    expect((await env.t.gql(CLIENT, { id: gone! }, owner.accessToken)).data!.client).toEqual(client);
  });

  it('refuses to update an archived client with userError ARCHIVED, changing nothing', async () => {
    const owner = await signUpFirm(env.t);
    const [id] = await createClients(env.t, owner.accessToken, ['Frozen']);
    await env.t.gql(ARCHIVE_CLIENT, { input: { id: id! } }, owner.accessToken);
    const before = await clientRowText(env.admin, owner.firmId, id!);
    const result = await env.t.gql(
      UPDATE_CLIENT,
      { input: { id: id!, name: 'Thawed', phone: '+1 555 0100' } },
      owner.accessToken,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateClient).toEqual({
      client: null,
      userErrors: [{ field: ['input', 'id'], message: expect.any(String), code: 'ARCHIVED' }],
    });
    expect(await clientRowText(env.admin, owner.firmId, id!)).toBe(before);
  });

  it('returns an already archived client unchanged when archived again', async () => {
    const owner = await signUpFirm(env.t);
    const [id] = await createClients(env.t, owner.accessToken, ['Twice']);
    const first = await env.t.gql(ARCHIVE_CLIENT, { input: { id: id! } }, owner.accessToken);
    const stored = await clientRowText(env.admin, owner.firmId, id!);
    await sleep(5);
    const second = await env.t.gql(ARCHIVE_CLIENT, { input: { id: id! } }, owner.accessToken);
    expect(second.errors).toBeUndefined();
    expect(second.data!.archiveClient).toEqual({ client: first.data!.archiveClient.client, userErrors: [] });
    expect(await clientRowText(env.admin, owner.firmId, id!)).toBe(stored);
  });

  it('answers NOT_FOUND for an unknown or malformed id', async () => {
    const owner = await signUpFirm(env.t);
    for (const id of ['01900000-0000-7000-8000-000000000000', 'not-a-uuid']) {
      const result = await env.t.gql(ARCHIVE_CLIENT, { input: { id } }, owner.accessToken);
      expectError(result, 'NOT_FOUND');
      expect(result.errors![0]!.path).toEqual(['archiveClient']);
    }
  });
});

describe('pagination', () => {
  /** A firm with seven clients in a scrambled creation order, two of them equal but for case. */
  async function sevenClients(): Promise<{ owner: FirmOwner; expected: { id: string; name: string }[] }> {
    const owner = await signUpFirm(env.t);
    const names = ['echo', 'Bravo', 'delta', 'Foxtrot', 'alpha', 'Delta', 'charlie'];
    const ids = await createClients(env.t, owner.accessToken, names);
    const expected = names
      .map((name, i) => ({ id: ids[i]!, name }))
      .sort((x, y) =>
        x.name.toLowerCase() < y.name.toLowerCase()
          ? -1
          : x.name.toLowerCase() > y.name.toLowerCase()
            ? 1
            : x.id < y.id
              ? -1
              : 1,
      );
    // lower(name) first, then id: 'delta' was created before 'Delta', so its UUIDv7 sorts first.
    expect(expected.map((c) => c.name)).toEqual(['alpha', 'Bravo', 'charlie', 'delta', 'Delta', 'echo', 'Foxtrot']);
    return { owner, expected };
  }

  it('pages forward with first/after through every client once, in order', async () => {
    const { owner, expected } = await sevenClients();
    const seen: { id: string; name: string }[] = [];
    const pageInfos: Page['pageInfo'][] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const p: Page = await page(owner.accessToken, { first: 3, after });
      expect(p.totalCount).toBe(7);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]!.cursor);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
      seen.push(...p.edges.map((e) => ({ id: e.node.id, name: e.node.name })));
      pageInfos.push(p.pageInfo);
      after = p.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(pageInfos.map((info) => [info.hasPreviousPage, info.hasNextPage])).toEqual([
      [false, true],
      [true, true],
      [true, false],
    ]);
    // After the last client there is nothing more.
    const beyond = await page(owner.accessToken, { first: 3, after });
    expect(beyond).toEqual({
      totalCount: 7,
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
    });
  });

  it('pages backward with last/before through every client once, in order', async () => {
    const { owner, expected } = await sevenClients();
    const pages: Page[] = [];
    let before: string | null = null;
    for (let i = 0; i < 3; i++) {
      const p: Page = await page(owner.accessToken, { last: 3, before });
      expect(p.totalCount).toBe(7);
      expect(p.pageInfo.startCursor).toBe(p.edges[0]!.cursor);
      expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
      pages.push(p);
      before = p.pageInfo.startCursor;
    }
    expect(pages.map((p) => p.edges.length)).toEqual([3, 3, 1]);
    // Each page is in list order; read from the end, the pages cover the list exactly once.
    const seen = pages.toReversed().flatMap((p) => p.edges.map((e) => ({ id: e.node.id, name: e.node.name })));
    expect(seen).toEqual(expected);
    expect(pages.map((p) => [p.pageInfo.hasPreviousPage, p.pageInfo.hasNextPage])).toEqual([
      [true, false],
      [true, true],
      [false, true],
    ]);
  });

  it('uses the same cursors in both directions', async () => {
    const { owner, expected } = await sevenClients();
    const firstPage = await page(owner.accessToken, { first: 4 });
    const fourth = firstPage.edges[3]!;
    const beforeFourth = await page(owner.accessToken, { last: 2, before: fourth.cursor });
    expect(namesOf(beforeFourth)).toEqual(expected.slice(1, 3).map((c) => c.name));
    const afterSecond = await page(owner.accessToken, { first: 2, after: firstPage.edges[1]!.cursor });
    expect(namesOf(afterSecond)).toEqual(expected.slice(2, 4).map((c) => c.name));
    // first: 100 returns everything on one page.
    const all = await page(owner.accessToken, { first: 100 });
    expect(namesOf(all)).toEqual(expected.map((c) => c.name));
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it('refuses a page size over 100, first with last, and a garbage cursor with BAD_USER_INPUT', async () => {
    const { owner } = await sevenClients();
    for (const args of [
      { first: 101 },
      { last: 101 },
      { first: -1 },
      { first: 2, last: 2 },
      { after: 'garbage' },
      { after: 'not a cursor!' },
      { before: '%%%' },
      { first: 2, after: '' },
    ]) {
      const result = await env.t.gql(PAGE, args, owner.accessToken);
      expectError(result, 'BAD_USER_INPUT');
      // Over 100 the gateway refuses the whole request before execution; the rest are the field's own errors.
      const overMax = Object.values(args).some((value) => typeof value === 'number' && value > 100);
      expect(result.errors![0]!.path).toEqual(overMax ? undefined : ['clients']);
    }
  });

  // Valid base64url JSON of the wrong shape must never reach SQL.
  it('refuses a well-formed cursor of the wrong shape with BAD_USER_INPUT', async () => {
    const { owner } = await sevenClients();
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const after of [encode(['alpha', 'not-a-uuid']), encode([1]), encode([{}, []])]) {
      expectError(await env.t.gql(PAGE, { first: 2, after }, owner.accessToken), 'BAD_USER_INPUT');
    }
  });
});

describe('search', () => {
  it('matches a case-insensitive substring of the name or the email', async () => {
    const owner = await signUpFirm(env.t);
    await createClient(owner.accessToken, { name: 'Acme Holdings', email: 'ops@northwind.example' });
    await createClient(owner.accessToken, { name: 'ACME Labs' });
    await createClient(owner.accessToken, { name: 'Globex', email: 'Contact@Acme-Partners.example' });
    await createClient(owner.accessToken, { name: 'Initech' });

    const acme = await page(owner.accessToken, { search: 'aCmE' });
    expect(namesOf(acme)).toEqual(['Acme Holdings', 'ACME Labs', 'Globex']);
    expect(acme.totalCount).toBe(3);
    expect(namesOf(await page(owner.accessToken, { search: 'NORTHWIND' }))).toEqual(['Acme Holdings']);
    expect(namesOf(await page(owner.accessToken, { search: 'itec' }))).toEqual(['Initech']);
    const none = await page(owner.accessToken, { search: 'umbrella' });
    expect(none).toMatchObject({ totalCount: 0, edges: [] });
  });

  it('treats %, _ and \\ in the search string literally', async () => {
    const owner = await signUpFirm(env.t);
    for (const name of ['100% Pure', '100 Percent', 'Under_score Ltd', 'Undersea Co', 'C:\\Data Corp', 'Plain Co']) {
      await createClient(owner.accessToken, { name });
    }
    expect(namesOf(await page(owner.accessToken, { search: '%' }))).toEqual(['100% Pure']);
    expect(namesOf(await page(owner.accessToken, { search: '100%' }))).toEqual(['100% Pure']);
    expect(namesOf(await page(owner.accessToken, { search: '_' }))).toEqual(['Under_score Ltd']);
    expect(namesOf(await page(owner.accessToken, { search: 'under_' }))).toEqual(['Under_score Ltd']);
    expect(namesOf(await page(owner.accessToken, { search: '\\' }))).toEqual(['C:\\Data Corp']);
    expect(namesOf(await page(owner.accessToken, { search: '\\d' }))).toEqual(['C:\\Data Corp']);
    const percent = await page(owner.accessToken, { search: '%' });
    expect(percent.totalCount).toBe(1);
  });

  it('pages through search results with a totalCount of the matches', async () => {
    const owner = await signUpFirm(env.t);
    await createClients(env.t, owner.accessToken, ['Match One', 'Other', 'Match Three', 'Match Two', 'Unrelated']);
    const first = await page(owner.accessToken, { search: 'match', first: 2 });
    expect(namesOf(first)).toEqual(['Match One', 'Match Three']);
    expect(first.totalCount).toBe(3);
    const second = await page(owner.accessToken, { search: 'match', first: 2, after: first.pageInfo.endCursor });
    expect(namesOf(second)).toEqual(['Match Two']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });
});

describe('permissions', () => {
  const INVITE = graphql(`
    mutation ClientsInviteMember($input: InviteMemberInput!) {
      inviteMember(input: $input) {
        invitationToken
        userErrors {
          code
        }
      }
    }
  `);
  const ACCEPT = graphql(`
    mutation ClientsAcceptInvitation($input: AcceptInvitationInput!) {
      acceptInvitation(input: $input) {
        session {
          accessToken
        }
        userErrors {
          code
        }
      }
    }
  `);

  /** Invites a new person with `role` into the owner's firm and returns their access token. */
  async function member(owner: FirmOwner, role: 'STAFF' | 'MANAGER'): Promise<string> {
    const invited = await env.t.gql(
      INVITE,
      { input: { email: uniqueEmail(role.toLowerCase()), role } },
      owner.accessToken,
    );
    expect(invited.data!.inviteMember.userErrors).toEqual([]);
    const accepted = await env.t.gql(ACCEPT, {
      input: { token: invited.data!.inviteMember.invitationToken!, name: `Sam ${role}`, password: strongPassword() },
    });
    expect(accepted.data!.acceptInvitation.userErrors).toEqual([]);
    return accepted.data!.acceptInvitation.session!.accessToken;
  }

  it('lets STAFF read clients but not create, update or archive them', async () => {
    const owner = await signUpFirm(env.t);
    const [id] = await createClients(env.t, owner.accessToken, ['Readable Co']);
    const staff = await member(owner, 'STAFF');

    const list = await page(staff, {});
    expect(namesOf(list)).toEqual(['Readable Co']);
    const one = await env.t.gql(CLIENT, { id: id! }, staff);
    expect(one.errors).toBeUndefined();
    expect(one.data!.client).toMatchObject({ id, name: 'Readable Co' });

    const before = await clientRowText(env.admin, owner.firmId, id!);
    const attempts = [
      ['createClient', await env.t.gql(CREATE_CLIENT, { input: { name: 'Staff Made' } }, staff)],
      ['updateClient', await env.t.gql(UPDATE_CLIENT, { input: { id: id!, name: 'Staff Renamed' } }, staff)],
      ['archiveClient', await env.t.gql(ARCHIVE_CLIENT, { input: { id: id! } }, staff)],
    ] as const;
    for (const [field, result] of attempts) {
      expectError(result, 'FORBIDDEN');
      expect(result.errors![0]!.path).toEqual([field]);
    }
    expect(await clientRowText(env.admin, owner.firmId, id!)).toBe(before);
    expect(await countClientRows(env.admin, owner.firmId)).toBe(1);
  });

  it('refuses STAFF the balance field with FORBIDDEN, and gives it to the owner', async () => {
    const owner = await signUpFirm(env.t);
    const [id] = await createClients(env.t, owner.accessToken, ['Balance Co']);
    const staff = await member(owner, 'STAFF');
    const query = graphql(`
      query ClientsBalance($id: ID!) {
        client(id: $id) {
          id
          name
          balance {
            amount
            currency
          }
        }
      }
    `);

    const asOwner = await env.t.gql(query, { id: id! }, owner.accessToken);
    expect(asOwner).toEqual({
      status: 200,
      data: { client: { id, name: 'Balance Co', balance: { amount: '0.00', currency: 'USD' } } },
      extensions: { cost: expect.any(Object) },
    });

    const asStaff = await env.t.gql(query, { id: id! }, staff);
    expect(asStaff.errors).toEqual([
      expect.objectContaining({
        path: ['client', 'balance'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
    expect(JSON.stringify(asStaff.data)).not.toContain('0.00');

    const inList = await env.t.gql(
      graphql(`
        query ClientsBalanceInList {
          clients {
            edges {
              node {
                id
                balance {
                  amount
                }
              }
            }
          }
        }
      `),
      {},
      staff,
    );
    expect(inList.errors).toEqual([
      expect.objectContaining({
        path: ['clients', 'edges', 0, 'node', 'balance'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
  });

  it('lets a MANAGER create, update and archive clients', async () => {
    const owner = await signUpFirm(env.t);
    const manager = await member(owner, 'MANAGER');
    const created = await createClient(manager, { name: 'Managed Co' });
    const updated = await env.t.gql(UPDATE_CLIENT, { input: { id: created.id, phone: '+1 555 0123' } }, manager);
    expect(updated.data!.updateClient).toMatchObject({ client: { phone: '+1 555 0123' }, userErrors: [] });
    const archived = await env.t.gql(ARCHIVE_CLIENT, { input: { id: created.id } }, manager);
    expect(archived.data!.archiveClient).toMatchObject({ client: { status: 'ARCHIVED' }, userErrors: [] });
  });

  it('refuses anonymous callers, reading and writing nothing', async () => {
    const list = await env.t.gql(PAGE, {});
    expect(list.data ?? null).toBeNull();
    expect(list.errors?.[0]?.extensions?.code).toMatch(/^(UNAUTHENTICATED|FORBIDDEN)$/);
    const name = `Anonymous ${Date.now()}`;
    const create = await env.t.gql(CREATE_CLIENT, { input: { name } });
    expect(create.data ?? null).toBeNull();
    const [row] = await env.admin`select count(*)::int as count from crm.clients where name = ${name}`;
    expect(row!.count).toBe(0);
  });

  // Missing credentials are UNAUTHENTICATED; FORBIDDEN is for signed-in callers without the permission.
  it('refuses anonymous callers with UNAUTHENTICATED, not FORBIDDEN', async () => {
    expectError(await env.t.gql(PAGE, {}), 'UNAUTHENTICATED');
    expectError(await env.t.gql(CREATE_CLIENT, { input: { name: 'Anonymous Co' } }), 'UNAUTHENTICATED');
  });
});
