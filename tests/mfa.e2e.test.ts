import { createHash, randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { keyId } from '../subgraphs/tenancy/mfa/secret-box.ts';
import { graphql } from './gql/index.ts';
import type { Role } from './gql/graphql.ts';
import { CREATE_CLIENT } from './support/operations.ts';
import { signUpFirm, strongPassword, uniqueEmail, type FirmOwner } from './support/factories.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const BEGIN = graphql(`
  mutation MfaBegin {
    beginMfaEnrolment {
      provisioningUri
      qrCodeDataUrl
      secret
      userErrors {
        field
        code
      }
    }
  }
`);
const CONFIRM = graphql(`
  mutation MfaConfirm($input: ConfirmMfaEnrolmentInput!) {
    confirmMfaEnrolment(input: $input) {
      backupCodes
      userErrors {
        field
        code
      }
    }
  }
`);
const DISABLE = graphql(`
  mutation MfaDisable($input: DisableMfaInput!) {
    disableMfa(input: $input) {
      disabled
      userErrors {
        field
        code
      }
    }
  }
`);
const REGENERATE = graphql(`
  mutation MfaRegenerateBackupCodes($input: RegenerateBackupCodesInput!) {
    regenerateBackupCodes(input: $input) {
      backupCodes
      userErrors {
        field
        code
      }
    }
  }
`);
const LOG_IN = graphql(`
  mutation MfaLogIn($input: LogInInput!) {
    logIn(input: $input) {
      session {
        accessToken
        refreshToken
      }
      mfaChallengeToken
      userErrors {
        field
        code
      }
    }
  }
`);
const VERIFY = graphql(`
  mutation MfaVerify($input: VerifyMfaChallengeInput!) {
    verifyMfaChallenge(input: $input) {
      session {
        accessToken
        refreshToken
        user {
          id
        }
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const ME = graphql(`
  query MfaMe {
    me {
      user {
        id
      }
      mfaEnabled
      mfaEnrolmentRequired
      activeRole
      activeFirm {
        id
        requireMfaForAdmins
      }
    }
  }
`);
const POLICY = graphql(`
  mutation MfaPolicy($input: UpdateFirmSecurityPolicyInput!) {
    updateFirmSecurityPolicy(input: $input) {
      firm {
        id
        requireMfaForAdmins
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const INVITE = graphql(`
  mutation MfaInviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      invitationToken
      userErrors {
        code
      }
    }
  }
`);
const ACCEPT = graphql(`
  mutation MfaAcceptInvitation($input: AcceptInvitationInput!) {
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

const env = useStackWithAdmin();

/** The TOTP code an authenticator app would show at `epochSeconds` for this secret. */
const codeAt = (secret: string, epochSeconds: number) => generate({ secret, epoch: epochSeconds });
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Waits, if needed, until at least 15 seconds remain in the current 30-second step, so that a
 * sequence of codes computed from one "now" keeps its meaning (−1, 0, +1 step) on the server.
 */
async function awayFromStepBoundary(): Promise<number> {
  const intoStep = (Date.now() / 1000) % 30;
  if (intoStep > 15) await new Promise((resolve) => setTimeout(resolve, (30 - intoStep) * 1000 + 100));
  return nowSeconds();
}

/** Starts enrolment and returns the secret read back from the provisioning URI, as an app would. */
async function beginEnrolment(token: string, stack: TestStack = env.t): Promise<string> {
  const begun = await stack.gql(BEGIN, {}, token);
  expect(begun.errors).toBeUndefined();
  const { provisioningUri, qrCodeDataUrl, secret, userErrors } = begun.data!.beginMfaEnrolment;
  expect(userErrors).toEqual([]);
  expect(qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
  const fromUri = new URL(provisioningUri!).searchParams.get('secret')!;
  expect(fromUri).toBe(secret);
  return fromUri;
}

/** Enrols the owner with a current code and returns the secret and the backup codes. */
async function enrol(owner: FirmOwner): Promise<{ secret: string; backupCodes: string[] }> {
  const secret = await beginEnrolment(owner.accessToken);
  const confirmed = await env.t.gql(
    CONFIRM,
    { input: { code: await codeAt(secret, nowSeconds()) } },
    owner.accessToken,
  );
  expect(confirmed.data!.confirmMfaEnrolment.userErrors).toEqual([]);
  return { secret, backupCodes: confirmed.data!.confirmMfaEnrolment.backupCodes! };
}

async function challenge(email: string, password: string): Promise<string> {
  const result = await env.t.gql(LOG_IN, { input: { email, password } });
  expect(result.data!.logIn).toMatchObject({ session: null, userErrors: [] });
  return result.data!.logIn.mfaChallengeToken!;
}

const verify = async (challengeToken: string, code: string) =>
  (await env.t.gql(VERIFY, { input: { challengeToken, code } })).data!.verifyMfaChallenge;

describe('TOTP enrolment and log-in', () => {
  it('enrols through a provisioning URI, allows ±1 step of drift but not ±2, and refuses a replayed code', async () => {
    const owner = await signUpFirm(env.t);
    const secret = await beginEnrolment(owner.accessToken);
    const now = await awayFromStepBoundary();
    const confirm = async (epoch: number) =>
      (await env.t.gql(CONFIRM, { input: { code: await codeAt(secret, epoch) } }, owner.accessToken)).data!
        .confirmMfaEnrolment;

    expect((await confirm(now - 60)).userErrors).toEqual([{ field: ['input', 'code'], code: 'INVALID_CODE' }]);
    expect((await confirm(now + 60)).userErrors).toEqual([{ field: ['input', 'code'], code: 'INVALID_CODE' }]);
    const confirmed = await confirm(now - 30);
    expect(confirmed.userErrors).toEqual([]);
    expect(confirmed.backupCodes).toHaveLength(10);
    expect((await env.t.gql(ME, {}, owner.accessToken)).data!.me!.mfaEnabled).toBe(true);

    // Log-in now stops at a challenge; the code that confirmed enrolment cannot be used again.
    const first = await challenge(owner.email, owner.password);
    expect(await verify(first, await codeAt(secret, now - 30))).toEqual({
      session: null,
      userErrors: [{ field: ['input', 'code'], code: 'INVALID_CODE' }],
    });
    const signedIn = await verify(first, await codeAt(secret, now));
    expect(signedIn.userErrors).toEqual([]);
    expect(signedIn.session!.user.id).toBe(owner.userId);
    expect((await env.t.gql(ME, {}, signedIn.session!.accessToken)).data!.me!.user.id).toBe(owner.userId);
    // The challenge is single-use.
    expect((await verify(first, await codeAt(secret, now + 30))).userErrors).toEqual([
      { field: ['input', 'challengeToken'], code: 'INVALID_TOKEN' },
    ]);

    const second = await challenge(owner.email, owner.password);
    expect((await verify(second, await codeAt(secret, now))).userErrors[0]!.code).toBe('INVALID_CODE');
    expect((await verify(second, await codeAt(secret, now + 30))).userErrors).toEqual([]);
  });

  it('stores the secret encrypted (AES-256-GCM) and the backup codes hashed', async () => {
    const owner = await signUpFirm(env.t);
    const { secret, backupCodes } = await enrol(owner);
    const [row] = await env.admin`select secret_ciphertext from tenancy.user_totp where user_id = ${owner.userId}`;
    const stored = row!.secret_ciphertext as string;
    expect(stored).toMatch(/^v1\.[0-9a-f]{16}\./);
    expect(stored).not.toContain(secret);
    expect(stored.toUpperCase()).not.toContain(secret.slice(0, 8));
    const hashes = (
      await env.admin`select code_hash from tenancy.mfa_backup_codes where user_id = ${owner.userId}`
    ).map((r) => r.code_hash as string);
    expect(hashes).toHaveLength(10);
    for (const code of backupCodes) {
      expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect(hashes).not.toContain(code);
      expect(hashes).toContain(createHash('sha256').update(code.replace(/-/g, '')).digest('hex'));
    }
  });

  it('accepts each backup code once, and ends a challenge after 5 wrong codes', async () => {
    const owner = await signUpFirm(env.t);
    const { secret, backupCodes } = await enrol(owner);
    const [code] = backupCodes;

    expect((await verify(await challenge(owner.email, owner.password), code!.toUpperCase())).userErrors).toEqual([]);
    expect((await verify(await challenge(owner.email, owner.password), code!)).userErrors).toEqual([
      { field: ['input', 'code'], code: 'INVALID_CODE' },
    ]);
    const [used] =
      await env.admin`select count(*)::int as count from tenancy.mfa_backup_codes where user_id = ${owner.userId} and used_at is not null`;
    expect(used!.count).toBe(1);

    const exhausted = await challenge(owner.email, owner.password);
    for (let i = 0; i < 5; i += 1) expect((await verify(exhausted, '000000')).userErrors[0]!.code).toBe('INVALID_CODE');
    expect((await verify(exhausted, await codeAt(secret, nowSeconds()))).userErrors[0]!.code).toBe('INVALID_TOKEN');
    expect((await verify(exhausted, backupCodes[1]!)).userErrors[0]!.code).toBe('INVALID_TOKEN');
  });

  it('does not reset the lockout count until the second factor is proven, so challenges cannot be farmed for code guesses', async () => {
    const owner = await signUpFirm(env.t);
    const { secret } = await enrol(owner);
    let last = '';
    for (let i = 0; i < 10; i += 1) last = await challenge(owner.email, owner.password);
    const locked = await env.t.gql(LOG_IN, { input: { email: owner.email, password: owner.password } });
    expect(locked.data!.logIn).toEqual({
      session: null,
      mfaChallengeToken: null,
      userErrors: [{ field: [], code: 'INVALID_CREDENTIALS' }],
    });
    // The last challenge was issued before the lock; completing it proves both factors and lifts the lock.
    const now = await awayFromStepBoundary();
    expect((await verify(last, await codeAt(secret, now + 30))).userErrors).toEqual([]);
    expect(await challenge(owner.email, owner.password)).toEqual(expect.stringMatching(/^fgm_/));
  });

  it('ends the user’s other sessions on enrolment and on disabling, and log-in skips the challenge once MFA is off', async () => {
    const owner = await signUpFirm(env.t);
    const other = (await env.t.gql(LOG_IN, { input: { email: owner.email, password: owner.password } })).data!.logIn
      .session!;
    const { secret, backupCodes } = await enrol(owner);
    expect((await env.t.gql(ME, {}, other.accessToken)).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect((await env.t.gql(ME, {}, owner.accessToken)).data!.me!.mfaEnabled).toBe(true);

    const now = await awayFromStepBoundary();
    const regenerated = await env.t.gql(
      REGENERATE,
      { input: { code: await codeAt(secret, now + 30) } },
      owner.accessToken,
    );
    const fresh = regenerated.data!.regenerateBackupCodes.backupCodes!;
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(backupCodes[0]);

    const viaMfa = (await verify(await challenge(owner.email, owner.password), fresh[0]!)).session!;
    const wrong = await env.t.gql(DISABLE, { input: { code: backupCodes[1]! } }, owner.accessToken);
    expect(wrong.data!.disableMfa).toEqual({
      disabled: false,
      userErrors: [{ field: ['input', 'code'], code: 'INVALID_CODE' }],
    });
    const disabled = await env.t.gql(DISABLE, { input: { code: fresh[1]! } }, owner.accessToken);
    expect(disabled.data!.disableMfa).toEqual({ disabled: true, userErrors: [] });
    expect((await env.t.gql(ME, {}, viaMfa.accessToken)).errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect((await env.t.gql(ME, {}, owner.accessToken)).data!.me!.mfaEnabled).toBe(false);

    const plain = await env.t.gql(LOG_IN, { input: { email: owner.email, password: owner.password } });
    expect(plain.data!.logIn.mfaChallengeToken).toBeNull();
    expect(plain.data!.logIn.session!.accessToken).toEqual(expect.any(String));
    const [rows] =
      await env.admin`select count(*)::int as count from tenancy.user_totp where user_id = ${owner.userId}`;
    expect(rows!.count).toBe(0);
    const actions =
      await env.admin`select action from tenancy.audit_log where firm_id = ${owner.firmId} and (action like 'mfa.%' or action = 'auth.mfa.failed') order by seq`;
    expect(actions.map((r) => r.action)).toEqual([
      'mfa.enroll',
      'mfa.backup_codes.regenerate',
      'auth.mfa.failed',
      'mfa.disable',
    ]);
  });
});

describe('rotating MFA_ENCRYPTION_KEY', () => {
  it('opens secrets sealed under a key moved to MFA_PREVIOUS_ENCRYPTION_KEYS and re-seals them under the new key on use', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const before = await startTestStack({ MFA_ENCRYPTION_KEY: oldKey });
    const rotated = await startTestStack({ MFA_ENCRYPTION_KEY: newKey, MFA_PREVIOUS_ENCRYPTION_KEYS: oldKey });
    try {
      const owner = await signUpFirm(before);
      const secret = await beginEnrolment(owner.accessToken, before);
      expect(
        (await before.gql(CONFIRM, { input: { code: await codeAt(secret, nowSeconds()) } }, owner.accessToken)).data!
          .confirmMfaEnrolment.userErrors,
      ).toEqual([]);
      const sealedKeyId = async () =>
        (
          (await env.admin`select secret_ciphertext from tenancy.user_totp where user_id = ${owner.userId}`)[0]!
            .secret_ciphertext as string
        ).split('.')[1];
      expect(await sealedKeyId()).toBe(keyId(Buffer.from(oldKey, 'base64')));

      const now = await awayFromStepBoundary();
      const login = await rotated.gql(LOG_IN, { input: { email: owner.email, password: owner.password } });
      const verified = await rotated.gql(VERIFY, {
        input: { challengeToken: login.data!.logIn.mfaChallengeToken!, code: await codeAt(secret, now + 30) },
      });
      expect(verified.data!.verifyMfaChallenge.userErrors).toEqual([]);
      expect(await sealedKeyId()).toBe(keyId(Buffer.from(newKey, 'base64')));
    } finally {
      await before.stop();
      await rotated.stop();
    }
  });
});

describe('invitations for a user with MFA', () => {
  it('asks for the second factor before signing the invitee in to the firm they joined', async () => {
    const invitee = await signUpFirm(env.t);
    const { secret } = await enrol(invitee);
    const inviter = await signUpFirm(env.t);
    const invite = await env.t.gql(INVITE, { input: { email: invitee.email, role: 'STAFF' } }, inviter.accessToken);
    const accept = graphql(`
      mutation MfaAcceptWithChallenge($input: AcceptInvitationInput!) {
        acceptInvitation(input: $input) {
          membership {
            id
          }
          session {
            accessToken
          }
          mfaChallengeToken
          userErrors {
            code
          }
        }
      }
    `);
    const accepted = (
      await env.t.gql(accept, {
        input: { token: invite.data!.inviteMember.invitationToken!, password: invitee.password },
      })
    ).data!.acceptInvitation;
    expect(accepted).toMatchObject({ membership: null, session: null, userErrors: [] });
    // Nothing of the invitation is used before the second factor: no membership, invitation still pending.
    const joined = async () => {
      const [row] = await env.admin<{ members: number; pending: number }[]>`
        select (select count(*)::int from tenancy.memberships where firm_id = ${inviter.firmId} and user_id = ${invitee.userId}) as members,
               (select count(*)::int from tenancy.invitations where firm_id = ${inviter.firmId} and accepted_at is null) as pending`;
      return row!;
    };
    expect(await joined()).toEqual({ members: 0, pending: 1 });
    const now = await awayFromStepBoundary();
    const wrong = await verify(accepted.mfaChallengeToken!, '000000');
    expect(wrong.userErrors[0]!.code).toBe('INVALID_CODE');
    expect(await joined()).toEqual({ members: 0, pending: 1 });
    const signedIn = await verify(accepted.mfaChallengeToken!, await codeAt(secret, now + 30));
    expect(signedIn.userErrors).toEqual([]);
    expect(await joined()).toEqual({ members: 1, pending: 0 });
    const me = await env.t.gql(ME, {}, signedIn.session!.accessToken);
    expect(me.data!.me).toMatchObject({ activeRole: 'STAFF', activeFirm: { id: inviter.firmId } });
    const [audited] = await env.admin<{ count: number }[]>`
      select count(*)::int as count from tenancy.audit_log where firm_id = ${inviter.firmId} and action = 'member.join'`;
    expect(audited!.count).toBe(1);
  });

  it('joins nobody when the second factor is never given', async () => {
    const invitee = await signUpFirm(env.t);
    await enrol(invitee);
    const inviter = await signUpFirm(env.t);
    const invite = await env.t.gql(INVITE, { input: { email: invitee.email, role: 'STAFF' } }, inviter.accessToken);
    const accept = graphql(`
      mutation MfaAcceptChallengeOnly($input: AcceptInvitationInput!) {
        acceptInvitation(input: $input) {
          mfaChallengeToken
          userErrors {
            code
          }
        }
      }
    `);
    const accepted = await env.t.gql(accept, {
      input: { token: invite.data!.inviteMember.invitationToken!, password: invitee.password },
    });
    expect(accepted.data!.acceptInvitation.mfaChallengeToken).toMatch(/^fgm_/);
    const [row] = await env.admin<{ count: number }[]>`
      select count(*)::int as count from tenancy.memberships where firm_id = ${inviter.firmId} and user_id = ${invitee.userId}`;
    expect(row!.count).toBe(0);
  });
});

describe('firm policy: MFA required for OWNER and ADMIN', () => {
  it('holds an un-enrolled ADMIN to enrolment only, until they enrol; MANAGERs are not affected', async () => {
    const owner = await signUpFirm(env.t);
    const refused = await env.t.gql(POLICY, { input: { requireMfaForAdmins: true } }, owner.accessToken);
    expect(refused.data!.updateFirmSecurityPolicy).toEqual({
      firm: null,
      userErrors: [{ field: ['input', 'requireMfaForAdmins'], code: 'MFA_NOT_ENABLED' }],
    });
    await enrol(owner);
    const set = await env.t.gql(POLICY, { input: { requireMfaForAdmins: true } }, owner.accessToken);
    expect(set.data!.updateFirmSecurityPolicy).toEqual({
      firm: { id: owner.firmId, requireMfaForAdmins: true },
      userErrors: [],
    });

    const join = async (role: Role) => {
      const invite = await env.t.gql(
        INVITE,
        { input: { email: uniqueEmail(role.toLowerCase()), role } },
        owner.accessToken,
      );
      const accepted = await env.t.gql(ACCEPT, {
        input: { token: invite.data!.inviteMember.invitationToken!, name: `New ${role}`, password: strongPassword() },
      });
      return accepted.data!.acceptInvitation.session!.accessToken;
    };
    const adminToken = await join('ADMIN');
    const managerToken = await join('MANAGER');

    expect((await env.t.gql(ME, {}, adminToken)).data!.me).toMatchObject({
      mfaEnabled: false,
      mfaEnrolmentRequired: true,
      activeRole: null,
      activeFirm: null,
    });
    const blocked = await env.t.gql(CREATE_CLIENT, { input: { name: 'Blocked Client' } }, adminToken);
    expect(blocked.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(blocked.errors![0]!.message).toMatch(/requires multi-factor authentication.*beginMfaEnrolment/);
    const listed = await env.t.gql(
      graphql(`
        query MfaClientCount {
          clients(first: 5) {
            totalCount
          }
        }
      `),
      {},
      adminToken,
    );
    expect(listed.errors![0]!.message).toMatch(/requires multi-factor authentication/);
    expect(listed.data ?? null).toBeNull();
    const managerCreates = await env.t.gql(CREATE_CLIENT, { input: { name: 'Manager Client' } }, managerToken);
    expect(managerCreates.errors).toBeUndefined();

    const secret = await beginEnrolment(adminToken);
    const confirmed = await env.t.gql(CONFIRM, { input: { code: await codeAt(secret, nowSeconds()) } }, adminToken);
    expect(confirmed.data!.confirmMfaEnrolment.userErrors).toEqual([]);
    expect((await env.t.gql(ME, {}, adminToken)).data!.me).toMatchObject({
      mfaEnabled: true,
      mfaEnrolmentRequired: false,
      activeRole: 'ADMIN',
      activeFirm: { id: owner.firmId },
    });
    const allowed = await env.t.gql(CREATE_CLIENT, { input: { name: 'Allowed Client' } }, adminToken);
    expect(allowed.errors).toBeUndefined();
  });

  it('lets only firm:update holders change the policy', async () => {
    const owner = await signUpFirm(env.t);
    const invite = await env.t.gql(
      INVITE,
      { input: { email: uniqueEmail('manager'), role: 'MANAGER' } },
      owner.accessToken,
    );
    const manager = await env.t.gql(ACCEPT, {
      input: { token: invite.data!.inviteMember.invitationToken!, name: 'M', password: strongPassword() },
    });
    const result = await env.t.gql(
      POLICY,
      { input: { requireMfaForAdmins: false } },
      manager.data!.acceptInvitation.session!.accessToken,
    );
    expect(result.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
