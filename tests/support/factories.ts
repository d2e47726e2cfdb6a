import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { TestStack } from './stack.ts';

/** A signed-up firm owner with a live session. */
export interface FirmOwner {
  firmId: string;
  userId: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

/** A unique email on a reserved test domain. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}@example.test`;
}

/** A random password that passes the strength rules. */
export function strongPassword(): string {
  return `Fg-${randomBytes(12).toString('base64url')}-9q`;
}

/** The signUp mutation with every payload field the suites read. */
export const SIGN_UP = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      firm {
        id
        name
        slug
      }
      session {
        accessToken
        refreshToken
        accessTokenExpiresAt
        refreshTokenExpiresAt
        user {
          id
          name
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

/** Signs up a new firm through the gateway and returns its owner's session. */
export async function signUpFirm(t: TestStack, firmName = `Firm ${randomUUID().slice(0, 8)}`): Promise<FirmOwner> {
  const email = uniqueEmail('owner');
  const password = strongPassword();
  const result = await t.gql(SIGN_UP, { input: { firmName, ownerName: 'Avery Owner', email, password } });
  expect(result.errors).toBeUndefined();
  expect(result.data!.signUp.userErrors).toEqual([]);
  const { firm, session } = result.data!.signUp;
  return {
    firmId: firm!.id,
    userId: session!.user.id,
    email,
    password,
    accessToken: session!.accessToken,
    refreshToken: session!.refreshToken,
  };
}

const CREATE_CLIENT = graphql(`
  mutation FactoryCreateClient($input: CreateClientInput!) {
    createClient(input: $input) {
      client {
        id
        name
      }
      userErrors {
        field
        code
      }
    }
  }
`);

/** Creates clients named `names` in the token's firm and returns their ids, in order. */
export async function createClients(t: TestStack, token: string, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const result = await t.gql(CREATE_CLIENT, { input: { name } }, token);
    expect(result.errors).toBeUndefined();
    expect(result.data!.createClient.userErrors).toEqual([]);
    ids.push(result.data!.createClient.client!.id);
  }
  return ids;
}

const INVITE_MEMBER = graphql(`
  mutation FactoryInviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      invitationToken
      userErrors {
        code
      }
    }
  }
`);

const ACCEPT_INVITATION = graphql(`
  mutation FactoryAcceptInvitation($input: AcceptInvitationInput!) {
    acceptInvitation(input: $input) {
      session {
        accessToken
        user {
          id
        }
      }
      userErrors {
        code
      }
    }
  }
`);

/** A member who joined a firm by invitation, with a live session. */
export interface FirmMember {
  userId: string;
  accessToken: string;
}

/** Invites a member of `role` into the owner's firm and accepts as them, through the gateway. */
export async function addMember(
  t: TestStack,
  owner: FirmOwner,
  role: 'ADMIN' | 'MANAGER' | 'STAFF',
  name = `${role.toLowerCase()} ${randomUUID().slice(0, 6)}`,
): Promise<FirmMember> {
  const invited = await t.gql(
    INVITE_MEMBER,
    { input: { email: uniqueEmail(role.toLowerCase()), role } },
    owner.accessToken,
  );
  expect(invited.errors).toBeUndefined();
  expect(invited.data!.inviteMember.userErrors).toEqual([]);
  const accepted = await t.gql(ACCEPT_INVITATION, {
    input: { token: invited.data!.inviteMember.invitationToken!, name, password: strongPassword() },
  });
  expect(accepted.errors).toBeUndefined();
  expect(accepted.data!.acceptInvitation.userErrors).toEqual([]);
  const session = accepted.data!.acceptInvitation.session!;
  return { userId: session.user.id, accessToken: session.accessToken };
}
