import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { signUpFirm, uniqueEmail } from './support/factories.ts';
import { useStackWithAdmin } from './support/suite.ts';

const LOG_IN = graphql(`
  mutation LockoutLogIn($input: LogInInput!) {
    logIn(input: $input) {
      session {
        accessToken
      }
      mfaChallengeToken
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const WRONG = 'Wrong-password-123!';

const env = useStackWithAdmin();

const logIn = async (email: string, password: string) =>
  (await env.t.gql(LOG_IN, { input: { email, password } })).data!.logIn;
const throttleKey = (email: string) => createHash('sha256').update(`login:${email}`).digest('hex');
async function throttleRow(email: string) {
  const [row] =
    await env.admin`select attempts, locked_until from tenancy.login_throttles where email_hash = ${throttleKey(email)}`;
  return row as { attempts: number; locked_until: Date | null } | undefined;
}
const invalid = {
  session: null,
  mfaChallengeToken: null,
  userErrors: [{ field: [], message: expect.any(String), code: 'INVALID_CREDENTIALS' }],
};

describe('sign-in lockout (PCI DSS 8.3.4)', () => {
  it('locks an account for 30 minutes after 10 failed attempts: the right password then fails too', async () => {
    const owner = await signUpFirm(env.t);
    for (let i = 0; i < 9; i += 1) expect(await logIn(owner.email, WRONG)).toEqual(invalid);
    expect((await throttleRow(owner.email))!.locked_until).toBeNull();
    expect(await logIn(owner.email.toUpperCase(), WRONG)).toEqual(invalid);
    const locked = (await throttleRow(owner.email))!;
    expect(locked.attempts).toBe(10);
    const minutes = (locked.locked_until!.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);

    expect(await logIn(owner.email, owner.password)).toEqual(invalid);
    const [audit] =
      await env.admin`select count(*)::int as count from tenancy.audit_log where firm_id = ${owner.firmId} and action = 'auth.login.locked' and target_id = ${owner.userId}`;
    expect(audit!.count).toBe(1);

    // Once the lock has run out, the right password works and the count starts again.
    await env.admin`update tenancy.login_throttles set locked_until = now() - interval '1 second' where email_hash = ${throttleKey(owner.email)}`;
    expect((await logIn(owner.email, owner.password)).session!.accessToken).toEqual(expect.any(String));
    expect(await throttleRow(owner.email)).toBeUndefined();
  });

  it('counts an existing user’s password check in acceptInvitation, and refuses it while locked', async () => {
    const invitee = await signUpFirm(env.t);
    const inviter = await signUpFirm(env.t);
    const invite = await env.t.gql(
      graphql(`
        mutation LockoutInviteMember($input: InviteMemberInput!) {
          inviteMember(input: $input) {
            invitationToken
          }
        }
      `),
      { input: { email: invitee.email, role: 'STAFF' } },
      inviter.accessToken,
    );
    const accept = (password: string) =>
      env.t.gql(
        graphql(`
          mutation LockoutAcceptInvitation($input: AcceptInvitationInput!) {
            acceptInvitation(input: $input) {
              session {
                accessToken
              }
              userErrors {
                code
              }
            }
          }
        `),
        {
          input: { token: invite.data!.inviteMember.invitationToken!, password },
        },
      );
    for (let i = 0; i < 10; i += 1)
      expect((await accept(WRONG)).data!.acceptInvitation.userErrors).toEqual([{ code: 'INVALID_CREDENTIALS' }]);
    expect((await accept(invitee.password)).data!.acceptInvitation.userErrors).toEqual([
      { code: 'INVALID_CREDENTIALS' },
    ]);
    expect(await logIn(invitee.email, invitee.password)).toEqual(invalid);
  });

  it('resets the count after a successful sign-in', async () => {
    const owner = await signUpFirm(env.t);
    for (let i = 0; i < 9; i += 1) await logIn(owner.email, WRONG);
    expect((await logIn(owner.email, owner.password)).session).not.toBeNull();
    for (let i = 0; i < 9; i += 1) await logIn(owner.email, WRONG);
    expect((await logIn(owner.email, owner.password)).session).not.toBeNull();
  });

  it('answers an unknown email exactly as a known one, before and after 10 attempts, and stores no email in clear', async () => {
    const owner = await signUpFirm(env.t);
    const unknown = uniqueEmail('nobody');
    for (let i = 0; i < 11; i += 1) {
      const known = await env.t.gql(LOG_IN, { input: { email: owner.email, password: WRONG } });
      const missing = await env.t.gql(LOG_IN, { input: { email: unknown, password: WRONG } });
      // Everything but the rate limiter's running cost figures, which depend on the caller, not the email.
      expect({ status: missing.status, data: missing.data, errors: missing.errors }).toEqual({
        status: known.status,
        data: known.data,
        errors: known.errors,
      });
    }
    expect(await throttleRow(unknown)).toMatchObject({ attempts: 11, locked_until: expect.any(Date) });
    const [clear] =
      await env.admin`select count(*)::int as count from tenancy.login_throttles where email_hash like ${'%' + unknown + '%'}`;
    expect(clear!.count).toBe(0);
  });

  it('counts 12 aliased logIn fields in one request as 12 attempts', async () => {
    const owner = await signUpFirm(env.t);
    // A raw string: the 12 aliased fields are built at run time, which a graphql() document cannot be.
    const fields = Array.from(
      { length: 12 },
      (_, i) =>
        `a${i}: logIn(input: { email: $email, password: $password }) { session { accessToken } userErrors { code } }`,
    );
    const batch = await env.t.gql(`mutation($email: String!, $password: String!) { ${fields.join('\n')} }`, {
      email: owner.email,
      password: WRONG,
    });
    expect(batch.errors).toBeUndefined();
    const payloads = Object.values(batch.data!) as { userErrors: { code: string }[] }[];
    expect(payloads.every((payload) => payload.userErrors[0]!.code === 'INVALID_CREDENTIALS')).toBe(true);
    expect(await throttleRow(owner.email)).toMatchObject({ attempts: 12, locked_until: expect.any(Date) });
    expect(await logIn(owner.email, owner.password)).toEqual(invalid);
  });

  it('counts concurrent attempts atomically: 12 at once lock the account', async () => {
    const owner = await signUpFirm(env.t);
    const results = await Promise.all(Array.from({ length: 12 }, () => logIn(owner.email, WRONG)));
    expect(results.every((r) => r.userErrors[0]!.code === 'INVALID_CREDENTIALS')).toBe(true);
    expect(await throttleRow(owner.email)).toMatchObject({ attempts: 12, locked_until: expect.any(Date) });
    expect(await logIn(owner.email, owner.password)).toEqual(invalid);
  });
});
