import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { mailboxDirectory } from '../../platform/mailer.ts';
import { graphql } from '../gql/index.ts';
import { strongPassword, uniqueEmail, type FirmOwner } from './factories.ts';
import type { TestStack } from './stack.ts';

/** One message of the local mailbox (`platform/mailer.ts`). */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  sentAt: string;
}

/** Every message the stack's mailbox holds for `to`, oldest first. */
export async function mailsTo(t: TestStack, to: string): Promise<Mail[]> {
  const directory = mailboxDirectory(t.config.dataDir);
  const names = await readdir(directory).catch(() => [] as string[]);
  const mails = await Promise.all(
    names.sort().map(async (name) => JSON.parse(await readFile(join(directory, name), 'utf8')) as Mail),
  );
  return mails.filter((mail) => mail.to === to);
}

/** The token of the newest mail to `to` (the `… token: <token>` line); fails the test when there is none. */
export async function latestToken(t: TestStack, to: string): Promise<string> {
  const mail = (await mailsTo(t, to)).at(-1);
  expect(mail, `a mail to ${to}`).toBeDefined();
  const match = /token: (\S+)/.exec(mail!.text);
  expect(match, 'a token line in the mail').not.toBeNull();
  return match![1]!;
}

export const CREATE_CONTACT = graphql(`
  mutation CreateContact($input: CreateContactInput!) {
    createContact(input: $input) {
      contact {
        id
        name
        email
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);

export const INVITE_PORTAL_USER = graphql(`
  mutation InvitePortalUser($input: InvitePortalUserInput!) {
    invitePortalUser(input: $input) {
      portalUser {
        id
        email
        name
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);

export const ACCEPT_PORTAL_INVITATION = graphql(`
  mutation AcceptPortalInvitation($input: AcceptPortalInvitationInput!) {
    acceptPortalInvitation(input: $input) {
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

/** A portal user signed in through the gateway. */
export interface PortalLogin {
  portalUserId: string;
  contactId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/**
 * Creates a contact linked to `clientIds` (role PRIMARY), invites it with those clients (and
 * `organizationId` when given), reads the invitation from the mailbox and accepts it: the whole
 * portal on-boarding through the gateway, as the firm and the client would do it.
 */
export async function onboardPortalUser(
  t: TestStack,
  owner: FirmOwner,
  clientIds: string[],
  options: { organizationId?: string; linkedClientIds?: string[] } = {},
): Promise<PortalLogin> {
  const email = uniqueEmail('portal');
  const linked = options.linkedClientIds ?? clientIds;
  const contact = await t.gql(
    CREATE_CONTACT,
    {
      input: { name: 'Casey Client', email, links: linked.map((clientId) => ({ clientId, role: 'PRIMARY' as const })) },
    },
    owner.accessToken,
  );
  expect(contact.errors).toBeUndefined();
  expect(contact.data!.createContact.userErrors).toEqual([]);
  const contactId = contact.data!.createContact.contact!.id;
  const invited = await t.gql(
    INVITE_PORTAL_USER,
    { input: { contactId, email, name: 'Casey Client', clientIds, organizationId: options.organizationId ?? null } },
    owner.accessToken,
  );
  expect(invited.errors).toBeUndefined();
  expect(invited.data!.invitePortalUser.userErrors).toEqual([]);
  const password = strongPassword();
  const accepted = await t.gql(ACCEPT_PORTAL_INVITATION, { input: { token: await latestToken(t, email), password } });
  expect(accepted.errors).toBeUndefined();
  expect(accepted.data!.acceptPortalInvitation.userErrors).toEqual([]);
  const { session } = accepted.data!.acceptPortalInvitation;
  return {
    portalUserId: session!.portalUser.id,
    contactId,
    email,
    password,
    accessToken: session!.accessToken,
    refreshToken: session!.refreshToken,
  };
}
