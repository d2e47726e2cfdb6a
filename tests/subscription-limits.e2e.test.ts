import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOSE_CODES,
  MAX_FRAME_BYTES,
  MAX_SUBSCRIPTIONS_PER_CONNECTION,
} from '../gateway/subscriptions/subscription-server.ts';
import { createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { startTestStack, TEST_JWT_SECRET, type TestStack } from './support/stack.ts';
import { graphql } from './gql/index.ts';
import { openAcknowledgedSocket, openRawSocket, subscribeMessage, wsUrl, type RawSocket } from './support/ws-client.ts';

const ALLOWED_ORIGIN = 'https://app.example.test';
const MESSAGES_PER_SECOND = 15;
const MAX_CONNECTIONS = 3;

const CREATE_THREAD = /* GraphQL */ `
  mutation ($input: CreateMessageThreadInput!) {
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
`;
const MESSAGE_ADDED = graphql(`
  subscription SubscriptionLimitsMessageAdded($t: ID!) {
    messageAdded(threadId: $t) {
      id
      body
    }
  }
`);
/** Valid documents sent over the wrong transport: the socket serves subscriptions only. */
const ME = graphql(`
  query SubscriptionLimitsMe {
    me {
      user {
        id
      }
    }
  }
`);
const LOG_OUT = graphql(`
  mutation SubscriptionLimitsLogOut {
    logOut {
      loggedOut
    }
  }
`);
/** Valid against the schema, refused by the HTTP depth limit. */
const TOO_DEEP = graphql(`
  subscription SubscriptionLimitsTooDeep($t: ID!) {
    messageAdded(threadId: $t) {
      thread {
        lastMessage {
          thread {
            lastMessage {
              thread {
                lastMessage {
                  thread {
                    lastMessage {
                      thread {
                        lastMessage {
                          id
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`);
const SEND_MESSAGE = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }';

let t: TestStack;
let url: string;
let owner: FirmOwner;
let threadId: string;
let clientId: string;
const sockets: RawSocket[] = [];

/** Opens an acknowledged socket for `token`, closed after the suite. */
async function connect(token: string): Promise<RawSocket> {
  const socket = await openAcknowledgedSocket(url, token);
  sockets.push(socket);
  return socket;
}

/** A token of the owner's session, signed with the test key, that expires `seconds` from now (negative: already expired). */
async function tokenExpiringIn(seconds: number): Promise<string> {
  const { sub, sid } = JSON.parse(Buffer.from(owner.accessToken.split('.')[1]!, 'base64url').toString());
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('firmgraph')
    .setAudience('firmgraph-api')
    .setSubject(sub)
    .setIssuedAt(now - 60)
    .setNotBefore(now - 60)
    .setExpirationTime(now + seconds)
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

beforeAll(async () => {
  t = await startTestStack({
    WS_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
    WS_MESSAGES_PER_SECOND: String(MESSAGES_PER_SECOND),
    WS_MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS),
    WS_SESSION_CHECK_MS: '300',
  });
  url = wsUrl(t.graphqlUrl);
  owner = await signUpFirm(t);
  [clientId] = (await createClients(t, owner.accessToken, ['Limits Client'])) as [string];
});

/** The owner's thread, started on first use. */
async function ownersThread(): Promise<string> {
  if (!threadId) {
    const created = await t.gql(CREATE_THREAD, { input: { clientId, subject: 'Limits' } }, owner.accessToken);
    expect(created.errors).toBeUndefined();
    threadId = created.data!.createMessageThread.thread.id;
  }
  return threadId;
}

// Each test closes its sockets, so the owner stays under the per-user connection limit.
afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    socket.ws.close();
    await socket.closed;
  }
});

afterAll(async () => {
  await t?.stop();
});

