import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import type { SendMessageInput } from './gql/graphql.ts';
import { asFirm, seedInvoiceAndDocument } from './support/admin-db.ts';
import { addMember, createClients, signUpFirm } from './support/factories.ts';
import { connectEventBus, type BusEvent } from '../platform/event-bus.ts';
import { createLogger } from '../platform/logger.ts';
import { onboardPortalUser } from './support/portal.ts';
import type { GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

const CREATE_THREAD = graphql(`
  mutation MessagingCreateThread($input: CreateMessageThreadInput!) {
    createMessageThread(input: $input) {
      thread {
        id
        subject
        client {
          id
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
const SEND = graphql(`
  mutation MessagingSend($input: SendMessageInput!) {
    sendMessage(input: $input) {
      message {
        id
        body
        format
        sentAt
        editedAt
        deletedAt
        attachmentIds
        author {
          __typename
          ... on User {
            id
            name
          }
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
const EDIT = graphql(`
  mutation MessagingEdit($input: EditMessageInput!) {
    editMessage(input: $input) {
      message {
        id
        body
        editedAt
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
  mutation MessagingDelete($input: DeleteMessageInput!) {
    deleteMessage(input: $input) {
      message {
        id
        body
        deletedAt
        attachmentIds
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const MARK_READ = graphql(`
  mutation MessagingMarkRead($input: MarkThreadReadInput!) {
    markThreadRead(input: $input) {
      thread {
        id
        unreadCount
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);
const ASSIGN = graphql(`
  mutation MessagingAssignTeamMember($input: AssignClientTeamMemberInput!) {
    assignClientTeamMember(input: $input) {
      client {
        id
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const REMOVE = graphql(`
  mutation MessagingRemoveTeamMember($input: RemoveClientTeamMemberInput!) {
    removeClientTeamMember(input: $input) {
      client {
        id
      }
      userErrors {
        field
        code
      }
    }
  }
`);
const THREAD = graphql(`
  query MessagingThread($id: ID!) {
    messageThread(id: $id) {
      id
      subject
      unreadCount
      lastMessage {
        id
      }
      client {
        id
        name
        unreadMessageCount
      }
    }
  }
`);
const MESSAGE = graphql(`
  query MessagingMessage($id: ID!) {
    message(id: $id) {
      id
      body
      thread {
        id
      }
    }
  }
`);
const HISTORY = graphql(`
  query MessagingHistory($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    messageThread(id: $id) {
      messages(first: $first, after: $after, last: $last, before: $before) {
        edges {
          cursor
          node {
            id
            body
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
  }
`);
const CLIENT_THREADS = graphql(`
  query MessagingClientThreads($id: ID!) {
    client(id: $id) {
      id
      unreadMessageCount
      messageThreads(first: 10) {
        edges {
          node {
            id
            subject
          }
        }
      }
    }
  }
`);

const env = useStackWithAdmin();

/** The response's data, after checking it carries no errors. */
function ok<T>(result: GraphQLResponse<T>): T {
  expect(result.errors).toBeUndefined();
  return result.data!;
}

/** A firm with two clients and a thread with the first, started by the owner. */
async function firmWithThread() {
  const owner = await signUpFirm(env.t);
  const [clientId, otherClientId] = await createClients(env.t, owner.accessToken, ['Acme Ltd', 'Globex plc']);
  const created = ok(
    await env.t.gql(CREATE_THREAD, { input: { clientId: clientId!, subject: 'Year-end close' } }, owner.accessToken),
  );
  expect(created.createMessageThread.userErrors).toEqual([]);
  return {
    owner,
    clientId: clientId!,
    otherClientId: otherClientId!,
    threadId: created.createMessageThread.thread!.id,
  };
}

async function send(
  token: string,
  threadId: string,
  body: string,
  extra: Omit<SendMessageInput, 'threadId' | 'body'> = {},
) {
  return ok(await env.t.gql(SEND, { input: { threadId, body, ...extra } }, token)).sendMessage;
}

describe('threads and messages', () => {
  it('sends a message, which its thread, the client and the author (from tenancy) describe', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const sent = await send(owner.accessToken, threadId, 'Please send the bank statements.');
    expect(sent.userErrors).toEqual([]);
    expect(sent.message).toMatchObject({
      body: 'Please send the bank statements.',
      format: 'PLAIN',
      editedAt: null,
      deletedAt: null,
      attachmentIds: [],
      author: { __typename: 'User', id: owner.userId, name: 'Avery Owner' },
    });
    const thread = ok(await env.t.gql(THREAD, { id: threadId }, owner.accessToken)).messageThread;
    expect(thread).toMatchObject({
      id: threadId,
      subject: 'Year-end close',
      lastMessage: { id: sent.message!.id },
      client: { id: clientId, name: 'Acme Ltd' },
    });
    expect(ok(await env.t.gql(MESSAGE, { id: sent.message!.id }, owner.accessToken)).message).toEqual({
      id: sent.message!.id,
      body: 'Please send the bank statements.',
      thread: { id: threadId },
    });
    const client = ok(await env.t.gql(CLIENT_THREADS, { id: clientId }, owner.accessToken)).client;
    expect(client!.messageThreads.edges.map((edge) => edge.node)).toEqual([
      { id: threadId, subject: 'Year-end close' },
    ]);
  });

  it('refuses a body over 10,000 characters and a blank one, and takes exactly 10,000', async () => {
    const { owner, threadId } = await firmWithThread();
    expect((await send(owner.accessToken, threadId, 'x'.repeat(10_001))).userErrors).toEqual([
      { field: ['input', 'body'], message: 'At most 10000 characters.', code: 'TOO_LONG' },
    ]);
    expect((await send(owner.accessToken, threadId, '   ')).userErrors[0]!.code).toBe('REQUIRED');
    const longest = await send(owner.accessToken, threadId, 'y'.repeat(10_000));
    expect(longest.userErrors).toEqual([]);
    expect(longest.message!.body).toHaveLength(10_000);
  });

  it('keeps plain text as written, takes the safe Markdown subset and refuses HTML, images and unsafe links in Markdown', async () => {
    const { owner, threadId } = await firmWithThread();
    const plain = await send(owner.accessToken, threadId, '<b>not bold</b> & <script>alert(1)</script>');
    expect(plain.userErrors).toEqual([]);
    expect(plain.message!.body).toBe('<b>not bold</b> & <script>alert(1)</script>');

    const markdown = await send(
      owner.accessToken,
      threadId,
      '**Due** by Friday, see [the portal](https://example.com/help) or `code`; 2 < 3',
      { format: 'MARKDOWN' },
    );
    expect(markdown.userErrors).toEqual([]);
    expect(markdown.message!.format).toBe('MARKDOWN');

    for (const body of [
      'Hi <script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      'a <!-- hidden --> b',
      '[click](javascript:alert(1))',
      '![pixel](https://tracker.example/p.gif)',
      '[x]: data:text/html,hi',
    ]) {
      const refused = await send(owner.accessToken, threadId, body, { format: 'MARKDOWN' });
      expect(refused.message, body).toBeNull();
      expect(refused.userErrors, body).toMatchObject([{ field: ['input', 'body'], code: 'INVALID' }]);
    }
  });

  it('lets the author edit and delete within 15 minutes; a deletion leaves a tombstone', async () => {
    const { owner, threadId, clientId } = await firmWithThread();
    const document = await seedInvoiceAndDocument(env.admin, { firmId: owner.firmId, clientId });
    const sent = await send(owner.accessToken, threadId, 'First draft', { attachmentIds: [document.documentId] });
    const edited = ok(
      await env.t.gql(EDIT, { input: { messageId: sent.message!.id, body: 'Second draft' } }, owner.accessToken),
    ).editMessage;
    expect(edited.userErrors).toEqual([]);
    expect(edited.message!.body).toBe('Second draft');
    expect(edited.message!.editedAt).not.toBeNull();

    const deleted = ok(
      await env.t.gql(DELETE, { input: { messageId: sent.message!.id } }, owner.accessToken),
    ).deleteMessage;
    expect(deleted.userErrors).toEqual([]);
    expect(deleted.message).toMatchObject({ id: sent.message!.id, body: null, attachmentIds: [] });
    expect(deleted.message!.deletedAt).not.toBeNull();
    // The row stays: a tombstone in the thread's history.
    const history = ok(await env.t.gql(HISTORY, { id: threadId, last: 10 }, owner.accessToken)).messageThread!.messages;
    expect(history.edges.map((edge) => edge.node)).toEqual([{ id: sent.message!.id, body: null }]);

    const again = ok(
      await env.t.gql(EDIT, { input: { messageId: sent.message!.id, body: 'Back' } }, owner.accessToken),
    ).editMessage;
    expect(again.userErrors).toMatchObject([{ code: 'DELETED' }]);
  });

  it('refuses an edit or deletion after 15 minutes, and by anyone but the author', async () => {
    const { owner, threadId, clientId } = await firmWithThread();
    const old = await send(owner.accessToken, threadId, 'Sent a while ago');
    await asFirm(
      env.admin,
      owner.firmId,
      (tx) => tx`update crm.messages set sent_at = now() - interval '16 minutes' where id = ${old.message!.id}`,
    );
    for (const mutate of [
      () => env.t.gql(EDIT, { input: { messageId: old.message!.id, body: 'Too late' } }, owner.accessToken),
      () => env.t.gql(DELETE, { input: { messageId: old.message!.id } }, owner.accessToken),
    ]) {
      const result = ok<object>(await mutate());
      expect(Object.values(result)[0]).toMatchObject({
        message: null,
        userErrors: [{ field: ['input', 'messageId'], code: 'EDIT_WINDOW_CLOSED' }],
      });
    }
    const stored = await asFirm(
      env.admin,
      owner.firmId,
      (tx) => tx`select body, edited_at, deleted_at from crm.messages where id = ${old.message!.id}`,
    );
    expect(stored[0]).toEqual({ body: 'Sent a while ago', edited_at: null, deleted_at: null });

    const member = await addMember(env.t, owner, 'STAFF');
    ok(await env.t.gql(ASSIGN, { input: { clientId, userId: member.userId } }, owner.accessToken));
    const fresh = await send(owner.accessToken, threadId, 'Mine');
    const byOther = ok(
      await env.t.gql(EDIT, { input: { messageId: fresh.message!.id, body: 'Hijacked' } }, member.accessToken),
    ).editMessage;
    expect(byOther.userErrors).toMatchObject([{ code: 'NOT_AUTHOR' }]);
  });
});

describe('participants and read state', () => {
  it('shows staff only the threads of clients on their team; owners see all', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const member = await addMember(env.t, owner, 'STAFF');
    expect(ok(await env.t.gql(THREAD, { id: threadId }, member.accessToken)).messageThread).toBeNull();
    const refused = await env.t.gql(SEND, { input: { threadId, body: 'Hello?' } }, member.accessToken);
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(
      ok(await env.t.gql(CLIENT_THREADS, { id: clientId }, member.accessToken)).client!.messageThreads.edges,
    ).toEqual([]);

    ok(await env.t.gql(ASSIGN, { input: { clientId, userId: member.userId } }, owner.accessToken));
    expect(ok(await env.t.gql(THREAD, { id: threadId }, member.accessToken)).messageThread!.id).toBe(threadId);
    const reply = await send(member.accessToken, threadId, 'On it');
    expect(reply.userErrors).toEqual([]);
    expect(ok(await env.t.gql(MESSAGE, { id: reply.message!.id }, member.accessToken)).message).toMatchObject({
      id: reply.message!.id,
      thread: { id: threadId },
    });

    ok(await env.t.gql(REMOVE, { input: { clientId, userId: member.userId } }, owner.accessToken));
    expect(ok(await env.t.gql(THREAD, { id: threadId }, member.accessToken)).messageThread).toBeNull();
    // Even their own message: a message is read only through a thread the caller reaches.
    expect(ok(await env.t.gql(MESSAGE, { id: reply.message!.id }, member.accessToken)).message).toBeNull();
  });

  it('counts unread messages per participant, on the thread and on the client, until markThreadRead', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const member = await addMember(env.t, owner, 'STAFF');
    ok(await env.t.gql(ASSIGN, { input: { clientId, userId: member.userId } }, owner.accessToken));
    const sent = [];
    for (const body of ['one', 'two', 'three']) sent.push((await send(owner.accessToken, threadId, body)).message);

    const unread = async (token: string) => {
      const thread = ok(await env.t.gql(THREAD, { id: threadId }, token)).messageThread!;
      return [thread.unreadCount, thread.client.unreadMessageCount];
    };
    expect(await unread(member.accessToken)).toEqual([3, 3]);
    // Your own messages are never unread.
    expect(await unread(owner.accessToken)).toEqual([0, 0]);

    const marked = ok(
      await env.t.gql(MARK_READ, { input: { threadId, upToMessageId: sent[1]!.id } }, member.accessToken),
    ).markThreadRead;
    expect(marked).toEqual({ thread: { id: threadId, unreadCount: 1 }, userErrors: [] });
    // A read mark never moves back.
    ok(await env.t.gql(MARK_READ, { input: { threadId, upToMessageId: sent[0]!.id } }, member.accessToken));
    expect(await unread(member.accessToken)).toEqual([1, 1]);

    // Deleted messages do not count.
    ok(await env.t.gql(DELETE, { input: { messageId: sent[2]!.id } }, owner.accessToken));
    expect(await unread(member.accessToken)).toEqual([0, 0]);

    // A reply by the member is unread for the owner.
    await send(member.accessToken, threadId, 'Thanks');
    expect(await unread(owner.accessToken)).toEqual([1, 1]);

    const foreign = await firmWithThread();
    const otherMessage = await send(foreign.owner.accessToken, foreign.threadId, 'elsewhere');
    const wrong = ok(
      await env.t.gql(MARK_READ, { input: { threadId, upToMessageId: otherMessage.message!.id } }, owner.accessToken),
    ).markThreadRead;
    expect(wrong.userErrors).toMatchObject([{ field: ['input', 'upToMessageId'], code: 'NOT_FOUND' }]);
  });
});

describe('portal users', () => {
  it("take part in their granted clients' threads only, and are unread counted on their own", async () => {
    const { owner, clientId, otherClientId, threadId } = await firmWithThread();
    const other = ok(
      await env.t.gql(
        CREATE_THREAD,
        { input: { clientId: otherClientId, subject: 'Other client' } },
        owner.accessToken,
      ),
    ).createMessageThread.thread!;
    const portal = await onboardPortalUser(env.t, owner, [clientId]);
    const sent = await send(owner.accessToken, threadId, 'Your return is ready');

    const seen = ok(await env.t.gql(THREAD, { id: threadId }, portal.accessToken)).messageThread;
    expect(seen).toMatchObject({ id: threadId, unreadCount: 1, client: { id: clientId, unreadMessageCount: 1 } });
    // The staff author's name comes from tenancy, for a portal reader too.
    const raw = await env.t.gql(
      graphql(`
        query MessagingHistoryAuthors($id: ID!) {
          messageThread(id: $id) {
            messages(last: 5) {
              edges {
                node {
                  body
                  author {
                    __typename
                    ... on User {
                      name
                    }
                  }
                }
              }
            }
          }
        }
      `),
      { id: threadId },
      portal.accessToken,
    );
    const history = ok(raw);
    expect(history.messageThread!.messages.edges.map((edge) => edge.node)).toEqual([
      { body: 'Your return is ready', author: { __typename: 'User', name: 'Avery Owner' } },
    ]);
    const email = await env.t.gql(
      graphql(`
        query MessagingAuthorEmail($id: ID!) {
          message(id: $id) {
            author {
              ... on User {
                email
              }
            }
          }
        }
      `),
      { id: sent.message!.id },
      portal.accessToken,
    );
    // Refused (the staff-only rule answers a portal session as not signed in as staff), never given.
    expect(email.errors?.[0]?.extensions?.code).toMatch(/^(FORBIDDEN|UNAUTHENTICATED)$/);
    expect(JSON.stringify(email.data ?? null)).not.toContain(owner.email);
    const reply = ok(
      await env.t.gql(
        graphql(`
          mutation MessagingPortalSend($input: SendMessageInput!) {
            sendMessage(input: $input) {
              message {
                id
                author {
                  __typename
                  ... on PortalUser {
                    id
                    name
                  }
                }
              }
              userErrors {
                code
              }
            }
          }
        `),
        { input: { threadId, body: 'Thanks!' } },
        portal.accessToken,
      ),
    ).sendMessage;
    expect(reply.userErrors).toEqual([]);
    expect(reply.message!.author).toMatchObject({ __typename: 'PortalUser', id: portal.portalUserId });
    expect(ok(await env.t.gql(THREAD, { id: threadId }, owner.accessToken)).messageThread!.unreadCount).toBe(1);

    const started = ok(
      await env.t.gql(CREATE_THREAD, { input: { clientId, subject: 'A question' } }, portal.accessToken),
    ).createMessageThread;
    expect(started.userErrors).toEqual([]);

    // Another client of the same firm: missing, whatever the route.
    expect(ok(await env.t.gql(THREAD, { id: other.id }, portal.accessToken)).messageThread).toBeNull();
    for (const mutate of [
      () => env.t.gql(SEND, { input: { threadId: other.id, body: 'Hi' } }, portal.accessToken),
      () => env.t.gql(CREATE_THREAD, { input: { clientId: otherClientId, subject: 'Hello' } }, portal.accessToken),
    ]) {
      expect((await mutate()).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    // Staff-only messaging administration stays refused.
    const assign = await env.t.gql(ASSIGN, { input: { clientId, userId: owner.userId } }, portal.accessToken);
    expect(assign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('typing', () => {
  it('publishes an ephemeral typing event with ids only, and stores nothing', async () => {
    const { owner, clientId, threadId } = await firmWithThread();
    const bus = connectEventBus({ database: env.t.databases.crm, log: createLogger('silent', 'test') });
    const events: BusEvent[] = [];
    await bus.subscribe((event) => {
      if (event.firmId === owner.firmId && event.topic === 'typing') events.push(event);
    });
    try {
      const typing = ok(
        await env.t.gql(
          graphql(`
            mutation MessagingNotifyTyping($input: NotifyTypingInput!) {
              notifyTyping(input: $input) {
                thread {
                  id
                }
                userErrors {
                  code
                }
              }
            }
          `),
          { input: { threadId } },
          owner.accessToken,
        ),
      );
      expect(typing.notifyTyping).toEqual({ thread: { id: threadId }, userErrors: [] });
      await expect.poll(() => events.length).toBe(1);
      expect(events[0]!.payload).toEqual({ threadId, clientId, participantKind: 'STAFF', participantId: owner.userId });
      const stored = await asFirm(
        env.admin,
        owner.firmId,
        (tx) =>
          tx`select count(*)::int as n from crm.outbox_events where firm_id = ${owner.firmId} and topic = 'typing'`,
      );
      expect(stored[0]!.n).toBe(0);

      const foreign = await firmWithThread();
      const refused = await env.t.gql(
        graphql(`
          mutation MessagingNotifyTypingElsewhere($input: NotifyTypingInput!) {
            notifyTyping(input: $input) {
              userErrors {
                code
              }
            }
          }
        `),
        { input: { threadId: foreign.threadId } },
        owner.accessToken,
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    } finally {
      await bus.close();
    }
  });
});

describe('history', () => {
  it('pages back from the newest, and forward from a cursor to catch up after a reconnect', async () => {
    const { owner, threadId } = await firmWithThread();
    const bodies = ['m1', 'm2', 'm3', 'm4', 'm5'];
    for (const body of bodies) await send(owner.accessToken, threadId, body);

    const latest = ok(await env.t.gql(HISTORY, { id: threadId, last: 2 }, owner.accessToken)).messageThread!.messages;
    expect(latest.edges.map((edge) => edge.node.body)).toEqual(['m4', 'm5']);
    expect(latest.pageInfo).toMatchObject({ hasPreviousPage: true });
    const earlier = ok(
      await env.t.gql(HISTORY, { id: threadId, last: 2, before: latest.pageInfo.startCursor }, owner.accessToken),
    ).messageThread!.messages;
    expect(earlier.edges.map((edge) => edge.node.body)).toEqual(['m2', 'm3']);

    // A client that had seen up to m2 fetches what it missed.
    const missed = ok(
      await env.t.gql(HISTORY, { id: threadId, first: 100, after: earlier.edges[0]!.cursor }, owner.accessToken),
    ).messageThread!.messages;
    expect(missed.edges.map((edge) => edge.node.body)).toEqual(['m3', 'm4', 'm5']);
    expect(missed.pageInfo.hasNextPage).toBe(false);
    await send(owner.accessToken, threadId, 'm6');
    const more = ok(
      await env.t.gql(HISTORY, { id: threadId, first: 100, after: missed.pageInfo.endCursor }, owner.accessToken),
    ).messageThread!.messages;
    expect(more.edges.map((edge) => edge.node.body)).toEqual(['m6']);

    const bad = await env.t.gql(HISTORY, { id: threadId, first: 101 }, owner.accessToken);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('walls', () => {
  it("answers another firm's thread and message as missing", async () => {
    const ours = await firmWithThread();
    const theirs = await firmWithThread();
    const message = await send(theirs.owner.accessToken, theirs.threadId, 'Confidential');

    expect(ok(await env.t.gql(THREAD, { id: theirs.threadId }, ours.owner.accessToken)).messageThread).toBeNull();
    expect(ok(await env.t.gql(MESSAGE, { id: message.message!.id }, ours.owner.accessToken)).message).toBeNull();
    const token = ours.owner.accessToken;
    for (const mutate of [
      () => env.t.gql(SEND, { input: { threadId: theirs.threadId, body: 'Hi' } }, token),
      () => env.t.gql(EDIT, { input: { messageId: message.message!.id, body: 'Changed' } }, token),
      () => env.t.gql(DELETE, { input: { messageId: message.message!.id } }, token),
      () => env.t.gql(MARK_READ, { input: { threadId: theirs.threadId, upToMessageId: message.message!.id } }, token),
      () => env.t.gql(CREATE_THREAD, { input: { clientId: theirs.clientId, subject: 'Hello' } }, token),
    ]) {
      const result = await mutate();
      expect(result.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const stored = await asFirm(
      env.admin,
      theirs.owner.firmId,
      (tx) => tx`select body from crm.messages where thread_id = ${theirs.threadId}`,
    );
    expect(stored).toEqual([{ body: 'Confidential' }]);
  });

  it("attaches the thread client's documents, and refuses another client's or another firm's", async () => {
    const ours = await firmWithThread();
    const theirs = await firmWithThread();
    const own = await seedInvoiceAndDocument(env.admin, { firmId: ours.owner.firmId, clientId: ours.clientId });
    const otherClients = await seedInvoiceAndDocument(env.admin, {
      firmId: ours.owner.firmId,
      clientId: ours.otherClientId,
    });
    const otherFirms = await seedInvoiceAndDocument(env.admin, {
      firmId: theirs.owner.firmId,
      clientId: theirs.clientId,
    });

    const sent = await send(ours.owner.accessToken, ours.threadId, 'Signed letter attached', {
      attachmentIds: [own.documentId],
    });
    expect(sent.userErrors).toEqual([]);
    const withFiles = ok(
      await env.t.gql(
        graphql(`
          query MessagingAttachments($id: ID!) {
            message(id: $id) {
              attachmentIds
              attachments {
                id
                filename
              }
            }
          }
        `),
        { id: sent.message!.id },
        ours.owner.accessToken,
      ),
    );
    expect(withFiles.message!.attachmentIds).toEqual([own.documentId]);
    expect(withFiles.message!.attachments).toMatchObject([{ id: own.documentId }]);

    for (const ids of [
      [otherFirms.documentId],
      [otherClients.documentId],
      [own.documentId, otherFirms.documentId],
      ['not-a-uuid'],
    ]) {
      const refused = await send(ours.owner.accessToken, ours.threadId, 'Attached', { attachmentIds: ids });
      expect(refused.message).toBeNull();
      expect(refused.userErrors).toEqual([
        { field: ['input', 'attachmentIds'], message: 'Attach documents of this client.', code: 'NOT_FOUND' },
      ]);
    }
    const count = await asFirm(
      env.admin,
      ours.owner.firmId,
      (tx) => tx`select count(*)::int as n from crm.messages where thread_id = ${ours.threadId}`,
    );
    expect(count[0]!.n).toBe(1);
  });

  it('audits each change with ids only, never the text', async () => {
    const { owner, threadId } = await firmWithThread();
    const secret = `Body ${crypto.randomUUID()}`;
    const sent = await send(owner.accessToken, threadId, secret);
    ok(await env.t.gql(EDIT, { input: { messageId: sent.message!.id, body: `${secret} v2` } }, owner.accessToken));
    const rows = await asFirm(
      env.admin,
      owner.firmId,
      (tx) =>
        tx`select action, target_id, metadata::text as metadata from tenancy.audit_log where firm_id = ${owner.firmId} and action like 'message%' order by seq`,
    );
    expect(rows.map((row) => row.action)).toEqual(['message_thread.create', 'message.send', 'message.edit']);
    expect(rows[1]!.target_id).toBe(sent.message!.id);
    for (const row of rows) expect(row.metadata).not.toContain('Body');
  });
});
