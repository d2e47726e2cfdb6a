import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKeySecret } from '../platform/credentials.ts';
import { graphql } from './gql/index.ts';
import type { CreateApiKeyInput, Permission } from './gql/graphql.ts';
import { asFirm, countClientRows, seedInvoiceAndDocument } from './support/admin-db.ts';
import { createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { CLIENT, CREATE_CLIENT } from './support/operations.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const CREATE_API_KEY = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      apiKey {
        id
        name
        scopes
        maskedSecret
        createdAt
        expiresAt
        lastUsedAt
        revokedAt
      }
      secret
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const REVOKE_API_KEY = graphql(`
  mutation RevokeApiKey($input: RevokeApiKeyInput!) {
    revokeApiKey(input: $input) {
      apiKey {
        id
        revokedAt
      }
      userErrors {
        code
      }
    }
  }
`);
const API_KEYS = graphql(`
  query ApiKeys($first: Int, $after: String) {
    apiKeys(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          id
          name
          scopes
          maskedSecret
          lastUsedAt
          revokedAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
const CLIENT_NAMES = graphql(`
  query ClientNames {
    clients(first: 50) {
      totalCount
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const inDays = (days: number) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString();

let a: FirmOwner;
let b: FirmOwner;
let aClientIds: string[];
const env = useStackWithAdmin();
beforeAll(async () => {
  [a, b] = await Promise.all([signUpFirm(env.t), signUpFirm(env.t)]);
  aClientIds = await createClients(env.t, a.accessToken, ['Alder & Co', 'Birch Partners']);
});

/** Creates a key through the gateway as `owner`, failing the test on any error. */
async function createKey(owner: FirmOwner, scopes: Permission[], expiresAt = inDays(30), name = 'Ledger sync') {
  const result = await env.t.gql(CREATE_API_KEY, { input: { name, scopes, expiresAt } }, owner.accessToken);
  expect(result.errors).toBeUndefined();
  expect(result.data!.createApiKey.userErrors).toEqual([]);
  const { apiKey, secret } = result.data!.createApiKey;
  return { apiKey: apiKey!, secret: secret! };
}

/** The stored row of a key as PostgreSQL holds it: its columns, and the whole row as JSON text. */
interface StoredKey {
  text: string;
  token_hash: string;
  scopes: string[];
  last_used_at: Date | null;
}

async function storedKey(firmId: string, apiKeyId: string): Promise<StoredKey> {
  const rows = await asFirm(
    env.admin,
    firmId,
    (tx) =>
      tx<
        StoredKey[]
      >`select row_to_json(k)::text as text, k.token_hash, k.scopes, k.last_used_at from tenancy.api_keys k where k.id = ${apiKeyId}`,
  );
  return rows[0]!;
}

describe('API keys', () => {
  it('creates a client:read key, shows its secret once, and the key reads the firm’s clients', async () => {
    const { apiKey, secret } = await createKey(a, ['CLIENT_READ']);
    expect(secret).toMatch(/^fg_live_[0-9A-Za-z]{60}$/);
    expect(apiKey.scopes).toEqual(['CLIENT_READ']);
    expect(apiKey.maskedSecret).toBe(`fg_live_…${secret.slice(-4)}`);
    expect(apiKey.lastUsedAt).toBeNull();

    const result = await env.t.gql(CLIENT_NAMES, {}, secret);
    expect(result.errors).toBeUndefined();
    expect(result.data!.clients.edges.map((e) => e.node.name).sort()).toEqual(['Alder & Co', 'Birch Partners']);

    // The key is not a person and holds nothing beyond its scopes.
    const me = await env.t.gql(
      graphql(`
        query ApiKeyMe {
          me {
            user {
              id
            }
          }
        }
      `),
      {},
      secret,
    );
    expect(me.errors).toBeUndefined();
    expect(me.data!.me).toBeNull();
    const listed = await env.t.gql(API_KEYS, {}, secret);
    expect(listed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('stores only the SHA-256 of the secret and records last use', async () => {
    const { apiKey, secret } = await createKey(a, ['CLIENT_READ', 'INVOICE_READ']);
    const before = await storedKey(a.firmId, apiKey.id);
    expect(before.text).not.toContain(secret);
    expect(before.text).not.toContain(secret.slice(30, 62));
    expect(before.token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(before.scopes).toEqual(['client:read', 'invoice:read']);
    expect(before.last_used_at).toBeNull();

    expect((await env.t.gql(CLIENT_NAMES, {}, secret)).errors).toBeUndefined();
    const after = await storedKey(a.firmId, apiKey.id);
    expect(after.last_used_at).toBeInstanceOf(Date);
    expect(Date.now() - after.last_used_at!.getTime()).toBeLessThan(60_000);

    // Within the minute, further use does not write again.
    expect((await env.t.gql(CLIENT_NAMES, {}, secret)).errors).toBeUndefined();
    expect((await storedKey(a.firmId, apiKey.id)).last_used_at).toEqual(after.last_used_at);

    const listed = await env.t.gql(API_KEYS, { first: 100 }, a.accessToken);
    expect(listed.errors).toBeUndefined();
    const node = listed.data!.apiKeys.edges.find((e) => e.node.id === apiKey.id)!.node;
    expect(node).toMatchObject({
      scopes: ['CLIENT_READ', 'INVOICE_READ'],
      maskedSecret: `fg_live_…${secret.slice(-4)}`,
      revokedAt: null,
    });
    expect(node.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('refuses writes outside the key’s scopes with FORBIDDEN and writes nothing', async () => {
    const { secret } = await createKey(a, ['CLIENT_READ']);
    const before = await countClientRows(env.admin, a.firmId);
    const result = await env.t.gql(CREATE_CLIENT, { input: { name: 'Written by a read-only key' } }, secret);
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await countClientRows(env.admin, a.firmId)).toBe(before);

    // A key cannot mint keys, even with a scope it may hold.
    const minted = await env.t.gql(
      CREATE_API_KEY,
      { input: { name: 'Child', scopes: ['CLIENT_READ'], expiresAt: inDays(1) } },
      secret,
    );
    expect(minted.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('reads across subgraphs with the scopes it holds, and is refused what it lacks', async () => {
    const { invoiceId } = await seedInvoiceAndDocument(env.admin, {
      firmId: a.firmId,
      clientId: aClientIds[0]!,
      totalMinor: 42_000,
    });
    const query = graphql(`
      query ClientMoney($id: ID!) {
        client(id: $id) {
          name
          balance {
            amount
            currency
          }
          invoices(first: 5) {
            totalCount
            edges {
              node {
                id
              }
            }
          }
          documents(first: 5) {
            totalCount
          }
        }
      }
    `);
    const full = await createKey(a, ['CLIENT_READ', 'INVOICE_READ', 'DOCUMENT_READ']);
    const read = await env.t.gql(query, { id: aClientIds[0]! }, full.secret);
    expect(read.errors).toBeUndefined();
    expect(read.data!.client!.invoices.edges.map((e) => e.node.id)).toContain(invoiceId);
    expect(read.data!.client!.documents.totalCount).toBeGreaterThan(0);

    const clientsOnly = await createKey(a, ['CLIENT_READ']);
    const partial = await env.t.gql(query, { id: aClientIds[0]! }, clientsOnly.secret);
    expect(partial.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
  });

  it('lets a client:write key create clients', async () => {
    const { secret } = await createKey(a, ['CLIENT_READ', 'CLIENT_WRITE']);
    const result = await env.t.gql(CREATE_CLIENT, { input: { name: 'Cedar Holdings' } }, secret);
    expect(result.errors).toBeUndefined();
    expect(result.data!.createClient.client!.name).toBe('Cedar Holdings');
  });

  it('refuses malformed and bad-checksum keys with 401 before any database lookup', async () => {
    const good = newApiKeySecret(a.firmId);
    const badChecksum = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    for (const key of [badChecksum, 'fg_live_short', `${good}x`, `${good.slice(0, 20)}.${good.slice(21)}`]) {
      const statements = env.t.statementCount();
      const result = await env.t.gql(CLIENT_NAMES, {}, key);
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.data ?? null).toBeNull();
      expect(env.t.statementCount()).toBe(statements);
    }
    // A well-formed key that was never issued is looked up in its firm, and refused the same way.
    const unknown = await env.t.gql(CLIENT_NAMES, {}, good);
    expect(unknown.status).toBe(401);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a revoked key from the next request on', async () => {
    const { apiKey, secret } = await createKey(a, ['CLIENT_READ']);
    expect((await env.t.gql(CLIENT_NAMES, {}, secret)).errors).toBeUndefined();
    const revoked = await env.t.gql(REVOKE_API_KEY, { input: { id: apiKey.id } }, a.accessToken);
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeApiKey.apiKey!.revokedAt).not.toBeNull();
    const result = await env.t.gql(CLIENT_NAMES, {}, secret);
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    // Revoking again is harmless; another firm cannot revoke (or learn of) the key.
    const again = await env.t.gql(REVOKE_API_KEY, { input: { id: apiKey.id } }, a.accessToken);
    expect(again.data!.revokeApiKey.apiKey!.revokedAt).toBe(revoked.data!.revokeApiKey.apiKey!.revokedAt);
    const foreign = await env.t.gql(REVOKE_API_KEY, { input: { id: apiKey.id } }, b.accessToken);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('refuses an expired key', async () => {
    const { apiKey, secret } = await createKey(a, ['CLIENT_READ']);
    await asFirm(
      env.admin,
      a.firmId,
      (tx) => tx`update tenancy.api_keys set expires_at = now() - interval '1 second' where id = ${apiKey.id}`,
    );
    const result = await env.t.gql(CLIENT_NAMES, {}, secret);
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('keeps a key inside its own firm: another firm’s client reads as missing', async () => {
    const { secret } = await createKey(b, ['CLIENT_READ']);
    const result = await env.t.gql(CLIENT, { id: aClientIds[0]! }, secret);
    expect(result.errors).toBeUndefined();
    expect(result.data!.client).toBeNull();
    const own = await env.t.gql(CLIENT, { id: aClientIds[0]! }, (await createKey(a, ['CLIENT_READ'])).secret);
    expect(own.data!.client!.name).toBe('Alder & Co');
    const list = await env.t.gql(CLIENT_NAMES, {}, secret);
    expect(list.data!.clients.totalCount).toBe(0);
  });

  it('rejects ungrantable scopes, no scopes and bad expiries with userErrors, creating nothing', async () => {
    const count = async () =>
      (
        await asFirm(
          env.admin,
          a.firmId,
          (tx) => tx`select count(*)::int as n from tenancy.api_keys where firm_id = ${a.firmId}`,
        )
      )[0]!.n as number;
    const before = await count();
    const cases: [Partial<CreateApiKeyInput>, string, string][] = [
      [{ scopes: ['CLIENT_READ', 'API_KEY_WRITE'] }, 'scopes', 'SCOPE_NOT_GRANTABLE'],
      [{ scopes: ['MEMBER_INVITE'] }, 'scopes', 'SCOPE_NOT_GRANTABLE'],
      [{ scopes: ['FIRM_UPDATE'] }, 'scopes', 'SCOPE_NOT_GRANTABLE'],
      [{ scopes: [] }, 'scopes', 'REQUIRED'],
      [{ expiresAt: inDays(-1) }, 'expiresAt', 'INVALID'],
      [{ expiresAt: inDays(366) }, 'expiresAt', 'INVALID'],
      [{ name: '   ' }, 'name', 'REQUIRED'],
    ];
    for (const [override, field, code] of cases) {
      const input: CreateApiKeyInput = { name: 'Bad key', scopes: ['CLIENT_READ'], expiresAt: inDays(10), ...override };
      const result = await env.t.gql(CREATE_API_KEY, { input }, a.accessToken);
      expect(result.errors).toBeUndefined();
      expect(result.data!.createApiKey).toMatchObject({ apiKey: null, secret: null });
      expect(result.data!.createApiKey.userErrors).toContainEqual(
        expect.objectContaining({ field: ['input', field], code }),
      );
    }
    expect(await count()).toBe(before);
  });

  it('pages the firm’s keys newest first and shows nothing of another firm', async () => {
    const mine = await Promise.all([
      createKey(b, ['CLIENT_READ'], inDays(5), 'one'),
      createKey(b, ['CLIENT_READ'], inDays(5), 'two'),
    ]);
    const first = await env.t.gql(API_KEYS, { first: 1 }, b.accessToken);
    expect(first.errors).toBeUndefined();
    const total = first.data!.apiKeys.totalCount;
    expect(first.data!.apiKeys.pageInfo.hasNextPage).toBe(true);
    const rest = await env.t.gql(
      API_KEYS,
      { first: 100, after: first.data!.apiKeys.pageInfo.endCursor },
      b.accessToken,
    );
    const ids = [...first.data!.apiKeys.edges, ...rest.data!.apiKeys.edges].map((e) => e.node.id);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    for (const key of mine) expect(ids).toContain(key.apiKey.id);
    const aKeys = await env.t.gql(API_KEYS, { first: 100 }, a.accessToken);
    for (const key of mine) expect(aKeys.data!.apiKeys.edges.map((e) => e.node.id)).not.toContain(key.apiKey.id);
  });

  it('records key creation and revocation in the firm’s audit log', async () => {
    const { apiKey } = await createKey(a, ['CLIENT_READ']);
    await env.t.gql(REVOKE_API_KEY, { input: { id: apiKey.id } }, a.accessToken);
    const rows = await asFirm(
      env.admin,
      a.firmId,
      (tx) =>
        tx`select action, actor_kind, metadata::text from tenancy.audit_log where firm_id = ${a.firmId} and target_id = ${apiKey.id} order by seq`,
    );
    expect(rows.map((r) => r.action)).toEqual(['api_key.create', 'api_key.revoke']);
    expect(rows.every((r) => r.actor_kind === 'STAFF')).toBe(true);
  });
});

describe('API keys and rate limits', () => {
  let limited: TestStack;
  beforeAll(async () => {
    // A small caller bucket that barely refills, and a firm bucket large enough not to interfere.
    limited = await startTestStack({
      RATE_LIMIT_BUCKET_SIZE: '200',
      RATE_LIMIT_RESTORE_RATE: '0.01',
      RATE_LIMIT_FIRM_BUCKET_SIZE: '1000000',
      RATE_LIMIT_FIRM_RESTORE_RATE: '1000',
    });
  });
  afterAll(async () => {
    await limited.stop();
  });

  it('gives each key its own bucket, like a member’s, and refuses it with RATE_LIMITED once drained', async () => {
    const [first, second] = [await createKey(a, ['CLIENT_READ']), await createKey(a, ['CLIENT_READ'])];
    let refused: Awaited<ReturnType<TestStack['gql']>> | undefined;
    for (let i = 0; i < 40 && !refused; i += 1) {
      const result = await limited.gql(CLIENT_NAMES, {}, first.secret);
      if (result.errors?.[0]?.extensions?.code === 'RATE_LIMITED') refused = result;
      else expect(result.errors).toBeUndefined();
    }
    expect(refused?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(refused!.data ?? null).toBeNull();
    const other = await limited.gql(CLIENT_NAMES, {}, second.secret);
    expect(other.errors).toBeUndefined();
    expect(other.data!.clients.totalCount).toBeGreaterThan(0);
  });
});
