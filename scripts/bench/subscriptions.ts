/**
 * The `subscriptions` bench scenario (issue #3, "Figures"): subscriber sockets held by one gateway
 * process and its RSS, delivery latency from `sendMessage` to receipt for 1 and 1,000 subscribers
 * on one thread, and messages per second through one gateway. The subscribers live in a separate
 * process (subscriptions-client.ts); messages are sent over HTTP through the same gateway.
 *
 * Every socket subscribes as the same signed-in owner with the same document, so one execution per
 * event serves them all (subscription-server.ts shares executions per identity): the figures are
 * those of a thread watched from many tabs or devices of one identity. Distinct identities cost one
 * federated execution each per event.
 *
 * Sockets need file descriptors in both processes: raise the limit before running it
 * (`ulimit -n 65536`); the scenario checks it. Sizes: BENCH_WS_SOCKETS (default 10,000).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logInOwner, postGraphQL, type BenchEnvironment, type ServiceSet } from './bench-stack.ts';
import { REPO_ROOT, trackGroup, untrackGroup } from './processes.ts';
import { mebibytes, type Row, type ScenarioReport } from './report.ts';
import type { SubscriptionClientReply, SubscriptionClientRequest } from './subscriptions-client.ts';

/** Sockets the hold test opens (issue target: 10,000 under 1 GB of gateway RSS). */
const SOCKETS = Number(process.env.BENCH_WS_SOCKETS ?? 10_000);
const SOCKETS_RSS_TARGET_MIB = 1024;
/** Subscribers of the fan-out latency test (fewer only in a trial with fewer sockets) and its p99 target. */
const FAN_OUT = Math.min(1000, SOCKETS);
const FAN_OUT_P99_MS = 100;
/** Messages sent in each latency test, one at a time. */
const LATENCY_MESSAGES = 30;
/** Seconds messages are sent for in the throughput test, and how many are in flight at once. */
const THROUGHPUT_SECONDS = 10;
const THROUGHPUT_CONCURRENCY = 8;

const SEND = 'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } userErrors { code message } } }';

/** The soft limit of open files of this process (children inherit it), from /proc. */
function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Infinity : Number(soft);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The load client process and a typed request/reply over its IPC channel. */
function startClient(): { ask<T extends SubscriptionClientReply['type']>(request: SubscriptionClientRequest, reply: T, timeoutMs?: number): Promise<Extract<SubscriptionClientReply, { type: T }>>; stop(): void } {
  const child: ChildProcess = fork(join(REPO_ROOT, 'scripts', 'bench', 'subscriptions-client.ts'), [], {
    execArgv: ['--import', 'tsx'],
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackGroup(child.pid!);
  return {
    ask: (request, reply, timeoutMs = 180_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`subscription client did not answer ${request.type} in ${timeoutMs} ms`)), timeoutMs);
        const listener = (message: SubscriptionClientReply) => {
          if (message.type !== reply) return;
          clearTimeout(timer);
          child.off('message', listener);
          resolve(message as never);
        };
        child.on('message', listener);
        child.send(request);
      }),
    stop: () => {
      child.disconnect();
      untrackGroup(child.pid!);
    },
  };
}

