import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { SIGN_UP, signUpFirm, strongPassword, uniqueEmail } from './support/factories.ts';
import { TEST_JWT_SECRET } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const LOG_IN = graphql(`
  mutation AuthLogIn($input: LogInInput!) {
    logIn(input: $input) {
      session {
        accessToken
        refreshToken
        user {
          id
          email
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const REFRESH = graphql(`
  mutation AuthRefreshSession($input: RefreshSessionInput!) {
    refreshSession(input: $input) {
      session {
        accessToken
        refreshToken
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const ME = graphql(`
  query AuthMe {
    me {
      user {
        id
        name
        email
      }
      activeRole
      activeFirm {
        id
        name
      }
      memberships {
        role
        firm {
          id
          name
        }
      }
    }
  }
`);

const env = useStackWithAdmin();

describe('sign-up', () => {
  it('creates the firm, the owner and an OWNER membership, and signs the owner in', async () => {
    const owner = await signUpFirm(env.t, 'Acme Advisory');
    const me = await env.t.gql(ME, {}, owner.accessToken);
    expect(me.errors).toBeUndefined();
    expect(me.data!.me).toMatchObject({
      user: { id: owner.userId, name: 'Avery Owner', email: owner.email },
      activeRole: 'OWNER',
      activeFirm: { id: owner.firmId, name: 'Acme Advisory' },
      memberships: [{ role: 'OWNER', firm: { id: owner.firmId } }],
    });
  });

  it('rejects a bad email and a weak password with userErrors naming each field, writing nothing', async () => {
    const email = 'not-an-email';
    const result = await env.t.gql(SIGN_UP, {
      input: { firmName: 'Weak Co', ownerName: 'W', email, password: 'password123' },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.signUp.firm).toBeNull();
    expect(result.data!.signUp.session).toBeNull();
    const errors = result.data!.signUp.userErrors.map((e) => [e.field.join('.'), e.code]);
    expect(errors).toEqual(
      expect.arrayContaining([
        ['input.email', 'INVALID'],
        ['input.password', 'WEAK_PASSWORD'],
      ]),
    );
    const [row] = await env.admin`select count(*)::int as count from tenancy.users where email = ${email}`;
    expect(row!.count).toBe(0);
  });

  it('refuses a common password even when it is long', async () => {
    const result = await env.t.gql(SIGN_UP, {
      input: { firmName: 'Common Co', ownerName: 'C', email: uniqueEmail(), password: 'passwordpassword' },
    });
    expect(result.data!.signUp.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'password'], code: 'WEAK_PASSWORD' }),
    ]);
  });

  it('reports a duplicate email as TAKEN and writes no second firm or user', async () => {
    const owner = await signUpFirm(env.t);
    const firmsBefore = await env.admin`select count(*)::int as count from tenancy.firms`;
    const result = await env.t.gql(SIGN_UP, {
      input: {
        firmName: 'Second Firm',
        ownerName: 'Dup',
        email: owner.email.toUpperCase(),
        password: strongPassword(),
      },
    });
    expect(result.data!.signUp).toMatchObject({
      firm: null,
      session: null,
      userErrors: [{ field: ['input', 'email'], code: 'TAKEN' }],
    });
    const firmsAfter = await env.admin`select count(*)::int as count from tenancy.firms`;
    expect(firmsAfter[0]!.count).toBe(firmsBefore[0]!.count);
  });

  it('stores the password as an argon2id hash at OWASP parameters', async () => {
    const owner = await signUpFirm(env.t);
    const [row] = await env.admin`select password_hash from tenancy.users where id = ${owner.userId}`;
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});

describe('log-in, refresh and log-out', () => {
  it('logs in with the right password and answers the same error for a wrong password and an unknown email', async () => {
    const owner = await signUpFirm(env.t);
    const ok = await env.t.gql(LOG_IN, { input: { email: owner.email, password: owner.password } });
    expect(ok.data!.logIn.userErrors).toEqual([]);
    expect(ok.data!.logIn.session!.user.id).toBe(owner.userId);

    const wrong = await env.t.gql(LOG_IN, { input: { email: owner.email, password: 'Wrong-password-123!' } });
    const unknown = await env.t.gql(LOG_IN, { input: { email: uniqueEmail(), password: 'Wrong-password-123!' } });
    expect(wrong.data!.logIn).toEqual({
      session: null,
      userErrors: [{ field: [], message: expect.any(String), code: 'INVALID_CREDENTIALS' }],
    });
    expect(unknown.data!.logIn).toEqual(wrong.data!.logIn);
  });

  it('rotates refresh tokens, and reusing a used one ends the whole session', async () => {
    const owner = await signUpFirm(env.t);
    const first = await env.t.gql(REFRESH, { input: { refreshToken: owner.refreshToken } });
    expect(first.data!.refreshSession.userErrors).toEqual([]);
    const rotated = first.data!.refreshSession.session!;
    expect(rotated.refreshToken).not.toBe(owner.refreshToken);
    expect((await env.t.gql(ME, {}, rotated.accessToken)).data!.me!.user.id).toBe(owner.userId);

    const replay = await env.t.gql(REFRESH, { input: { refreshToken: owner.refreshToken } });
    expect(replay.data!.refreshSession).toEqual({
      session: null,
      userErrors: [{ field: ['input', 'refreshToken'], code: 'INVALID_TOKEN' }],
    });
    // Reuse is treated as theft: the session, including the rotated token pair, is over.
    const afterTheft = await env.t.gql(REFRESH, { input: { refreshToken: rotated.refreshToken } });
    expect(afterTheft.data!.refreshSession.userErrors[0]!.code).toBe('INVALID_TOKEN');
    const meAfterTheft = await env.t.gql(ME, {}, rotated.accessToken);
    expect(meAfterTheft.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('logs out: the access token and the refresh token stop working', async () => {
    const owner = await signUpFirm(env.t);
    const out = await env.t.gql(
      graphql(`
        mutation AuthLogOut {
          logOut {
            loggedOut
            userErrors {
              code
            }
          }
        }
      `),
      {},
      owner.accessToken,
    );
    expect(out.data!.logOut).toEqual({ loggedOut: true, userErrors: [] });
    const me = await env.t.gql(ME, {}, owner.accessToken);
    expect(me.status).toBe(401);
    expect(me.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const refresh = await env.t.gql(REFRESH, { input: { refreshToken: owner.refreshToken } });
    expect(refresh.data!.refreshSession.userErrors[0]!.code).toBe('INVALID_TOKEN');
  });

  it('answers me: null without a token', async () => {
    const result = await env.t.gql(ME);
    expect(result.errors).toBeUndefined();
    expect(result.data!.me).toBeNull();
  });
});

describe('bad tokens', () => {
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  // Raw fetches: these tests set the Authorization header themselves and read the HTTP response as it is.
  const expectUnauthenticated = async (authorization: string) => {
    const response = await fetch(env.t.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ query: '{ me { user { id } } }' }),
    });
    const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(response.status).toBe(401);
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(body.data).toBeUndefined();
  };

  it('refuses a malformed token', async () => {
    await expectUnauthenticated('Bearer not.a.jwt');
    await expectUnauthenticated('Basic dXNlcjpwYXNz');
  });

  it('refuses an expired token', async () => {
    const owner = await signUpFirm(env.t);
    const { sub, sid } = JSON.parse(Buffer.from(owner.accessToken.split('.')[1]!, 'base64url').toString());
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await new SignJWT({ sid })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('firmgraph')
      .setAudience('firmgraph-api')
      .setSubject(sub)
      .setIssuedAt(past - 900)
      .setNotBefore(past - 900)
      .setExpirationTime(past)
      .sign(key);
    await expectUnauthenticated(`Bearer ${expired}`);
  });

  it('refuses a token signed with the wrong key, and an unsigned (alg none) token', async () => {
    const owner = await signUpFirm(env.t);
    const [, payload] = owner.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    await expectUnauthenticated(`Bearer ${forged}`);
    const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    await expectUnauthenticated(`Bearer ${noneHeader}.${payload}.`);
    // Control: the same claims signed with the right key are accepted, so the key alone was refused.
    const genuine = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
    const response = await fetch(env.t.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${genuine}` },
      body: JSON.stringify({ query: '{ me { user { id } } }' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { me: { user: { id: string } } | null } };
    expect(body.data.me?.user.id).toBe(claims.sub);
  });
});

describe('members and firms', () => {
  const INVITE = graphql(`
    mutation AuthInviteMember($input: InviteMemberInput!) {
      inviteMember(input: $input) {
        invitation {
          id
          email
          role
        }
        invitationToken
        userErrors {
          field
          code
        }
      }
    }
  `);
  const ACCEPT = graphql(`
    mutation AuthAcceptInvitation($input: AcceptInvitationInput!) {
      acceptInvitation(input: $input) {
        membership {
          role
          firm {
            id
          }
          user {
            email
          }
        }
        session {
          accessToken
        }
        userErrors {
          field
          code
        }
      }
    }
  `);

  it('invites a new person, who accepts and works in the firm with the granted role; the token is single-use', async () => {
    const owner = await signUpFirm(env.t);
    const email = uniqueEmail('manager');
    const invited = await env.t.gql(INVITE, { input: { email, role: 'MANAGER' } }, owner.accessToken);
    expect(invited.data!.inviteMember).toMatchObject({ invitation: { email, role: 'MANAGER' }, userErrors: [] });
    const token = invited.data!.inviteMember.invitationToken!;

    const password = strongPassword();
    const accepted = await env.t.gql(ACCEPT, { input: { token, name: 'Morgan Manager', password } });
    expect(accepted.data!.acceptInvitation).toMatchObject({
      membership: { role: 'MANAGER', firm: { id: owner.firmId }, user: { email } },
      userErrors: [],
    });
    const me = await env.t.gql(ME, {}, accepted.data!.acceptInvitation.session!.accessToken);
    expect(me.data!.me).toMatchObject({ activeRole: 'MANAGER', activeFirm: { id: owner.firmId } });

    const again = await env.t.gql(ACCEPT, { input: { token, name: 'Morgan Manager', password } });
    expect(again.data!.acceptInvitation.userErrors).toEqual([{ field: ['input', 'token'], code: 'INVALID_TOKEN' }]);
  });

  it('lists the active firm’s members with their roles, page by page, to MANAGER and above only', async () => {
    const owner = await signUpFirm(env.t);
    const staffEmail = uniqueEmail('staff');
    const invite = await env.t.gql(INVITE, { input: { email: staffEmail, role: 'STAFF' } }, owner.accessToken);
    const staff = await env.t.gql(ACCEPT, {
      input: { token: invite.data!.inviteMember.invitationToken!, name: 'Sam Staff', password: strongPassword() },
    });
    const MEMBERS = graphql(`
      query AuthMembers($after: String) {
        me {
          activeFirm {
            memberships(first: 1, after: $after) {
              totalCount
              edges {
                node {
                  role
                  user {
                    email
                  }
                }
              }
              pageInfo {
                hasNextPage
                endCursor
              }
            }
          }
        }
      }
    `);

    const first = await env.t.gql(MEMBERS, {}, owner.accessToken);
    const page1 = first.data!.me!.activeFirm!.memberships;
    expect(page1).toMatchObject({
      totalCount: 2,
      edges: [{ node: { role: 'OWNER', user: { email: owner.email } } }],
      pageInfo: { hasNextPage: true },
    });
    const second = await env.t.gql(MEMBERS, { after: page1.pageInfo.endCursor }, owner.accessToken);
    expect(second.data!.me!.activeFirm!.memberships).toMatchObject({
      edges: [{ node: { role: 'STAFF', user: { email: staffEmail } } }],
      pageInfo: { hasNextPage: false },
    });

    const refused = await env.t.gql(MEMBERS, {}, staff.data!.acceptInvitation.session!.accessToken);
    expect(refused.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(JSON.stringify(refused.data)).not.toContain(owner.email);
  });

  it('does not let a MANAGER invite, nor an ADMIN grant OWNER', async () => {
    const owner = await signUpFirm(env.t);
    const adminEmail = uniqueEmail('admin');
    const adminPassword = strongPassword();
    const invite = await env.t.gql(INVITE, { input: { email: adminEmail, role: 'ADMIN' } }, owner.accessToken);
    const accepted = await env.t.gql(ACCEPT, {
      input: { token: invite.data!.inviteMember.invitationToken!, name: 'Ada Admin', password: adminPassword },
    });
    const adminToken = accepted.data!.acceptInvitation.session!.accessToken;

    const ownerGrant = await env.t.gql(INVITE, { input: { email: uniqueEmail(), role: 'OWNER' } }, adminToken);
    expect(ownerGrant.data!.inviteMember.userErrors).toEqual([
      { field: ['input', 'role'], code: 'ROLE_NOT_GRANTABLE' },
    ]);

    const managerInvite = await env.t.gql(INVITE, { input: { email: uniqueEmail(), role: 'MANAGER' } }, adminToken);
    const manager = await env.t.gql(ACCEPT, {
      input: { token: managerInvite.data!.inviteMember.invitationToken!, name: 'Max', password: strongPassword() },
    });
    const managerToken = manager.data!.acceptInvitation.session!.accessToken;
    const refused = await env.t.gql(INVITE, { input: { email: uniqueEmail(), role: 'STAFF' } }, managerToken);
    expect(refused.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(refused.data).toBeNull();
  });

  it('lets a user in two firms choose the active firm, at log-in and later', async () => {
    const first = await signUpFirm(env.t, 'First Firm');
    const second = await signUpFirm(env.t, 'Second Firm');
    const invite = await env.t.gql(INVITE, { input: { email: first.email, role: 'STAFF' } }, second.accessToken);
    const accepted = await env.t.gql(ACCEPT, {
      input: { token: invite.data!.inviteMember.invitationToken!, password: first.password },
    });
    expect(accepted.data!.acceptInvitation.userErrors).toEqual([]);

    const login = await env.t.gql(LOG_IN, {
      input: { email: first.email, password: first.password, firmId: second.firmId },
    });
    const token = login.data!.logIn.session!.accessToken;
    const me = await env.t.gql(ME, {}, token);
    expect(me.data!.me!.activeFirm!.id).toBe(second.firmId);
    expect(me.data!.me!.activeRole).toBe('STAFF');
    expect(me.data!.me!.memberships.map((m) => m.firm.id).sort()).toEqual([first.firmId, second.firmId].sort());

    const switched = await env.t.gql(
      graphql(`
        mutation AuthSwitchActiveFirm($input: SwitchActiveFirmInput!) {
          switchActiveFirm(input: $input) {
            viewer {
              activeFirm {
                id
              }
              activeRole
            }
            userErrors {
              code
            }
          }
        }
      `),
      { input: { firmId: first.firmId } },
      token,
    );
    expect(switched.data!.switchActiveFirm).toEqual({
      viewer: { activeFirm: { id: first.firmId }, activeRole: 'OWNER' },
      userErrors: [],
    });
    expect((await env.t.gql(ME, {}, token)).data!.me!.activeFirm!.id).toBe(first.firmId);

    const stranger = await signUpFirm(env.t);
    const refused = await env.t.gql(
      graphql(`
        mutation AuthSwitchToStrangerFirm($input: SwitchActiveFirmInput!) {
          switchActiveFirm(input: $input) {
            viewer {
              activeRole
            }
            userErrors {
              field
              code
            }
          }
        }
      `),
      { input: { firmId: stranger.firmId } },
      token,
    );
    expect(refused.data!.switchActiveFirm).toEqual({
      viewer: null,
      userErrors: [{ field: ['input', 'firmId'], code: 'INVALID' }],
    });
  });
});
