/**
 * The `subscriptions` bench scenario (docs/benchmarks.md): subscriber sockets held by one gateway
 * process and its RSS, delivery latency from `sendMessage` to receipt for 1 and 1,000 subscribers
 * on one thread, and messages per second through one gateway. The subscribers live in a separate
 * process (subscriptions-client.ts); messages are sent over HTTP through the same gateway.
 *
 * Every socket subscribes as the same signed-in owner with the same document, so one execution per
 * event serves them all (subscription-server.ts shares executions per identity): the figures are
 * those of a thread watched from many tabs or devices of one identity. Distinct identities cost one
 * federated execution each per event.
 *
 * In order: 1 subscriber (latency, then throughput for BENCH_SECONDS), the idle RSS, 1,000
 * subscribers (latency), then as many more as make BENCH_WS_SOCKETS (default 10,000) and the RSS
 * holding them. Every wait ends as soon as what it waits for has arrived (polled every `POLL_MS`);
 * each step prints its duration and the CPU seconds of every process in it, and with
 * BENCH_CPU_PROF every service writes a CPU profile per step.
 *
 * Sockets need file descriptors in both processes: raise the limit before running it
 * (`ulimit -n 65536`); the scenario checks it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { logInOwner, postGraphQL, type BenchEnvironment, type ServiceSet } from './bench-stack.ts';
import { processCpuSeconds } from './machine.ts';
import { DURATION_SECONDS } from './measure.ts';
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
/** Seconds messages are sent for in the throughput test (BENCH_SECONDS, as every load run), and how many are in flight at once. */
const THROUGHPUT_SECONDS = DURATION_SECONDS;
const THROUGHPUT_CONCURRENCY = 8;

/** Handshakes the client keeps in flight while opening sockets, so the gateway's accept queue is not flooded. */
const OPEN_CONCURRENCY = 200;
/** How often the scenario asks the client whether what it waits for has arrived. */
const POLL_MS = 50;
/** A warm-up whose deliveries have stopped arriving for this long is followed by another. */
const WARM_UP_QUIET_MS = 250;
/** Pause before each RSS reading, for the gateway to finish closing or opening sockets. */
const SETTLE_MS = 1000;

const SEND =
  'mutation ($input: SendMessageInput!) { sendMessage(input: $input) { message { id } userErrors { code message } } }';

