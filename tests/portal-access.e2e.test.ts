import { beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { asFirm, seedInvoiceAndDocument } from './support/admin-db.ts';
import { createClients, signUpFirm, strongPassword, uniqueEmail, type FirmOwner } from './support/factories.ts';
import {
  ACCEPT_PORTAL_INVITATION,
  CREATE_CONTACT,
  INVITE_PORTAL_USER,
  latestToken,
  mailsTo,
  onboardPortalUser,
} from './support/portal.ts';
import { useStackWithAdmin } from './support/suite.ts';

const PORTAL_HOME = graphql(`
  query PortalHome {
    portalViewer {
      name
      clients {
        id
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
`);
const LOG_IN_PORTAL = graphql(`
  mutation LogInPortal($input: LogInPortalInput!) {
    logInPortal(input: $input) {
      session {
        accessToken
        refreshToken
        accessTokenExpiresAt
        portalUser {
          id
          name
          email
          status
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
const REQUEST_LINK = graphql(`
  mutation RequestPortalLink($input: RequestPortalLinkInput!) {
    requestPortalLink(input: $input) {
      requested
      userErrors {
        code
      }
    }
  }
`);
const LOG_IN_WITH_LINK = graphql(`
  mutation LogInWithPortalLink($input: LogInWithPortalLinkInput!) {
    logInWithPortalLink(input: $input) {
      session {
        accessToken
        refreshToken
        accessTokenExpiresAt
        portalUser {
          id
          name
          email
          status
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
  mutation RefreshPortalSession($input: RefreshPortalSessionInput!) {
    refreshPortalSession(input: $input) {
      session {
        accessToken
        refreshToken
        accessTokenExpiresAt
        portalUser {
          id
          name
          email
          status
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
const RESEND = graphql(`
  mutation ResendPortalInvitation($input: ResendPortalInvitationInput!) {
    resendPortalInvitation(input: $input) {
      portalUser {
        id
        status
      }
      userErrors {
        code
      }
    }
  }
`);
const REVOKE = graphql(`
  mutation RevokePortalAccess($input: RevokePortalAccessInput!) {
    revokePortalAccess(input: $input) {
      portalUser {
        id
        status
      }
      userErrors {
        code
      }
    }
  }
`);

let owner: FirmOwner;
let firmSlug: string;
let clientX = '';
let clientY = '';
const env = useStackWithAdmin();
beforeAll(async () => {
  owner = await signUpFirm(env.t);
  [clientX = '', clientY = ''] = await createClients(env.t, owner.accessToken, ['Xylo Ltd', 'Yarrow plc']);
  await seedInvoiceAndDocument(env.admin, { firmId: owner.firmId, clientId: clientX });
  const me = await env.t.gql(
    graphql(`
      query PortalAccessFirmSlug {
        me {
          activeFirm {
            slug
          }
        }
      }
    `),
    {},
    owner.accessToken,
  );
  firmSlug = me.data!.me!.activeFirm!.slug;
});

describe('invitation', () => {
  it('mails a single-use token (never in the response), and accepting it opens the portal home on the granted client only', async () => {
    const email = uniqueEmail('portal');
    const contact = await env.t.gql(
      CREATE_CONTACT,
      { input: { name: 'Pat Portal', email, links: [{ clientId: clientX, role: 'BILLING' }] } },
      owner.accessToken,
    );
    const contactId = contact.data!.createContact.contact!.id;
    const invited = await env.t.gql(
      INVITE_PORTAL_USER,
      { input: { contactId, email, name: 'Pat Portal', clientIds: [clientX] } },
      owner.accessToken,
    );
    expect(invited.data!.invitePortalUser).toMatchObject({ portalUser: { email, status: 'INVITED' }, userErrors: [] });
    const token = await latestToken(env.t, email);
    expect(JSON.stringify(invited)).not.toContain(token.split('.')[1]);
    const stored = await asFirm(
      env.admin,
      owner.firmId,
      (tx) =>
        tx`select token_hash from tenancy.portal_tokens where portal_user_id = ${invited.data!.invitePortalUser.portalUser!.id}`,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);

    const weak = await env.t.gql(ACCEPT_PORTAL_INVITATION, { input: { token, password: 'short' } });
    expect(weak.data!.acceptPortalInvitation.userErrors[0]!.code).toBe('WEAK_PASSWORD');
    const accepted = await env.t.gql(ACCEPT_PORTAL_INVITATION, { input: { token, password: strongPassword() } });
    expect(accepted.data!.acceptPortalInvitation.userErrors).toEqual([]);
    expect(accepted.data!.acceptPortalInvitation.session!.portalUser).toMatchObject({ email, status: 'ACTIVE' });
    const again = await env.t.gql(ACCEPT_PORTAL_INVITATION, { input: { token, password: strongPassword() } });
    expect(again.data!.acceptPortalInvitation).toMatchObject({
      session: null,
      userErrors: [{ code: 'INVALID_TOKEN' }],
    });

    const home = await env.t.gql(PORTAL_HOME, {}, accepted.data!.acceptPortalInvitation.session!.accessToken);
    expect(home.errors).toBeUndefined();
    expect(home.data!.portalViewer!.name).toBe('Pat Portal');
    expect(home.data!.portalViewer!.clients).toEqual([
      {
        id: clientX,
        name: 'Xylo Ltd',
        balance: { amount: '1250.00', currency: 'USD' },
        invoices: { totalCount: 1 },
        documents: { totalCount: 1 },
      },
    ]);
  });

  it('resend supersedes the earlier token', async () => {
    const email = uniqueEmail('portal');
    const contact = await env.t.gql(
      CREATE_CONTACT,
      { input: { name: 'Robin Resend', email, links: [{ clientId: clientY, role: 'PRIMARY' }] } },
      owner.accessToken,
    );
    const invited = await env.t.gql(
      INVITE_PORTAL_USER,
      {
        input: {
          contactId: contact.data!.createContact.contact!.id,
          email,
          name: 'Robin Resend',
          clientIds: [clientY],
        },
      },
      owner.accessToken,
    );
    const first = await latestToken(env.t, email);
    const resent = await env.t.gql(
      RESEND,
      { input: { portalUserId: invited.data!.invitePortalUser.portalUser!.id } },
      owner.accessToken,
    );
    expect(resent.data!.resendPortalInvitation.userErrors).toEqual([]);
    const second = await latestToken(env.t, email);
    expect(second).not.toBe(first);
    const old = await env.t.gql(ACCEPT_PORTAL_INVITATION, { input: { token: first, password: strongPassword() } });
    expect(old.data!.acceptPortalInvitation.userErrors[0]!.code).toBe('INVALID_TOKEN');
    const fresh = await env.t.gql(ACCEPT_PORTAL_INVITATION, { input: { token: second, password: strongPassword() } });
    expect(fresh.data!.acceptPortalInvitation.userErrors).toEqual([]);
    const late = await env.t.gql(
      RESEND,
      { input: { portalUserId: invited.data!.invitePortalUser.portalUser!.id } },
      owner.accessToken,
    );
    expect(late.data!.resendPortalInvitation.userErrors[0]!.code).toBe('ALREADY_ACTIVE');
  });

  it("refuses contact and client ids the firm does not have, another firm's as random ones, storing and mailing nothing", async () => {
    const other = await signUpFirm(env.t);
    const [otherClient = ''] = await createClients(env.t, other.accessToken, ['Elsewhere Inc']);
    const otherContact = await env.t.gql(
      CREATE_CONTACT,
      { input: { name: 'Other Contact', email: uniqueEmail(), links: [{ clientId: otherClient, role: 'PRIMARY' }] } },
      other.accessToken,
    );
    const ownContact = await env.t.gql(
      CREATE_CONTACT,
      { input: { name: 'Own Contact', email: uniqueEmail(), links: [{ clientId: clientX, role: 'PRIMARY' }] } },
      owner.accessToken,
    );
    const random = '01a23b97-0000-7000-8000-000000000000';
    const portalUsersOfFirm = async () => {
      const [row] = await env.admin<{ count: number }[]>`
        select count(*)::int as count from tenancy.portal_users where firm_id = ${owner.firmId}`;
      return row!.count;
    };
    const before = await portalUsersOfFirm();
    const invite = async (contactId: string, clientIds: string[]) => {
      const email = uniqueEmail('dana');
      const answer = await env.t.gql(
        INVITE_PORTAL_USER,
        { input: { contactId, email, name: 'Dana Reyes', clientIds } },
        owner.accessToken,
      );
      expect(answer.errors).toBeUndefined();
      expect(await mailsTo(env.t, email)).toEqual([]);
      return answer.data!.invitePortalUser;
    };
    const bothMissing = [
      { field: ['input', 'contactId'], code: 'NOT_FOUND' },
      { field: ['input', 'clientIds', '0'], code: 'NOT_FOUND' },
    ];
    const randomIds = await invite(random, [random]);
    expect(randomIds.portalUser).toBeNull();
    expect(randomIds.userErrors).toMatchObject(bothMissing);
    const foreignIds = await invite(otherContact.data!.createContact.contact!.id, [otherClient]);
    expect(foreignIds).toEqual(randomIds);
    const oneMissing = await invite(ownContact.data!.createContact.contact!.id, [clientX, otherClient]);
    expect(oneMissing.userErrors).toMatchObject([{ field: ['input', 'clientIds', '1'], code: 'NOT_FOUND' }]);
    expect(oneMissing.userErrors).toHaveLength(1);
    expect(await portalUsersOfFirm()).toBe(before);
  });

  it('refuses a second portal user for the same contact, and staff without portal:invite', async () => {
    const portal = await onboardPortalUser(env.t, owner, [clientX]);
    const duplicate = await env.t.gql(
      INVITE_PORTAL_USER,
      { input: { contactId: portal.contactId, email: uniqueEmail(), name: 'Dup', clientIds: [clientX] } },
      owner.accessToken,
    );
    expect(duplicate.data!.invitePortalUser.userErrors[0]!.code).toBe('ALREADY_INVITED');
    const asPortal = await env.t.gql(
      INVITE_PORTAL_USER,
      { input: { contactId: portal.contactId, email: uniqueEmail(), name: 'Dup', clientIds: [clientX] } },
      portal.accessToken,
    );
    expect(asPortal.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});

describe('sign-in', () => {
  it('password log-in works with the firm code and answers the same for every failure', async () => {
    const portal = await onboardPortalUser(env.t, owner, [clientX]);
    const ok = await env.t.gql(LOG_IN_PORTAL, { input: { firmSlug, email: portal.email, password: portal.password } });
    expect(ok.data!.logInPortal.userErrors).toEqual([]);
    const wrong = await env.t.gql(LOG_IN_PORTAL, {
      input: { firmSlug, email: portal.email, password: 'wrong-password-123' },
    });
    const unknown = await env.t.gql(LOG_IN_PORTAL, {
      input: { firmSlug, email: uniqueEmail(), password: portal.password },
    });
    const otherFirm = await env.t.gql(LOG_IN_PORTAL, {
      input: { firmSlug: 'no-such-firm', email: portal.email, password: portal.password },
    });
    for (const failed of [wrong, unknown, otherFirm])
      expect(failed.data!.logInPortal).toEqual({
        session: null,
        userErrors: [expect.objectContaining({ code: 'INVALID_CREDENTIALS' })],
      });
  });

  it('locks the portal sign-in after 10 failures, even for the right password', async () => {
    const portal = await onboardPortalUser(env.t, owner, [clientX]);
    for (let i = 0; i < 10; i += 1)
      await env.t.gql(LOG_IN_PORTAL, { input: { firmSlug, email: portal.email, password: `wrong-password-${i}` } });
    const locked = await env.t.gql(LOG_IN_PORTAL, {
      input: { firmSlug, email: portal.email, password: portal.password },
    });
    expect(locked.data!.logInPortal.userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
  });

  it('a magic link is mailed, works once, and not after its hour; the request answers the same for unknown emails', async () => {
    const portal = await onboardPortalUser(env.t, owner, [clientX]);
    const unknownEmail = uniqueEmail('nobody');
    const unknown = await env.t.gql(REQUEST_LINK, { input: { email: unknownEmail } });
    const known = await env.t.gql(REQUEST_LINK, { input: { email: portal.email } });
    expect(unknown.data).toEqual(known.data);
    expect(await mailsTo(env.t, unknownEmail)).toEqual([]);
    const link = await latestToken(env.t, portal.email);
    const signedIn = await env.t.gql(LOG_IN_WITH_LINK, { input: { token: link } });
    expect(signedIn.data!.logInWithPortalLink.userErrors).toEqual([]);
    const home = await env.t.gql(PORTAL_HOME, {}, signedIn.data!.logInWithPortalLink.session!.accessToken);
    expect(home.data!.portalViewer!.clients.map((c) => c.id)).toEqual([clientX]);
    const reused = await env.t.gql(LOG_IN_WITH_LINK, { input: { token: link } });
    expect(reused.data!.logInWithPortalLink.userErrors[0]!.code).toBe('INVALID_TOKEN');

    await env.t.gql(REQUEST_LINK, { input: { email: portal.email, firmSlug } });
    const stale = await latestToken(env.t, portal.email);
    await asFirm(
      env.admin,
      owner.firmId,
      (tx) =>
        tx`update tenancy.portal_tokens set expires_at = now() - interval '1 second' where portal_user_id = ${portal.portalUserId} and used_at is null`,
    );
    const expired = await env.t.gql(LOG_IN_WITH_LINK, { input: { token: stale } });
    expect(expired.data!.logInWithPortalLink.userErrors[0]!.code).toBe('INVALID_TOKEN');
  });

  it('refresh rotates, and reusing a refresh token ends the session', async () => {
    const portal = await onboardPortalUser(env.t, owner, [clientX]);
    const rotated = await env.t.gql(REFRESH, { input: { refreshToken: portal.refreshToken } });
    expect(rotated.data!.refreshPortalSession.userErrors).toEqual([]);
    const reused = await env.t.gql(REFRESH, { input: { refreshToken: portal.refreshToken } });
    expect(reused.data!.refreshPortalSession.userErrors[0]!.code).toBe('INVALID_TOKEN');
    const after = await env.t.gql(PORTAL_HOME, {}, rotated.data!.refreshPortalSession.session!.accessToken);
    expect(after.status).toBe(401);
  });
});

describe('revocation and token kinds', () => {
  it('revoking access ends every session at once and stops password and link sign-in', async () => {
    const portal = await onboardPortalUser(env.t, owner, [clientX]);
    expect((await env.t.gql(PORTAL_HOME, {}, portal.accessToken)).errors).toBeUndefined();
    const revoked = await env.t.gql(REVOKE, { input: { portalUserId: portal.portalUserId } }, owner.accessToken);
    expect(revoked.data!.revokePortalAccess).toEqual({
      portalUser: { id: portal.portalUserId, status: 'REVOKED' },
      userErrors: [],
    });
    const after = await env.t.gql(PORTAL_HOME, {}, portal.accessToken);
    expect(after.status).toBe(401);
    expect(after.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const logIn = await env.t.gql(LOG_IN_PORTAL, {
      input: { firmSlug, email: portal.email, password: portal.password },
    });
    expect(logIn.data!.logInPortal.userErrors[0]!.code).toBe('INVALID_CREDENTIALS');
    const before = (await mailsTo(env.t, portal.email)).length;
    await env.t.gql(REQUEST_LINK, { input: { email: portal.email } });
    expect(await mailsTo(env.t, portal.email)).toHaveLength(before);
    expect(
      (await env.t.gql(REFRESH, { input: { refreshToken: portal.refreshToken } })).data!.refreshPortalSession
        .userErrors[0]!.code,
    ).toBe('INVALID_TOKEN');
  });

  it('a staff token is refused at portal-only fields, and a portal token at staff fields (FORBIDDEN, not null)', async () => {
    const portal = await onboardPortalUser(env.t, owner, [clientX]);
    const staffAtPortal = await env.t.gql(
      graphql(`
        query PortalViewerName {
          portalViewer {
            name
          }
        }
      `),
      {},
      owner.accessToken,
    );
    expect(staffAtPortal.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    // Raw strings: one loop sends the same variables to operations of different variable shapes; only errors are read.
    for (const query of [
      `{ clients { totalCount } }`,
      `query($id: ID!) { client(id: $id) { name } }`,
      `{ contacts { totalCount } }`,
      `{ accounts { code } }`,
      `{ journalEntries { edges { cursor } } }`,
      `{ trialBalance(asOf: "2026-01-31") { balanced } }`,
      `{ verifyLedger { ok } }`,
      `{ generalLedgerCsv(from: "2026-01-01", to: "2026-01-31") { content } }`,
      `{ taxRates { id } }`,
    ]) {
      const result = await env.t.gql(query, { id: clientX }, portal.accessToken);
      expect(result.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    expect(
      (
        await env.t.gql(
          graphql(`
            query PortalAccessMe {
              me {
                user {
                  id
                }
              }
            }
          `),
          {},
          portal.accessToken,
        )
      ).data!.me,
    ).toBeNull();
    // A granted client's staff-only field: refused, never answered with null.
    const email = await env.t.gql(
      graphql(`
        query PortalViewerClientEmails {
          portalViewer {
            clients {
              name
              email
            }
          }
        }
      `),
      {},
      portal.accessToken,
    );
    expect(email.errors!.map((e) => e.extensions!.code)).toContain('FORBIDDEN');
    expect(email.errors![0]!.path).toEqual(['portalViewer', 'clients', 0, 'email']);
  });

  it('unlinking the contact from a client ends the portal reach to it; an organization grant reaches its clients', async () => {
    const portal = await onboardPortalUser(env.t, owner, [clientX, clientY]);
    const reach = async (token: string) =>
      (await env.t.gql(PORTAL_HOME, {}, token)).data!.portalViewer!.clients.map((c) => c.id).sort();
    expect(await reach(portal.accessToken)).toEqual([clientX, clientY].sort());
    await env.t.gql(
      graphql(`
        mutation PortalAccessUnlinkContact($input: UnlinkContactFromClientInput!) {
          unlinkContactFromClient(input: $input) {
            userErrors {
              code
            }
          }
        }
      `),
      { input: { contactId: portal.contactId, clientId: clientY } },
      owner.accessToken,
    );
    expect(await reach(portal.accessToken)).toEqual([clientX]);

    const [z1, z2] = await createClients(env.t, owner.accessToken, ['Zeta One', 'Zeta Two']);
    const organization = await env.t.gql(
      graphql(`
        mutation PortalAccessCreateOrganization($input: CreateClientOrganizationInput!) {
          createClientOrganization(input: $input) {
            organization {
              id
              clients {
                id
              }
            }
            userErrors {
              code
            }
          }
        }
      `),
      { input: { name: 'Zeta Group', clientIds: [z1!] } },
      owner.accessToken,
    );
    const organizationId = organization.data!.createClientOrganization.organization!.id;
    const member = await onboardPortalUser(env.t, owner, [], { organizationId, linkedClientIds: [z1!] });
    expect(await reach(member.accessToken)).toEqual([z1]);
    await env.t.gql(
      graphql(`
        mutation PortalAccessAddClientsToOrganization($input: AddClientsToOrganizationInput!) {
          addClientsToOrganization(input: $input) {
            userErrors {
              code
            }
          }
        }
      `),
      { input: { organizationId, clientIds: [z2!] } },
      owner.accessToken,
    );
    expect(await reach(member.accessToken)).toEqual([z1, z2].sort());
  });
});