/** Runs the scenario on the smallest seeded dataset (messaging does not depend on its size). */
export async function subscriptionsScenario(env: BenchEnvironment): Promise<ScenarioReport> {
  const date = new Date();
  const limit = openFilesLimit();
  if (limit < SOCKETS + 1000) throw new Error(`open files limit is ${limit}; ${SOCKETS} sockets need more: run \`ulimit -n 65536\` first (or set BENCH_WS_SOCKETS lower)`);
  const set: ServiceSet = await env.services({ scale: 0.1 });
  const user = await logInOwner(env, set);
  const headers = { authorization: `Bearer ${user.accessToken}` };
  const clients = await postGraphQL<{ clients: { edges: { node: { id: string } }[] } }>(set.gatewayUrl, { query: '{ clients(first: 1) { edges { node { id } } } }' }, headers);
  const clientId = clients.data!.clients.edges[0]!.node.id;
  const created = await postGraphQL<{ createMessageThread: { thread: { id: string } } }>(
    set.gatewayUrl,
    { query: 'mutation ($input: CreateMessageThreadInput!) { createMessageThread(input: $input) { thread { id } userErrors { code } } }', variables: { input: { clientId, subject: 'Bench thread' } } },
    headers,
  );
  const threadId = created.data!.createMessageThread.thread.id;
  const wsUrl = set.gatewayUrl.replace(/^http/, 'ws');
  const sendMessage = async (body: string) => {
    const result = await postGraphQL<{ sendMessage: { message: { id: string } | null } }>(set.gatewayUrl, { query: SEND, variables: { input: { threadId, body } } }, headers);
    if (!result.data?.sendMessage.message) throw new Error(`sendMessage failed: ${JSON.stringify(result.errors ?? result.data)}`);
  };

  const client = startClient();
  /** Opens `count` subscribers and waits until a message reaches every one (their subscriptions are live). */
  const subscribers = async (count: number) => {
    const opened = await client.ask({ type: 'open', url: wsUrl, token: user.accessToken, threadId, count }, 'opened');
    if (opened.failed > 0) throw new Error(`${opened.failed} of ${count} sockets failed to open`);
    const deadline = Date.now() + 180_000;
    for (;;) {
      await sendMessage('warm-up');
      await sleep(1000 + count / 10);
      const { latenciesMs } = await client.ask({ type: 'collect' }, 'collected');
      if (latenciesMs.length >= count) return opened;
      if (Date.now() > deadline) throw new Error(`only ${latenciesMs.length} of ${count} subscribers receive messages`);
    }
  };
  /** Sends `LATENCY_MESSAGES` one at a time and returns every delivery latency, sorted. */
  const latencyRun = async () => {
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      await sendMessage(`latency ${i}`);
      await sleep(100);
    }
    await sleep(2000);
    return (await client.ask({ type: 'collect' }, 'collected')).latenciesMs.sort((a, b) => a - b);
  };

  const rows: Row[] = [];
  const json: Record<string, unknown> = { sockets: SOCKETS };
  try {
    // Latency, 1 subscriber.
    await subscribers(1);
    const one = await latencyRun();
    rows.push({ label: '1 subscriber: delivery latency p50 / p99', value: `${percentile(one, 50)} ms / ${percentile(one, 99)} ms (${one.length} deliveries)` });

    // Throughput through one gateway, 1 subscriber.
    let sent = 0;
    const until = Date.now() + THROUGHPUT_SECONDS * 1000;
    const sendStarted = Date.now();
    await Promise.all(
      Array.from({ length: THROUGHPUT_CONCURRENCY }, async () => {
        while (Date.now() < until) {
          await sendMessage('throughput');
          sent += 1;
        }
      }),
    );
    await sleep(3000);
    const received = await client.ask({ type: 'collect' }, 'collected');
    const deliveredPerSecond = received.latenciesMs.length / ((received.lastAt! - sendStarted) / 1000);
    rows.push(
      { label: `messages sent per second (sendMessage over HTTP, ${THROUGHPUT_CONCURRENCY} in flight)`, value: (sent / THROUGHPUT_SECONDS).toFixed(1) },
      { label: 'messages delivered per second to a subscriber', value: `${deliveredPerSecond.toFixed(1)} (${received.latenciesMs.length} of ${sent})` },
    );
    await client.ask({ type: 'close' }, 'closed');

    // Latency, 1,000 subscribers on one thread.
    await subscribers(FAN_OUT);
    const many = await latencyRun();
    const p99 = percentile(many, 99);
    rows.push({ label: `${FAN_OUT} subscribers: delivery latency p50 / p99`, value: `${percentile(many, 50)} ms / ${p99} ms (${many.length} deliveries)`, target: `p99 < ${FAN_OUT_P99_MS} ms`, met: many.length === FAN_OUT * LATENCY_MESSAGES && p99 < FAN_OUT_P99_MS });
    await client.ask({ type: 'close' }, 'closed');

    // Sockets held by one gateway process.
    await sleep(2000);
    const before = env.rss(set).gateway!;
    const held = await subscribers(SOCKETS);
    await sleep(2000);
    const after = env.rss(set).gateway!;
    rows.push(
      { label: `${SOCKETS} subscriber sockets: opened in`, value: `${(held.ms / 1000).toFixed(1)} s` },
      { label: 'gateway RSS idle / holding them', value: `${mebibytes(before)} / ${mebibytes(after)}`, target: `< ${SOCKETS_RSS_TARGET_MIB} MiB`, met: after / 1024 < SOCKETS_RSS_TARGET_MIB },
    );
    json.latency = { one, many };
    json.throughput = { sent, delivered: received.latenciesMs.length, seconds: THROUGHPUT_SECONDS, concurrency: THROUGHPUT_CONCURRENCY };
    json.rssKiB = { before, after };
    await client.ask({ type: 'close' }, 'closed');
  } finally {
    client.stop();
  }
  return {
    scenario: 'subscriptions',
    title: '`subscriptions`: graphql-ws sockets, delivery latency and message rate through one gateway',
    date,
    rows,
    notes: [
      'Gateway and subgraphs each in their own process on the scale-0.1 dataset; the subscribers in one more process (`scripts/bench/subscriptions-client.ts`, `ws`), all over loopback; the PostgreSQL event bus (LISTEN/NOTIFY) and crm\'s outbox dispatcher, woken by NOTIFY at commit.',
      'Latency is the receipt time minus the message\'s `sentAt` (PostgreSQL\'s clock at the insert, so it includes the commit, the dispatcher, the bus, the per-event resolution through the supergraph and the send). Messages are sent one at a time, 100 ms apart.',
      'All subscribers are one identity (the seeded owner) with one document: the gateway resolves each event once for all of them. Each distinct identity costs one federated execution per event.',
      'Run with `ulimit -n 65536` (file descriptors for the sockets, in the gateway and the client).',
    ],
    json,
  };
}