/** The soft limit of open files of this process (children inherit it), from /proc. */
function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Infinity : Number(soft);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The load client process and a typed request/reply over its IPC channel. */
function startClient(): {
  pid: number;
  ask<T extends SubscriptionClientReply['type']>(
    request: SubscriptionClientRequest,
    reply: T,
    timeoutMs?: number,
  ): Promise<Extract<SubscriptionClientReply, { type: T }>>;
  stop(): void;
} {
  const child: ChildProcess = fork(join(REPO_ROOT, 'scripts', 'bench', 'subscriptions-client.ts'), [], {
    execArgv: ['--import', 'tsx'],
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackGroup(child.pid!);
  return {
    pid: child.pid!,
    ask: (request, reply, timeoutMs = 180_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`subscription client did not answer ${request.type} in ${timeoutMs} ms`)),
          timeoutMs,
        );
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
  if (limit < SOCKETS + 1000)
    throw new Error(
      `open files limit is ${limit}; ${SOCKETS} sockets need more: run \`ulimit -n 65536\` first (or set BENCH_WS_SOCKETS lower)`,
    );
  const set: ServiceSet = await env.services({ scale: 0.1 });
  console.log(`  stack ready: ${((Date.now() - date.getTime()) / 1000).toFixed(1)} s`);
  const user = await logInOwner(env, set);
  const headers = { authorization: `Bearer ${user.accessToken}` };
  const clients = await postGraphQL<{ clients: { edges: { node: { id: string } }[] } }>(
    set.gatewayUrl,
    { query: '{ clients(first: 1) { edges { node { id } } } }' },
    headers,
  );
  const clientId = clients.data?.clients.edges[0]?.node.id;
  if (!clientId) throw new Error(`the owner reads no client: ${JSON.stringify(clients.errors ?? clients.data)}`);
  const created = await postGraphQL<{ createMessageThread: { thread: { id: string } } }>(
    set.gatewayUrl,
    {
      query:
        'mutation ($input: CreateMessageThreadInput!) { createMessageThread(input: $input) { thread { id } userErrors { code } } }',
      variables: { input: { clientId, subject: 'Bench thread' } },
    },
    headers,
  );
  const threadId = created.data?.createMessageThread.thread?.id;
  if (!threadId) throw new Error(`createMessageThread failed: ${JSON.stringify(created.errors ?? created.data)}`);
  const wsUrl = set.gatewayUrl.replace(/^http/, 'ws');
  /** Sends one message; returns its id. */
  const sendMessage = async (body: string): Promise<string> => {
    const result = await postGraphQL<{ sendMessage: { message: { id: string } | null } }>(
      set.gatewayUrl,
      { query: SEND, variables: { input: { threadId, body } } },
      headers,
    );
    const message = result.data?.sendMessage.message;
    if (!message) throw new Error(`sendMessage failed: ${JSON.stringify(result.errors ?? result.data)}`);
    return message.id;
  };

  const client = startClient();
  /**
   * Collects delivery latencies until `expected` have arrived or `graceMs` has passed: the wait
   * ends as soon as the last delivery does, and a lost one costs at most `graceMs`.
   */
  const collectDeliveries = async (expected: number, graceMs: number) => {
    const latenciesMs: number[] = [];
    let lastAt: number | null = null;
    const deadline = Date.now() + graceMs;
    for (;;) {
      const collected = await client.ask({ type: 'collect' }, 'collected');
      latenciesMs.push(...collected.latenciesMs);
      lastAt = collected.lastAt ?? lastAt;
      if (latenciesMs.length >= expected || Date.now() > deadline) return { latenciesMs, lastAt };
      await sleep(POLL_MS);
    }
  };
  let open = 0;
  /**
   * Opens subscribers until `total` are open and waits until a message reaches every one (their
   * subscriptions are live). Returns, in ms, how long the new ones took to be acknowledged
   * (`connection_ack`) and to be live.
   */
  const subscribers = async (total: number): Promise<{ ackMs: number; liveMs: number }> => {
    const started = performance.now();
    const opened = await client.ask(
      {
        type: 'open',
        url: wsUrl,
        token: user.accessToken,
        threadId,
        count: total - open,
        concurrency: OPEN_CONCURRENCY,
      },
      'opened',
    );
    if (opened.failed > 0) throw new Error(`${opened.failed} of ${total - open} sockets failed to open`);
    open = total;
    const deadline = Date.now() + 180_000;
    // Subscriptions still being set up miss a warm-up; once its deliveries stop arriving, the next one goes out.
    let messageId = await sendMessage('warm-up');
    let reached = 0;
    let unchanged = 0;
    for (;;) {
      await sleep(POLL_MS);
      const count = (await client.ask({ type: 'received', messageId }, 'received')).count;
      if (count >= total) {
        const liveMs = performance.now() - started;
        await client.ask({ type: 'collect' }, 'collected');
        return { ackMs: opened.ms, liveMs };
      }
      if (Date.now() > deadline) throw new Error(`only ${count} of ${total} subscribers receive messages`);
      unchanged = count === reached ? unchanged + 1 : 0;
      reached = count;
      if (unchanged * POLL_MS >= WARM_UP_QUIET_MS) {
        messageId = await sendMessage('warm-up');
        reached = 0;
        unchanged = 0;
      }
    }
  };
  const closeAll = async () => {
    await client.ask({ type: 'close' }, 'closed');
    open = 0;
  };
  /** Sends `LATENCY_MESSAGES` one at a time, 100 ms apart, and returns every delivery latency to the open subscribers, sorted. */
  const latencyRun = async () => {
    for (let i = 0; i < LATENCY_MESSAGES; i++) {
      await sendMessage(`latency ${i}`);
      await sleep(100);
    }
    return (await collectDeliveries(open * LATENCY_MESSAGES, 2000)).latenciesMs.sort((a, b) => a - b);
  };

  /** Runs one step and prints its duration and the CPU each process spent in it; with BENCH_CPU_PROF, profiles every service during it. */
  let steps = 0;
  const cpu = (): Record<string, number> => ({
    ...Object.fromEntries(set.processes.map((service) => [service.role, processCpuSeconds(service.pid)])),
    postgres: processCpuSeconds(env.postmasterPid(), true),
    client: processCpuSeconds(client.pid),
  });
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const before = cpu();
    await env.startProfiles(set);
    const value = await run();
    steps += 1;
    await env.stopProfiles(
      set,
      `subscriptions-${String(steps).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}`,
    );
    const spent = Object.entries(cpu())
      .map(([role, seconds]) => [role, seconds - (before[role] ?? 0)] as const)
      .filter(([, seconds]) => seconds >= 0.05)
      .map(([role, seconds]) => `${role} ${seconds.toFixed(1)}`);
    console.log(
      `  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s (CPU seconds: ${spent.join(', ') || 'none over 0.05'})`,
    );
    return value;
  };

  const rows: Row[] = [];
  const json: Record<string, unknown> = { sockets: SOCKETS };
  try {
    // Latency, 1 subscriber.
    await step('open 1 subscriber', () => subscribers(1));
    const one = await step('latency, 1 subscriber', latencyRun);
    rows.push({
      label: '1 subscriber: delivery latency p50 / p99',
      value: `${percentile(one, 50)} ms / ${percentile(one, 99)} ms (${one.length} deliveries)`,
    });

    // Throughput through one gateway, 1 subscriber.
    let sent = 0;
    const sendStarted = Date.now();
    const until = sendStarted + THROUGHPUT_SECONDS * 1000;
    const received = await step('throughput', async () => {
      await Promise.all(
        Array.from({ length: THROUGHPUT_CONCURRENCY }, async () => {
          while (Date.now() < until) {
            await sendMessage('throughput');
            sent += 1;
          }
        }),
      );
      return collectDeliveries(sent, 3000);
    });
    const deliveredPerSecond = received.latenciesMs.length / ((received.lastAt! - sendStarted) / 1000);
    rows.push(
      {
        label: `messages sent per second (sendMessage over HTTP, ${THROUGHPUT_CONCURRENCY} in flight)`,
        value: (sent / THROUGHPUT_SECONDS).toFixed(1),
      },
      {
        label: 'messages delivered per second to a subscriber',
        value: `${deliveredPerSecond.toFixed(1)} (${received.latenciesMs.length} of ${sent})`,
      },
    );
    await closeAll();
    await sleep(SETTLE_MS);
    const idle = env.rss(set).gateway!;

    // Latency, 1,000 subscribers on one thread; then the sockets held: as many more as make SOCKETS.
    const fanOut = await step(`open ${FAN_OUT} subscribers`, () => subscribers(FAN_OUT));
    const many = await step(`latency, ${FAN_OUT} subscribers`, latencyRun);
    const p99 = percentile(many, 99);
    rows.push({
      label: `${FAN_OUT} subscribers: delivery latency p50 / p99`,
      value: `${percentile(many, 50)} ms / ${p99} ms (${many.length} deliveries)`,
      target: `p99 < ${FAN_OUT_P99_MS} ms`,
      met: many.length === FAN_OUT * LATENCY_MESSAGES && p99 < FAN_OUT_P99_MS,
    });
    const rest = await step(`open ${SOCKETS - FAN_OUT} more subscribers`, () => subscribers(SOCKETS));
    await sleep(SETTLE_MS);
    const holding = env.rss(set).gateway!;
    rows.push(
      {
        label: `${SOCKETS} subscriber sockets (${FAN_OUT}, then ${SOCKETS - FAN_OUT} more): acknowledged / live in`,
        value: `${((fanOut.ackMs + rest.ackMs) / 1000).toFixed(1)} s / ${((fanOut.liveMs + rest.liveMs) / 1000).toFixed(1)} s`,
      },
      {
        label: 'gateway RSS idle / holding them',
        value: `${mebibytes(idle)} / ${mebibytes(holding)}`,
        target: `< ${SOCKETS_RSS_TARGET_MIB} MiB`,
        met: holding / 1024 < SOCKETS_RSS_TARGET_MIB,
      },
    );
    json.latency = { one, many };
    json.throughput = {
      sent,
      delivered: received.latenciesMs.length,
      seconds: THROUGHPUT_SECONDS,
      concurrency: THROUGHPUT_CONCURRENCY,
    };
    json.rssKiB = { before: idle, after: holding };
    json.openMs = { fanOut, rest };
    await step(`close ${SOCKETS} subscribers`, closeAll);
  } finally {
    client.stop();
  }
  return {
    scenario: 'subscriptions',
    title: '`subscriptions`: graphql-ws sockets, delivery latency and message rate through one gateway',
    date,
    rows,
    notes: [
      "Gateway and subgraphs each in their own process on the scale-0.1 dataset; the subscribers in one more process (`scripts/bench/subscriptions-client.ts`, `ws`), all over loopback; the PostgreSQL event bus (LISTEN/NOTIFY) and crm's outbox dispatcher, woken by NOTIFY at commit.",
      "Latency is the receipt time minus the message's `sentAt` (PostgreSQL's clock at the insert, so it includes the commit, the dispatcher, the bus, the per-event resolution through the supergraph and the send). Messages are sent one at a time, 100 ms apart.",
      'All subscribers are one identity (the seeded owner) with one document: the gateway resolves and serializes each event once for all of them, then writes one frame per socket. Each distinct identity costs one federated execution per event.',
      `The sockets held are the fan-out test's ${FAN_OUT} and ${SOCKETS - FAN_OUT} more, opened ${OPEN_CONCURRENCY} handshakes at a time: "acknowledged" when every \`connection_init\` (authentication) was answered, "live" when a message sent after that reached every socket (each subscribe spent its cost and checked its thread through the supergraph). "Idle" RSS is read after the 1-subscriber tests, before any of these sockets opened.`,
      'Run with `ulimit -n 65536` (file descriptors for the sockets, in the gateway and the client), or any limit above BENCH_WS_SOCKETS + 1,000.',
    ],
    json,
  };
}