describe('authentication at connection_init', () => {
  it('closes 4401 without a token, with a bad token and with an expired token', async () => {
    for (const payload of [
      undefined,
      { authorization: 'Bearer not.a.jwt' },
      { authorization: `Bearer ${await tokenExpiringIn(-60)}` },
    ]) {
      const socket = await openRawSocket(url);
      socket.send({ type: 'connection_init', ...(payload ? { payload } : {}) });
      expect(await socket.closed).toEqual({ code: CLOSE_CODES.unauthorized, reason: 'Unauthorized' });
      expect(socket.messages).toEqual([]);
    }
  });

  it('acknowledges a valid token, sent as `authorization` or `Authorization`', async () => {
    await connect(owner.accessToken);
    const socket = await openRawSocket(url);
    sockets.push(socket);
    socket.send({ type: 'connection_init', payload: { Authorization: `Bearer ${owner.accessToken}` } });
    await socket.next((m) => m.type === 'connection_ack');
  });

  it('closes 4401 when the token expires while connected', async () => {
    const socket = await connect(await tokenExpiringIn(2));
    const started = Date.now();
    expect(await socket.closed).toEqual({ code: CLOSE_CODES.unauthorized, reason: 'Token expired' });
    expect(Date.now() - started).toBeGreaterThan(500);
  });

  it('closes 4401 soon after the session is revoked', async () => {
    const other = await signUpFirm(t);
    const socket = await openAcknowledgedSocket(url, other.accessToken);
    const loggedOut = await t.gql('mutation { logOut { loggedOut } }', {}, other.accessToken);
    expect(loggedOut.errors).toBeUndefined();
    expect(await socket.closed).toEqual({ code: CLOSE_CODES.unauthorized, reason: 'Session ended or token expired' });
  });
});

