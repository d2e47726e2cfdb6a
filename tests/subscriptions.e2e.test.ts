import { setTimeout as sleep } from 'node:timers/promises';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Client } from 'graphql-ws';
import type postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../gateway/subscriptions/subscription-server.ts';
import { graphql } from './gql/index.ts';
import { asFirm, connectAdmin, seedInvoiceAndDocument } from './support/admin-db.ts';
import { createClients, signUpFirm, strongPassword, uniqueEmail, type FirmOwner } from './support/factories.ts';
import { onboardPortalUser } from './support/portal.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { subscribe, subscriptionClient, type Closed } from './support/ws-client.ts';

const CREATE_THREAD = graphql(`
  mutation SubscriptionsCreateThread($input: CreateMessageThreadInput!) {
    createMessageThread(input: $input) {
      thread {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const SEND = graphql(`
  mutation SubscriptionsSend($input: SendMessageInput!) {
    sendMessage(input: $input) {
      message {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const EDIT = graphql(`
  mutation SubscriptionsEdit($input: EditMessageInput!) {
    editMessage(input: $input) {
      message {
        id
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const DELETE = graphql(`
  mutation SubscriptionsDelete($input: DeleteMessageInput!) {
    deleteMessage(input: $input) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const MARK_READ = graphql(`
  mutation SubscriptionsMarkRead($input: MarkThreadReadInput!) {
    markThreadRead(input: $input) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const TYPING = graphql(`
  mutation SubscriptionsTyping($input: NotifyTypingInput!) {
    notifyTyping(input: $input) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const ASSIGN = graphql(`
  mutation SubscriptionsAssignTeamMember($input: AssignClientTeamMemberInput!) {
    assignClientTeamMember(input: $input) {
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const INVITE = graphql(`
  mutation SubscriptionsInviteMember($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      invitationToken
      userErrors {
        code
      }
    }
  }
`);
const ACCEPT = graphql(`
  mutation SubscriptionsAcceptInvitation($input: AcceptInvitationInput!) {
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

/** The subscription: fields of crm (message, thread), tenancy (author name), documents (attachments) and billing (balance). */
const MESSAGE_ADDED = graphql(`
  subscription SubscriptionsMessageAdded($t: ID!) {
    messageAdded(threadId: $t) {
      id
      body
      sentAt
      author {
        __typename
        ... on User {
          name
        }
        ... on PortalUser {
          id
        }
      }
      attachments {
        filename
      }
      thread {
        client {
          name
          balance {
            amount
            currency
          }
        }
      }
    }
  }
`);

const MESSAGE_ADDED_ID = graphql(`
  subscription SubscriptionsMessageAddedId($t: ID!) {
    messageAdded(threadId: $t) {
      id
    }
  }
`);
const MESSAGE_ADDED_CLIENT_NAME = graphql(`
  subscription SubscriptionsMessageAddedClientName($t: ID!) {
    messageAdded(threadId: $t) {
      id
      thread {
        client {
          name
        }
      }
    }
  }
`);
const MESSAGE_ADDED_ORGANIZATION_BALANCES = graphql(`
  subscription SubscriptionsMessageAddedOrganizationBalances($t: ID!) {
    messageAdded(threadId: $t) {
      id
      thread {
        client {
          name
          organization {
            name
            clients {
              balance {
                amount
              }
            }
          }
        }
      }
    }
  }
`);
const MESSAGE_ADDED_UNREAD = graphql(`
  subscription SubscriptionsMessageAddedUnreadCount($t: ID!) {
    messageAdded(threadId: $t) {
      id
      thread {
        unreadCount
      }
    }
  }
`);
const MESSAGE_ADDED_PORTAL_AUTHOR = graphql(`
  subscription SubscriptionsMessageAddedPortalAuthor($t: ID!) {
    messageAdded(threadId: $t) {
      id
      body
      author {
        __typename
        ... on PortalUser {
          id
          name
        }
      }
    }
  }
`);
const MESSAGE_UPDATED = graphql(`
  subscription SubscriptionsMessageUpdated($t: ID!) {
    messageUpdated(threadId: $t) {
      id
      body
      editedAt
      deletedAt
    }
  }
`);
const THREAD_UPDATED = graphql(`
  subscription SubscriptionsThreadUpdated($c: ID!) {
    threadUpdated(clientId: $c) {
      id
      unreadCount
      lastMessage {
        id
      }
    }
  }
`);
const THREAD_UNREAD = graphql(`
  subscription SubscriptionsThreadUnreadCount($c: ID!) {
    threadUpdated(clientId: $c) {
      id
      unreadCount
    }
  }
`);
const TYPING_IN_THREAD = graphql(`
  subscription SubscriptionsTypingInThread($t: ID!) {
    typing(threadId: $t) {
      at
      thread {
        id
        subject
      }
      participant {
        __typename
        ... on User {
          id
        }
      }
    }
  }
`);
const TYPING_PARTICIPANT = graphql(`
  subscription SubscriptionsTypingParticipant($t: ID!) {
    typing(threadId: $t) {
      participant {
        __typename
        ... on User {
          id
        }
      }
    }
  }
`);
/** Valid against the schema, refused at subscribe: a typing event carries only the participant's id. */
const TYPING_PARTICIPANT_NAME = graphql(`
  subscription SubscriptionsTypingParticipantName($t: ID!) {
    typing(threadId: $t) {
      participant {
        ... on User {
          name
        }
      }
    }
  }
`);
const PRESENCE_OF_USERS = graphql(`
  subscription SubscriptionsPresenceOfUsers($c: ID!) {
    presenceChanged(clientId: $c) {
      online
      participant {
        ... on User {
          id
        }
      }
      client {
        name
      }
    }
  }
`);
const PRESENCE_OF_STAFF = graphql(`
  subscription SubscriptionsPresenceOfStaff($c: ID!) {
    presenceChanged(clientId: $c) {
      online
      participant {
        __typename
        ... on User {
          id
        }
      }
      client {
        name
      }
    }
  }
`);
const PRESENCE_OF_PORTAL_USERS = graphql(`
  subscription SubscriptionsPresenceOfPortalUsers($c: ID!) {
    presenceChanged(clientId: $c) {
      online
      participant {
        __typename
        ... on PortalUser {
          id
        }
      }
    }
  }
`);

let t: TestStack;
let admin: postgres.Sql;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestStack({ WS_SESSION_CHECK_MS: '500' });
  admin = connectAdmin();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});

afterAll(async () => {
  await admin?.end();
  await t?.stop();
});

/** A `graphql-ws` client for `token`, disposed after the test; `closes` records how the socket ended. */
function wsClient(token: string): { client: Client; closes: Closed[] } {
  const closes: Closed[] = [];
  const client = subscriptionClient(t.graphqlUrl, token, (event) => closes.push(event));
  clients.push(client);
  return { client, closes };
}

/**
 * Runs an HTTP mutation of one root field that must succeed without user errors; returns that
 * field's payload, typed by the document.
 */
async function mutate<TResult extends object, TInput>(
  document: TypedDocumentNode<TResult, { input: TInput }>,
  input: NoInfer<TInput>,
  token: string,
): Promise<TResult[keyof TResult]> {
  const result = await t.gql(document, { input }, token);
  expect(result.errors).toBeUndefined();
  const payload = Object.values(result.data!)[0] as TResult[keyof TResult] & { userErrors: unknown[] };
  expect(payload.userErrors).toEqual([]);
  return payload;
}

/** A firm with a client (holding one open invoice of 1,250.00 USD and a document) and a thread with it. */
async function firmWithThread(): Promise<{ owner: FirmOwner; clientId: string; threadId: string; documentId: string }> {
  const owner = await signUpFirm(t);
  const [clientId] = (await createClients(t, owner.accessToken, ['Acme Holdings'])) as [string];
  const { documentId } = await seedInvoiceAndDocument(admin, { firmId: owner.firmId, clientId });
  const { thread } = await mutate(CREATE_THREAD, { clientId, subject: 'Year-end accounts' }, owner.accessToken);
  return { owner, clientId, threadId: thread!.id, documentId };
}

/** A member of the owner's firm with `role` (STAFF unless given), on the client's team. */
async function teamMember(
  owner: FirmOwner,
  clientId: string,
  role: 'STAFF' | 'MANAGER' = 'STAFF',
): Promise<{ token: string; userId: string }> {
  const { invitationToken } = await mutate(INVITE, { email: uniqueEmail('staff'), role }, owner.accessToken);
  const accepted = await t.gql(ACCEPT, {
    input: { token: invitationToken!, name: 'Sam Staff', password: strongPassword() },
  });
  const { accessToken, user } = accepted.data!.acceptInvitation.session!;
  await mutate(ASSIGN, { clientId, userId: user.id }, owner.accessToken);
  return { token: accessToken, userId: user.id };
}

describe('messageAdded', () => {
  it('delivers a message sent over HTTP with fields of every subgraph', async () => {
    const { owner, clientId, threadId, documentId } = await firmWithThread();
    const manager = await teamMember(owner, clientId, 'MANAGER');
    const { client } = wsClient(manager.token);
    const added = subscribe(client, MESSAGE_ADDED, { t: threadId });
    await sleep(500);

    const { message } = await mutate(
      SEND,
      { threadId, body: 'Please review the draft.', attachmentIds: [documentId] },
      owner.accessToken,
    );
    const [event] = await added.waitFor(1);
    expect(event!.errors).toBeUndefined();
    expect(event!.data!.messageAdded).toEqual({
      id: message!.id,
      body: 'Please review the draft.',
      sentAt: expect.any(String),
      author: { __typename: 'User', name: 'Avery Owner' },
      attachments: [{ filename: 'engagement letter.pdf' }],
      thread: { client: { name: 'Acme Holdings', balance: { amount: '1250.00', currency: 'USD' } } },
    });
  });

  it("resolves every event under the subscriber's own permissions: STAFF, without invoice:read, get no payload naming a balance", async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const staff = await teamMember(owner, clientId);
    const { client } = wsClient(staff.token);
    const withBalance = subscribe(client, MESSAGE_ADDED, { t: threadId });
    const withoutBalance = subscribe(client, MESSAGE_ADDED_CLIENT_NAME, { t: threadId });
    await sleep(500);
    const { message } = await mutate(SEND, { threadId, body: 'For staff' }, owner.accessToken);
    expect((await withoutBalance.waitFor(1))[0]!.data!.messageAdded).toEqual({
      id: message!.id,
      thread: { client: { name: 'Acme Holdings' } },
    });
    // Control on the same connection: a second message reaches the subscriber, so the first event has had its turn
    // on every subscription; the one naming a balance got neither.
    const { message: second } = await mutate(SEND, { threadId, body: 'For staff, again' }, owner.accessToken);
    expect((await withoutBalance.waitFor(2))[1]!.data!.messageAdded).toMatchObject({ id: second!.id });
    expect(withBalance.results).toEqual([]);
  });

  it('delivers a partial payload with its errors, as a query would answer, and keeps the subscription open', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const organization = await mutate(
      graphql(`
        mutation SubscriptionsCreateOrganization($input: CreateClientOrganizationInput!) {
          createClientOrganization(input: $input) {
            organization {
              id
            }
            userErrors {
              field
              message
              code
            }
          }
        }
      `),
      { name: 'Acme Group', clientIds: [clientId] },
      owner.accessToken,
    );
    expect(organization.organization!.id).toBeTruthy();
    const staff = await teamMember(owner, clientId);
    // Without invoice:read, `balance` is FORBIDDEN; the nullable `organization` above it absorbs the null.
    const partial = subscribe(wsClient(staff.token).client, MESSAGE_ADDED_ORGANIZATION_BALANCES, { t: threadId });
    await sleep(500);
    const sent: string[] = [];
    for (const body of ['First', 'Second'])
      sent.push((await mutate(SEND, { threadId, body }, owner.accessToken)).message!.id);
    const results = await partial.waitFor(2);
    for (const [i, result] of results.entries()) {
      expect(result.data!.messageAdded).toEqual({
        id: sent[i],
        thread: { client: { name: 'Acme Holdings', organization: null } },
      });
      expect(result.errors!.map((error) => [error.extensions?.code, error.path])).toEqual([
        ['FORBIDDEN', ['messageAdded', 'thread', 'client', 'organization', 'clients', 0, 'balance']],
      ]);
    }
  });

  it('shares one execution among identical subscriptions of one identity, and keeps identities apart', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const staff = await teamMember(owner, clientId);
    const mine = [
      subscribe(wsClient(staff.token).client, MESSAGE_ADDED_UNREAD, { t: threadId }),
      subscribe(wsClient(staff.token).client, MESSAGE_ADDED_UNREAD, { t: threadId }),
    ];
    const owners = subscribe(wsClient(owner.accessToken).client, MESSAGE_ADDED_UNREAD, { t: threadId });
    await sleep(500);
    await mutate(SEND, { threadId, body: 'One' }, owner.accessToken);
    for (const subscription of mine) {
      expect((await subscription.waitFor(1))[0]!.data!.messageAdded.thread.unreadCount).toBe(1);
    }
    // The sender has nothing unread: the owner's event was resolved as the owner, not shared with staff.
    expect((await owners.waitFor(1))[0]!.data!.messageAdded.thread.unreadCount).toBe(0);
  });

  it('catches up by cursor after a reconnect: nothing sent meanwhile is lost', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const staff = await teamMember(owner, clientId);
    const first = wsClient(staff.token);
    const live = subscribe(first.client, MESSAGE_ADDED_ID, {
      t: threadId,
    });
    await sleep(500);
    const { message: seen } = await mutate(SEND, { threadId, body: 'Seen live' }, owner.accessToken);
    expect((await live.waitFor(1))[0]!.data!.messageAdded.id).toBe(seen!.id);
    const page = await t.gql(
      graphql(`
        query SubscriptionsLastMessage($t: ID!) {
          messageThread(id: $t) {
            messages(last: 1) {
              edges {
                cursor
                node {
                  id
                }
              }
            }
          }
        }
      `),
      { t: threadId },
      staff.token,
    );
    const { cursor, node } = page.data!.messageThread!.messages.edges[0]!;
    expect(node.id).toBe(seen!.id);

    await first.client.dispose();
    const missed = [];
    for (const body of ['Missed one', 'Missed two'])
      missed.push((await mutate(SEND, { threadId, body }, owner.accessToken)).message!.id);

    const second = wsClient(staff.token);
    const resumed = subscribe(second.client, MESSAGE_ADDED_ID, {
      t: threadId,
    });
    await sleep(500);
    const catchUp = await t.gql(
      graphql(`
        query SubscriptionsCatchUp($t: ID!, $after: String) {
          messageThread(id: $t) {
            messages(first: 10, after: $after) {
              edges {
                node {
                  id
                  body
                }
              }
            }
          }
        }
      `),
      { t: threadId, after: cursor },
      staff.token,
    );
    expect(catchUp.data!.messageThread!.messages.edges.map((e) => e.node.id)).toEqual(missed);
    const { message: next } = await mutate(SEND, { threadId, body: 'Live again' }, owner.accessToken);
    expect((await resumed.waitFor(1))[0]!.data!.messageAdded.id).toBe(next!.id);
  });

  it('stops delivering to a staff user removed from the firm, and closes the socket 4403', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const staff = await teamMember(owner, clientId);
    const { client, closes } = wsClient(staff.token);
    const added = subscribe(client, MESSAGE_ADDED_ID, { t: threadId });
    await sleep(500);
    await mutate(SEND, { threadId, body: 'Before' }, owner.accessToken);
    await added.waitFor(1);

    await asFirm(
      admin,
      owner.firmId,
      (tx) => tx`delete from tenancy.memberships where firm_id = ${owner.firmId} and user_id = ${staff.userId}`,
    );
    await mutate(SEND, { threadId, body: 'After removal' }, owner.accessToken);
    await sleep(1500);
    expect(added.results).toHaveLength(1);
    expect(closes.map((c) => c.code)).toEqual([CLOSE_CODES.identityChanged]);
  });
});

describe('messageUpdated, threadUpdated, typing and presence', () => {
  it('delivers edits and tombstones, thread changes with read receipts, typing and presence', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const staff = await teamMember(owner, clientId);
    const { client } = wsClient(staff.token);
    const updated = subscribe(client, MESSAGE_UPDATED, { t: threadId });
    const threads = subscribe(client, THREAD_UPDATED, { c: clientId });
    const typing = subscribe(client, TYPING_IN_THREAD, { t: threadId });
    await sleep(500);

    const { message } = await mutate(SEND, { threadId, body: 'Frist draft' }, owner.accessToken);
    // Events of the thread's creation may still arrive; wait for the one of this message.
    const ofMessage = () =>
      threads.results.map((r) => r.data!.threadUpdated).find((u) => u.lastMessage?.id === message!.id);
    await expect
      .poll(ofMessage, { timeout: 5000 })
      .toEqual({ id: threadId, unreadCount: 1, lastMessage: { id: message!.id } });

    await mutate(EDIT, { messageId: message!.id, body: 'First draft' }, owner.accessToken);
    const [edit] = await updated.waitFor(1);
    expect(edit!.data!.messageUpdated).toMatchObject({
      id: message!.id,
      body: 'First draft',
      editedAt: expect.any(String),
      deletedAt: null,
    });
    await mutate(DELETE, { messageId: message!.id }, owner.accessToken);
    const tombstone = (await updated.waitFor(2))[1]!;
    expect(tombstone.data!.messageUpdated).toMatchObject({
      id: message!.id,
      body: null,
      deletedAt: expect.any(String),
    });

    // A read receipt: the staff member reads the thread; its unread count drops for them.
    const { message: second } = await mutate(SEND, { threadId, body: 'Second' }, owner.accessToken);
    await mutate(MARK_READ, { threadId, upToMessageId: second!.id }, staff.token);
    // The tombstone's event also reads 0 unread (the deleted message no longer counts), and may be
    // the newest one for a moment: wait for the receipt's own event, with the second message.
    const ofReceipt = () =>
      threads.results
        .map((r) => r.data!.threadUpdated)
        .find((u) => u.lastMessage?.id === second!.id && u.unreadCount === 0);
    await expect
      .poll(ofReceipt, { timeout: 5000 })
      .toEqual({ id: threadId, unreadCount: 0, lastMessage: { id: second!.id } });
    expect(threads.results.at(-1)!.data!.threadUpdated).toEqual({
      id: threadId,
      unreadCount: 0,
      lastMessage: { id: second!.id },
    });

    await mutate(TYPING, { threadId }, owner.accessToken);
    const [typed] = await typing.waitFor(1);
    expect(typed!.data!.typing).toEqual({
      at: expect.any(String),
      thread: { id: threadId, subject: 'Year-end accounts' },
      participant: { __typename: 'User', id: owner.userId },
    });

    // Presence: the staff member watches the client; the owner comes online (subscribes) and goes (disconnects).
    const presence = subscribe(client, PRESENCE_OF_USERS, { c: clientId });
    await sleep(500);
    const ownerSocket = wsClient(owner.accessToken);
    subscribe(ownerSocket.client, MESSAGE_ADDED_ID, { t: threadId });
    const owners = async () =>
      (await presence.waitFor(1)).filter((r) => r.data!.presenceChanged.participant.id === owner.userId);
    await expect
      .poll(async () => (await owners()).map((r) => r.data!.presenceChanged.online), { timeout: 5000 })
      .toEqual([true]);
    await ownerSocket.client.dispose();
    await expect
      .poll(async () => (await owners()).map((r) => r.data!.presenceChanged.online), { timeout: 5000 })
      .toEqual([true, false]);
    expect((await owners())[0]!.data!.presenceChanged.client).toEqual({ name: 'Acme Holdings' });
  });

  it('refuses participant fields an ephemeral event does not carry', async () => {
    const { owner, threadId } = await firmWithThread();
    const refused = subscribe(wsClient(owner.accessToken).client, TYPING_PARTICIPANT_NAME, { t: threadId });
    const errors = (await refused.ended) as { extensions: { code: string } }[];
    expect(errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('a portal user and the firm chat in real time', () => {
  it('invite, accept, log in; staff message reaches the portal user with cross-subgraph fields; the reply reaches staff; read receipts, typing, presence', async () => {
    const { owner, clientId, threadId, documentId } = await firmWithThread();
    const [otherClientId] = (await createClients(t, owner.accessToken, ['Other Client'])) as [string];
    const { thread: otherThread } = await mutate(
      CREATE_THREAD,
      { clientId: otherClientId, subject: 'Not yours' },
      owner.accessToken,
    );
    const onboarded = await onboardPortalUser(t, owner, [clientId]);
    const slug = (
      await t.gql(
        graphql(`
          query SubscriptionsFirmSlug {
            me {
              activeFirm {
                slug
              }
            }
          }
        `),
        {},
        owner.accessToken,
      )
    ).data!.me!.activeFirm!.slug;
    const loggedIn = await t.gql(
      graphql(`
        mutation SubscriptionsLogInPortal($input: LogInPortalInput!) {
          logInPortal(input: $input) {
            session {
              accessToken
            }
            userErrors {
              code
            }
          }
        }
      `),
      { input: { firmSlug: slug, email: onboarded.email, password: onboarded.password } },
    );
    const portalToken = loggedIn.data!.logInPortal.session!.accessToken;

    const portal = wsClient(portalToken).client;
    const staff = wsClient(owner.accessToken).client;
    // Another client's thread, and another firm's: NOT_FOUND, as for a missing id.
    const foreign = await firmWithThread();
    for (const t of [otherThread!.id, foreign.threadId]) {
      const refused = subscribe(portal, MESSAGE_ADDED_ID, { t });
      expect(((await refused.ended) as { extensions: { code: string } }[])[0]!.extensions.code).toBe('NOT_FOUND');
    }
    const staffPresence = subscribe(staff, PRESENCE_OF_PORTAL_USERS, { c: clientId });
    await sleep(300);
    const toPortal = subscribe(portal, MESSAGE_ADDED, { t: threadId });
    const portalThreads = subscribe(portal, THREAD_UNREAD, { c: clientId });
    const portalTyping = subscribe(portal, TYPING_PARTICIPANT, { t: threadId });
    const toStaff = subscribe(staff, MESSAGE_ADDED_PORTAL_AUTHOR, { t: threadId });
    await sleep(500);

    // The portal user came online on the client.
    await expect
      .poll(
        () =>
          staffPresence.results
            .map((r) => r.data!.presenceChanged)
            .filter((p) => p.participant.__typename === 'PortalUser'),
        { timeout: 5000 },
      )
      .toEqual([{ online: true, participant: { __typename: 'PortalUser', id: onboarded.portalUserId } }]);

    const { message } = await mutate(
      SEND,
      { threadId, body: 'Your accounts are ready.', attachmentIds: [documentId] },
      owner.accessToken,
    );
    const [received] = await toPortal.waitFor(1);
    expect(received!.errors).toBeUndefined();
    expect(received!.data!.messageAdded).toMatchObject({
      id: message!.id,
      body: 'Your accounts are ready.',
      author: { __typename: 'User' },
      attachments: [{ filename: 'engagement letter.pdf' }],
      thread: { client: { name: 'Acme Holdings', balance: { amount: '1250.00', currency: 'USD' } } },
    });

    // Read receipt: the portal user reads up to the staff message; their unread count drops to 0.
    await expect.poll(() => portalThreads.results.at(-1)?.data!.threadUpdated.unreadCount, { timeout: 5000 }).toBe(1);
    await mutate(MARK_READ, { threadId, upToMessageId: message!.id }, portalToken);
    await expect.poll(() => portalThreads.results.at(-1)?.data!.threadUpdated.unreadCount, { timeout: 5000 }).toBe(0);

    await mutate(TYPING, { threadId }, owner.accessToken);
    expect((await portalTyping.waitFor(1))[0]!.data!.typing.participant).toEqual({
      __typename: 'User',
      id: owner.userId,
    });

    const { message: reply } = await mutate(SEND, { threadId, body: 'Thank you!' }, portalToken);
    await expect
      .poll(() => toStaff.results.map((r) => r.data!.messageAdded).find((m) => m.id === reply!.id), { timeout: 5000 })
      .toEqual({
        id: reply!.id,
        body: 'Thank you!',
        author: { __typename: 'PortalUser', id: onboarded.portalUserId, name: 'Casey Client' },
      });

    // The portal user sees staff come online, with the client's name read through its own portal view.
    const portalPresence = subscribe(portal, PRESENCE_OF_STAFF, { c: clientId });
    await sleep(300);
    const colleague = await teamMember(owner, clientId);
    subscribe(wsClient(colleague.token).client, MESSAGE_ADDED_ID, {
      t: threadId,
    });
    await expect
      .poll(
        () =>
          portalPresence.results
            .map((r) => r.data!.presenceChanged)
            .find((p) => p.participant.__typename === 'User' && p.participant.id === colleague.userId),
        { timeout: 5000 },
      )
      .toEqual({
        online: true,
        participant: { __typename: 'User', id: colleague.userId },
        client: { name: 'Acme Holdings' },
      });

    await portal.dispose();
    await expect
      .poll(
        () =>
          staffPresence.results
            .map((r) => r.data!.presenceChanged)
            .filter((p) => p.participant.__typename === 'PortalUser')
            .map((p) => p.online),
        { timeout: 5000 },
      )
      .toEqual([true, false]);
  });
});

describe('a revoked portal user', () => {
  it('is disconnected and receives nothing once the firm revokes its access', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const portalUser = await onboardPortalUser(t, owner, [clientId]);
    const { client, closes } = wsClient(portalUser.accessToken);
    const added = subscribe(client, MESSAGE_ADDED_ID, { t: threadId });
    await sleep(500);
    await mutate(SEND, { threadId, body: 'Before' }, owner.accessToken);
    await added.waitFor(1);

    await mutate(
      graphql(`
        mutation SubscriptionsRevokePortalAccess($input: RevokePortalAccessInput!) {
          revokePortalAccess(input: $input) {
            userErrors {
              code
            }
          }
        }
      `),
      { portalUserId: portalUser.portalUserId },
      owner.accessToken,
    );
    await mutate(SEND, { threadId, body: 'After revocation' }, owner.accessToken);
    await expect.poll(() => closes.map((c) => c.code), { timeout: 5000 }).toEqual([CLOSE_CODES.unauthorized]);
    expect(added.results).toHaveLength(1);
  });
});
