import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type Database } from '../db/client.ts';
import { startGateway } from '../gateway/server.ts';
import type { RunningServer } from '../platform/http.ts';
import { createLogger } from '../platform/logger.ts';
import type { SubgraphName } from '../platform/subgraph-names.ts';
import { graphql } from './gql/index.ts';
import { createClients, signUpFirm, strongPassword, uniqueEmail } from './support/factories.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { CLOSE_CODES } from '../gateway/subscriptions/subscription-server.ts';
import { openAcknowledgedSocket, subscribe, subscriptionClient, wsUrl } from './support/ws-client.ts';

const CREATE_THREAD = /* GraphQL */ `
  mutation ($input: CreateMessageThreadInput!) {
    createMessageThread(input: $input) {
      thread {
        id
      }
      userErrors {
        code
      }
    }
  }
`;
const INVITE = /* GraphQL */ `
  mutation ($input: InviteMemberInput!) {
    inviteMember(input: $input) {
      invitationToken
      userErrors {
        code
      }
    }
  }
`;
const ACCEPT = /* GraphQL */ `
  mutation ($input: AcceptInvitationInput!) {
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
`;
const SEND = /* GraphQL */ `
  mutation ($input: SendMessageInput!) {
    sendMessage(input: $input) {
      message {
        id
      }
      userErrors {
        code
      }
    }
  }
`;

const PRESENCE = graphql(`
  subscription SubscriptionReplicasPresence($c: ID!) {
    presenceChanged(clientId: $c) {
      online
      participant {
        ... on User {
          id
        }
      }
    }
  }
`);
const MESSAGE_ADDED = graphql(`
  subscription SubscriptionReplicasMessageAdded($t: ID!) {
    messageAdded(threadId: $t) {
      id
      body
      thread {
        client {
          name
        }
      }
    }
  }
`);

/**
 * Two gateways on one database, as two replicas would run: the test stack's gateway (A) with the
 * subgraphs, and a second gateway (B) with its own pool, so its own LISTEN connection or Redis
 * connections. A subscriber on one gateway receives what is sent or published through the other.
 */
describe.each([
  { bus: 'PostgreSQL LISTEN/NOTIFY', env: {} as Record<string, string> },
  { bus: 'Redis pub/sub', env: { REDIS_URL: 'redis://127.0.0.1:6379' } },
])('two gateway replicas over $bus', ({ env }) => {
  let t: TestStack;
  let database: Database;
  let second: RunningServer;
  let secondStopped = false;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestStack(env);
    database = connectDatabase(inject('serviceUrls').gateway, { max: 4, applicationName: 'firmgraph-test-replica' });
    const subgraphUrls = Object.fromEntries(
      Object.entries(t.stack.subgraphs).map(([name, server]) => [name, `${server.url}/graphql`]),
    ) as Record<SubgraphName, string>;
    second = await startGateway({
      config: t.config,
      database,
      log: createLogger('silent', 'replica'),
      port: 0,
      subgraphUrls,
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    if (!secondStopped) await second?.stop();
    await database?.close();
    await t?.stop();
  });

  it('delivers a message sent through one gateway to a subscriber on the other, and presence the other way', async () => {
    const owner = await signUpFirm(t);
    const [clientId] = (await createClients(t, owner.accessToken, ['Replica Client'])) as [string];
    const created = await t.gql(CREATE_THREAD, { input: { clientId, subject: 'Across replicas' } }, owner.accessToken);
    const threadId = created.data!.createMessageThread.thread.id;

    // An ADMIN (who takes part in every thread of the firm) connects to gateway B.
    const invited = await t.gql(INVITE, { input: { email: uniqueEmail('admin'), role: 'ADMIN' } }, owner.accessToken);
    const accepted = await t.gql(ACCEPT, {
      input: { token: invited.data!.inviteMember.invitationToken, name: 'Ada Admin', password: strongPassword() },
    });
    const { accessToken: adminToken, user: adminUser } = accepted.data!.acceptInvitation.session;

    const onA = subscriptionClient(t.graphqlUrl, owner.accessToken);
    clients.push(onA);
    const presence = subscribe(onA, PRESENCE, { c: clientId });
    await sleep(500);
    const onB = subscriptionClient(`${second.url}/graphql`, adminToken);
    clients.push(onB);
    const added = subscribe(onB, MESSAGE_ADDED, { t: threadId });
    await sleep(500);

    // Sent through gateway A (HTTP), published by crm's outbox dispatcher, received on gateway B.
    const sent = await t.gql(SEND, { input: { threadId, body: 'Hello from A' } }, owner.accessToken);
    const { id } = sent.data!.sendMessage.message;
    const [event] = await added.waitFor(1);
    expect(event!.data!.messageAdded).toEqual({
      id,
      body: 'Hello from A',
      thread: { client: { name: 'Replica Client' } },
    });

    // Sent through gateway B, received on B as well.
    const viaB = await fetch(`${second.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.accessToken}` },
      body: JSON.stringify({ query: SEND, variables: { input: { threadId, body: 'Hello from B' } } }),
    }).then((r) => r.json() as Promise<{ data: { sendMessage: { message: { id: string } } } }>);
    expect((await added.waitFor(2))[1]!.data!.messageAdded.id).toBe(viaB.data.sendMessage.message.id);

    // Presence derived by gateway B (the admin subscribed there, then left) reaches the subscriber on A.
    await onB.dispose();
    const admins = () =>
      presence.results
        .filter((r) => r.data!.presenceChanged.participant.id === adminUser.id)
        .map((r) => r.data!.presenceChanged.online);
    await expect.poll(admins, { timeout: 5000 }).toEqual([true, false]);
  });

  it('closes its sockets with 1001 when a gateway shuts down, and the other gateway serves on', async () => {
    const owner = await signUpFirm(t);
    const socket = await openAcknowledgedSocket(wsUrl(`${second.url}/graphql`), owner.accessToken);
    secondStopped = true;
    await second.stop();
    expect(await socket.closed).toEqual({ code: CLOSE_CODES.goingAway, reason: 'Server shutting down' });
    const other = await openAcknowledgedSocket(wsUrl(t.graphqlUrl), owner.accessToken);
    other.ws.close();
  });
});
