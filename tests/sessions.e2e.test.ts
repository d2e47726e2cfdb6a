import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { disableUser } from '../subgraphs/tenancy/identity/identity-service.ts';
import { graphql } from './gql/index.ts';
import { signUpFirm, strongPassword } from './support/factories.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const LOG_IN = graphql(`
  mutation SessionsLogIn($input: LogInInput!) {
    logIn(input: $input) {
      session {
        accessToken
        refreshToken
      }
      userErrors {
        code
      }
    }
  }
`);
const REFRESH = graphql(`
  mutation SessionsRefresh($input: RefreshSessionInput!) {
    refreshSession(input: $input) {
      session {
        accessToken
      }
      userErrors {
        code
      }
    }
  }
`);
const CHANGE = graphql(`
  mutation SessionsChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      changed
      userErrors {
        field
        code
      }
    }
  }
`);
const ME = graphql(`
  query SessionsMe {
    me {
      user {
        id
      }
    }
  }
`);

const env = useStackWithAdmin();

async function logIn(email: string, password: string) {
  return (await env.t.gql(LOG_IN, { input: { email, password } })).data!.logIn;
}
const meCode = async (token: string) => (await env.t.gql(ME, {}, token)).errors?.[0]?.extensions?.code ?? 'OK';
const refreshCode = async (refreshToken: string) => {
  const result = (await env.t.gql(REFRESH, { input: { refreshToken } })).data!.refreshSession;
  return result.userErrors[0]?.code ?? 'OK';
};

describe('password change', () => {
  it('changes the password and ends every other session, refresh and access tokens alike', async () => {
    const owner = await signUpFirm(env.t);
    const other = (await logIn(owner.email, owner.password)).session!;
    const newPassword = strongPassword();

    const changed = await env.t.gql(
      CHANGE,
      { input: { currentPassword: owner.password, newPassword } },
      owner.accessToken,
    );
    expect(changed.data!.changePassword).toEqual({ changed: true, userErrors: [] });

    expect(await meCode(other.accessToken)).toBe('UNAUTHENTICATED');
    expect(await refreshCode(other.refreshToken)).toBe('INVALID_TOKEN');
    expect(await meCode(owner.accessToken)).toBe('OK');
    expect(await refreshCode(owner.refreshToken)).toBe('OK');
    expect((await logIn(owner.email, owner.password)).userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
    expect((await logIn(owner.email, newPassword)).session).not.toBeNull();
    const [audit] =
      await env.admin`select count(*)::int as count from tenancy.audit_log where firm_id = ${owner.firmId} and action = 'auth.password.change'`;
    expect(audit!.count).toBe(1);
  });

  it('refuses a wrong current password and a weak new one, changing nothing', async () => {
    const owner = await signUpFirm(env.t);
    const other = (await logIn(owner.email, owner.password)).session!;
    const wrong = await env.t.gql(
      CHANGE,
      { input: { currentPassword: 'Not-the-password-42', newPassword: strongPassword() } },
      owner.accessToken,
    );
    expect(wrong.data!.changePassword).toEqual({
      changed: false,
      userErrors: [{ field: ['input', 'currentPassword'], code: 'INVALID_CREDENTIALS' }],
    });
    const weak = await env.t.gql(
      CHANGE,
      { input: { currentPassword: owner.password, newPassword: 'password1234' } },
      owner.accessToken,
    );
    expect(weak.data!.changePassword).toEqual({
      changed: false,
      userErrors: [{ field: ['input', 'newPassword'], code: 'WEAK_PASSWORD' }],
    });
    expect(await meCode(other.accessToken)).toBe('OK');
    expect((await logIn(owner.email, owner.password)).session).not.toBeNull();
  });

  it('requires a signed-in user', async () => {
    const result = await env.t.gql(CHANGE, { input: { currentPassword: 'x', newPassword: strongPassword() } });
    expect(result.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });
});

describe('disabling a user', () => {
  it('ends every session at once and refuses log-in', async () => {
    const owner = await signUpFirm(env.t);
    const other = (await logIn(owner.email, owner.password)).session!;
    expect(await disableUser(env.t.databases.tenancy, { email: owner.email.toUpperCase() })).toBe('DISABLED');
    for (const token of [owner.accessToken, other.accessToken]) expect(await meCode(token)).toBe('UNAUTHENTICATED');
    for (const token of [owner.refreshToken, other.refreshToken])
      expect(await refreshCode(token)).toBe('INVALID_TOKEN');
    expect((await logIn(owner.email, owner.password)).userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
    const [live] =
      await env.admin`select count(*)::int as count from tenancy.sessions where user_id = ${owner.userId} and revoked_at is null`;
    expect(live!.count).toBe(0);
    expect(await disableUser(env.t.databases.tenancy, { email: owner.email })).toBe('ALREADY_DISABLED');
    expect(await disableUser(env.t.databases.tenancy, { email: 'nobody@example.test' })).toBe('NOT_FOUND');
  });
});

describe('access token checks (hand-forged tokens through the gateway)', () => {
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const now = () => Math.floor(Date.now() / 1000);
  let claims: { sub: string; sid: string };
  beforeAll(async () => {
    const owner = await signUpFirm(env.t);
    const { sub, sid } = JSON.parse(Buffer.from(owner.accessToken.split('.')[1]!, 'base64url').toString());
    claims = { sub, sid };
  });

  /** A token like the real ones, for the live session, with one thing changed. */
  async function forge(
    change: { alg?: string; iss?: string; aud?: string; nbf?: number; exp?: number; omitExp?: boolean } = {},
  ) {
    let jwt = new SignJWT({ sid: claims.sid })
      .setProtectedHeader({ alg: change.alg ?? 'HS256', typ: 'JWT' })
      .setIssuer(change.iss ?? 'firmgraph')
      .setAudience(change.aud ?? 'firmgraph-api')
      .setSubject(claims.sub)
      .setIssuedAt(now() - 5)
      .setNotBefore(change.nbf ?? now() - 5);
    if (!change.omitExp) jwt = jwt.setExpirationTime(change.exp ?? now() + 600);
    return jwt.sign(key);
  }

  async function expectRefused(token: string) {
    const result = await env.t.gql(ME, {}, token);
    expect(result.status).toBe(401);
    expect(result.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(result.data ?? null).toBeNull();
  }

  it('accepts the untampered forgery, so each refusal below is down to the one change', async () => {
    const result = await env.t.gql(ME, {}, await forge());
    expect(result.data!.me!.user.id).toBe(claims.sub);
  });

  it('refuses alg none', async () => {
    const [, payload] = (await forge()).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expectRefused(`${header}.${payload}.`);
  });

  it('refuses an algorithm outside the allowlist, even signed with the right key', async () => {
    await expectRefused(await forge({ alg: 'HS512' }));
  });

  it('refuses a wrong audience and a wrong issuer', async () => {
    await expectRefused(await forge({ aud: 'firmgraph-subgraph' }));
    await expectRefused(await forge({ iss: 'firmgraph-gateway' }));
  });

  it('refuses a token not valid yet (nbf in the future)', async () => {
    await expectRefused(await forge({ nbf: now() + 300 }));
  });

  it('refuses an expired token and one without exp', async () => {
    await expectRefused(await forge({ exp: now() - 60 }));
    await expectRefused(await forge({ omitExp: true }));
  });
});