describe('origins', () => {
  it('refuses a foreign browser origin at the upgrade (HTTP 403), and admits the allowed one and non-browser clients', async () => {
    await expect(openRawSocket(url, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const allowed = await openRawSocket(url, { origin: ALLOWED_ORIGIN });
    allowed.ws.close();
    const noOrigin = await openRawSocket(url);
    noOrigin.ws.close();
  });

  it('serves WebSockets on /graphql only', async () => {
    await expect(openRawSocket(url.replace('/graphql', '/other'))).rejects.toThrow('HTTP 404');
  });
});

describe('operations', () => {
  it('refuses queries and mutations over the socket with an error, keeping the connection', async () => {
    const socket = await connect(owner.accessToken);
    socket.send(subscribeMessage('q', ME, {}));
    socket.send(subscribeMessage('m', LOG_OUT, {}));
    for (const id of ['q', 'm']) {
      const error = await socket.next((m) => m.id === id);
      expect(error.type).toBe('error');
      expect(error.payload[0].extensions.code).toBe('BAD_REQUEST');
      expect(error.payload[0].message).toMatch(/Only subscriptions/);
    }
    // The session still works: logOut did not run.
    expect((await t.gql('{ me { user { id } } }', {}, owner.accessToken)).data!.me.user.id).toBe(owner.userId);
  });

  it('applies the HTTP query limits: validation, depth and unknown fields', async () => {
    const socket = await connect(owner.accessToken);
    socket.send(subscribeMessage('deep', TOO_DEEP, { t: '01900000-0000-7000-8000-000000000000' }));
    // A string: the field does not exist, so the document cannot be typed.
    socket.send({ id: 'unknown', type: 'subscribe', payload: { query: 'subscription { nothingHere }' } });
    for (const id of ['deep', 'unknown']) {
      const error = await socket.next((m) => m.id === id);
      expect(error.type).toBe('error');
      expect(error.payload[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    expect((await socket.next((m) => m.id === 'deep')).payload[0].message).toBe('The query is nested too deeply.');
  });

  it(`refuses subscription number ${MAX_SUBSCRIPTIONS_PER_CONNECTION + 1} on one connection`, async () => {
    await ownersThread();
    const socket = await connect(owner.accessToken);
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CONNECTION; i++) {
      socket.send(subscribeMessage(`s${i}`, MESSAGE_ADDED, { t: threadId }));
    }
    // Each subscribe is checked (cost, visibility) before it counts; give them time to be accepted.
    await sleep(1500);
    expect(socket.messages.filter((m) => m.type === 'error')).toEqual([]);
    socket.send(subscribeMessage('over', MESSAGE_ADDED, { t: threadId }));
    const error = await socket.next((m) => m.id === 'over');
    expect(error.type).toBe('error');
    expect(error.payload[0].extensions.code).toBe('SUBSCRIPTION_LIMIT');
    // Completing one makes room again.
    socket.send({ id: 's0', type: 'complete' });
    await sleep(200);
    socket.send(subscribeMessage('again', MESSAGE_ADDED, { t: threadId }));
    // Positive control: 'again' is live, since a message sent now reaches it; no error for it came first.
    const sent = await t.gql(SEND_MESSAGE, { input: { threadId, body: 'room again' } }, owner.accessToken);
    expect(sent.errors).toBeUndefined();
    const delivered = await socket.next((m) => m.id === 'again');
    expect(delivered).toMatchObject({ type: 'next', payload: { data: { messageAdded: { body: 'room again' } } } });
  });

  it('refuses a thread of another firm like a missing one: NOT_FOUND and no events', async () => {
    await ownersThread();
    const stranger = await signUpFirm(t);
    const socket = await connect(stranger.accessToken);
    socket.send(subscribeMessage('foreign', MESSAGE_ADDED, { t: threadId }));
    socket.send(subscribeMessage('missing', MESSAGE_ADDED, { t: '01900000-0000-7000-8000-000000000000' }));
    const foreign = await socket.next((m) => m.id === 'foreign');
    const missing = await socket.next((m) => m.id === 'missing');
    expect(foreign.type).toBe('error');
    expect(foreign.payload).toEqual(missing.payload);
    expect(foreign.payload[0].extensions.code).toBe('NOT_FOUND');
    // One missing thread reads the same over the socket as over HTTP.
    const overHttp = await t.gql(
      'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } } }',
      { input: { threadId: '01900000-0000-7000-8000-000000000000', body: 'Hello' } },
      stranger.accessToken,
    );
    expect(foreign.payload[0].message).toBe(overHttp.errors?.[0]?.message ?? 'a NOT_FOUND error over HTTP');
    // Positive control on the same socket: the stranger's own thread, whose message is sent after the owner's.
    const [strangersClient] = await createClients(t, stranger.accessToken, ['Own Client']);
    const ownInput = { input: { clientId: strangersClient, subject: 'Own' } };
    const own = await t.gql(CREATE_THREAD, ownInput, stranger.accessToken);
    const ownThread = own.data!.createMessageThread.thread.id;
    socket.send(subscribeMessage('own', MESSAGE_ADDED, { t: ownThread }));
    await sleep(500); // graphql-ws sends no acknowledgement of a subscribe; the control below does not rely on it
    const sent = await t.gql(SEND_MESSAGE, { input: { threadId, body: 'not for strangers' } }, owner.accessToken);
    expect(sent.errors).toBeUndefined();
    const control = await t.gql(SEND_MESSAGE, { input: { threadId: ownThread, body: 'for me' } }, stranger.accessToken);
    expect(control.errors).toBeUndefined();
    await socket.next((m) => m.id === 'own' && m.type === 'next');
    const delivered = socket.messages.filter((m) => m.type === 'next').map((m) => m.payload.data.messageAdded.body);
    expect(delivered).toEqual(['for me']);
  });
});

describe('frames and rates', () => {
  it(`closes 1009 on a frame over ${MAX_FRAME_BYTES} bytes`, async () => {
    const socket = await connect(owner.accessToken);
    socket.send({
      id: 'big',
      type: 'subscribe',
      // A string: the oversized argument is built at run time.
      payload: { query: `subscription { messageAdded(threadId: "${'x'.repeat(MAX_FRAME_BYTES)}") { id } }` },
    });
    expect((await socket.closed).code).toBe(CLOSE_CODES.frameTooLarge);
  });

  it('closes 4430 when a connection sends faster than its message rate', async () => {
    const socket = await connect(owner.accessToken);
    for (let i = 0; i < MESSAGES_PER_SECOND * 3; i++) socket.send({ type: 'ping' });
    expect(await socket.closed).toEqual({ code: CLOSE_CODES.tooManyMessages, reason: 'Too many messages' });
    // Below the rate, pings are answered.
    const calm = await connect(owner.accessToken);
    for (let i = 0; i < 3; i++) {
      calm.send({ type: 'ping' });
      await sleep(200);
    }
    expect(calm.messages.filter((m) => m.type === 'pong')).toHaveLength(3);
    calm.ws.close();
  });

  it(`closes 4431 on connection number ${MAX_CONNECTIONS + 1} of one user, and admits one again once another closes`, async () => {
    const user = await signUpFirm(t);
    const open = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) open.push(await connect(user.accessToken));
    const over = await openRawSocket(url);
    over.send({ type: 'connection_init', payload: { authorization: `Bearer ${user.accessToken}` } });
    expect(await over.closed).toEqual({ code: CLOSE_CODES.tooManyConnections, reason: 'Too many connections' });
    // Another user is not affected.
    await connect((await signUpFirm(t)).accessToken);
    open[0]!.ws.close();
    await open[0]!.closed;
    await connect(user.accessToken);
  });
});
