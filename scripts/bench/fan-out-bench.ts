/**
 * The `fan-out` bench scenario (docs/benchmarks.md): one bus event to N WebSocket subscribers of
 * one thread, through the gateway's real subscription server (`attachSubscriptionServer`: protocol
 * adapter, admission, fan-out, session checks), once with each `FanOutDelivery`:
 *   frames      the fan-out writes one pre-serialized `next` frame per subscription to its socket;
 *   graphql-ws  the fan-out pushes the result to each subscription's graphql-ws iterator, and
 *               graphql-ws serializes and sends each `next` (`{id, type: 'next', payload}`) itself.
 * Everything else is the same in both: one execution per share key and event (`resolveEvent` on the
 * API schema of schema/supergraph.graphql), the same payload bytes (checked), the same sockets.
 *
 * The gateway's side runs in this process, so its CPU is this process's (`process.cpuUsage`); the
 * subscribers in another (fan-out-client.ts). What the gateway would ask of PostgreSQL and the
 * subgraphs is answered from memory: `authenticate` returns one staff actor, the supergraph answers
 * the thread's visibility and each message, the buckets always have room. Those costs are the same
 * per event in both modes, so the figures isolate what differs: getting a result onto N sockets.
 *
 * Per subscriber count, each mode twice (frames, graphql-ws, graphql-ws, frames), each time in a fresh server: open the sockets and wait until they
 * receive events; `WARM_UP` events (not measured); `LATENCY_EVENTS` one at a time, each published
 * once the one before reached every socket (publish to last receipt); a burst of `BURST_EVENTS`
 * published at once (delivered events per second, the gateway's CPU per delivered event).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Supergraph } from '@apollo/federation-internals';
import type { FormattedExecutionResult } from 'graphql';
import type { Database } from '../../db/client.ts';
import { spendingOf, type BucketStore } from '../../gateway/limits/buckets.ts';
import { queryLimits } from '../../gateway/limits/query-limits.ts';
import type { FanOutDelivery } from '../../gateway/subscriptions/fan-out.ts';
import { attachSubscriptionServer } from '../../gateway/subscriptions/subscription-server.ts';
import { loadConfig } from '../../platform/config.ts';
import type { BusEvent, EventBus } from '../../platform/event-bus.ts';
import { createLogger } from '../../platform/logger.ts';
import { SUPERGRAPH_PATH } from '../../platform/schema-files.ts';
import type { Actor } from '../../platform/signed-context.ts';
import type { FanOutClientReply, FanOutClientRequest } from './fan-out-client.ts';
import { REPO_ROOT, trackGroup, untrackGroup } from './processes.ts';
import type { Row, ScenarioReport } from './report.ts';

/** Subscribers of one thread, one socket each. */
const SUBSCRIBERS = [1, 100, 1000];
const MODES: FanOutDelivery[] = ['frames', 'graphql-ws'];
const WARM_UP = 50;
const LATENCY_EVENTS = 50;
const BURST_EVENTS = 200;
/** Handshakes the client keeps in flight while opening sockets. */
const OPEN_CONCURRENCY = 100;
/** A live-check event that has not reached every socket after this long is followed by another. */
const LIVE_RETRY_MS = 250;
/** Longest wait for one event, or the burst, to reach every socket. */
const REACH_TIMEOUT_MS = 60_000;

/** A message subscription as a client would write it: the message and its author. */
const DOCUMENT = `subscription FanOutBench($threadId: ID!) {
  messageAdded(threadId: $threadId) {
    id
    body
    format
    sentAt
    editedAt
    deletedAt
    attachmentIds
    author {
      __typename
      ... on User { id name }
      ... on PortalUser { id name }
    }
  }
}`;
const BODY =
  'Thanks, we have received the signed engagement letter. I have scheduled the kick-off for Tuesday at 10:00 and attached the document request list.';

const firmId = randomUUID();
const clientId = randomUUID();
const threadId = randomUUID();
const authorId = randomUUID();
const actor: Actor = { kind: 'STAFF', userId: authorId, sessionId: randomUUID(), firmId, roles: ['OWNER'] };

/** A fixed-format id for the n-th message of a series, so both modes deliver the same bytes. */
function messageId(series: number, n: number): string {
  return `00000000-0000-7000-8${String(series).padStart(3, '0')}-${String(n).padStart(12, '0')}`;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The subscriber process and its IPC: requests with their reply, and `reached` reports by message id. */
function startClient() {
  const child: ChildProcess = fork(join(REPO_ROOT, 'scripts', 'bench', 'fan-out-client.ts'), [], {
    execArgv: ['--import', 'tsx'],
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  trackGroup(child.pid!);
  const reached = new Map<string, number>();
  const waiting = new Map<string, (at: number) => void>();
  child.on('message', (message: FanOutClientReply) => {
    if (message.type !== 'reached') return;
    reached.set(message.messageId, message.at);
    waiting.get(message.messageId)?.(message.at);
  });
  return {
    ask<T extends FanOutClientReply['type']>(
      request: FanOutClientRequest,
      reply: T,
    ): Promise<Extract<FanOutClientReply, { type: T }>> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fan-out client did not answer ${request.type}`)), 120_000);
        const listener = (message: FanOutClientReply) => {
          if (message.type !== reply) return;
          clearTimeout(timer);
          child.off('message', listener);
          resolve(message as never);
        };
        child.on('message', listener);
        child.send(request);
      });
    },
    /** When message `id` reached every socket; null if not within `timeoutMs`. */
    reachedAt(id: string, timeoutMs = REACH_TIMEOUT_MS): Promise<number | null> {
      const known = reached.get(id);
      if (known !== undefined) return Promise.resolve(known);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          resolve(null);
        }, timeoutMs);
        waiting.set(id, (at) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(at);
        });
      });
    },
    /** Forgets every `reached` report (the next server's message ids repeat the last one's). */
    forget() {
      reached.clear();
    },
    stop() {
      child.disconnect();
      untrackGroup(child.pid!);
    },
  };
}
type Client = ReturnType<typeof startClient>;

interface ModeFigures {
  mode: FanOutDelivery;
  subscribers: number;
  /** Publish to the last socket's receipt, ms, sorted. */
  latencyMs: number[];
  burst: { events: number; frames: number; bytes: number; wallMs: number; cpuMs: number };
  /** SHA-256 of the first socket's frames of the latency events and of the burst. */
  sha256: { latency: string; burst: string };
}

/** One mode at one subscriber count, in a fresh subscription server on a fresh port. */
async function measureMode(
  client: Client,
  mode: FanOutDelivery,
  subscribers: number,
  series: number,
): Promise<ModeFigures> {
  const schema = Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();
  const dataDir = mkdtempSync(join(tmpdir(), 'firmgraph-bench-fan-out-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    CONTEXT_SIGNING_SECRET: randomBytes(32).toString('hex'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    WS_MAX_CONNECTIONS_PER_USER: String(subscribers),
    WS_SESSION_CHECK_MS: '3600000',
  });
  const handlers = new Set<(event: BusEvent) => void>();
  const bus: EventBus = {
    publish: async (event) => handlers.forEach((handler) => handler(event)),
    subscribe: async (handler) => {
      handlers.add(handler);
      return async () => void handlers.delete(handler);
    },
    watchLiveness: (listener) => {
      listener(true);
      return () => {};
    },
    close: async () => handlers.clear(),
  };
  const buckets: BucketStore = {
    spend: async (spent, cost) =>
      spendingOf(
        spent,
        cost,
        spent.map(({ limit }) => limit.size),
        true,
      ),
    close: async () => {},
  };
  const httpServer = createServer();
  await new Promise<void>((listening) => httpServer.listen(0, '127.0.0.1', listening));
  const subscriptionServer = await attachSubscriptionServer({
    httpServer,
    schema: () => schema,
    checkDocument: queryLimits({ hideSuggestions: false }).checkDocument,
    authenticate: async () => actor,
    executeAs: async (_actor, _origin, query, variables): Promise<FormattedExecutionResult> => {
      if (query.includes('messageThread(id: $id)'))
        return { data: { entity: { id: variables.id, client: { id: clientId } } } };
      const id = String(variables.eventEntityId);
      return {
        data: {
          entity: {
            __typename: 'Message',
            id,
            body: BODY,
            format: 'PLAIN',
            sentAt: '2026-12-05T09:30:00.000Z',
            editedAt: null,
            deletedAt: null,
            attachmentIds: [],
            author: { __typename: 'User', id: authorId, name: 'Ada Lovelace' },
          },
        },
      };
    },
    bus,
    buckets,
    // Only read when `buckets` is absent.
    database: null as unknown as Database,
    config,
    log: createLogger('silent', 'bench-fan-out'),
    delivery: mode,
  });
  const url = `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  client.forget();
  const publish = (id: string) =>
    void bus.publish({
      id: randomUUID(),
      firmId,
      topic: 'message.added',
      payload: { threadId, clientId, messageId: id },
    } as BusEvent);
  try {
    const opened = await client.ask(
      {
        type: 'open',
        url,
        count: subscribers,
        concurrency: OPEN_CONCURRENCY,
        query: DOCUMENT,
        variables: { threadId },
      },
      'opened',
    );
    if (opened.failed > 0) throw new Error(`${opened.failed} of ${subscribers} sockets failed to open`);
    // Subscribes still in admission miss an event; once one reaches every socket, all are live.
    for (let attempt = 0; ; attempt++) {
      const id = messageId(900 + series, attempt);
      publish(id);
      if ((await client.reachedAt(id, LIVE_RETRY_MS)) !== null) break;
      if (attempt * LIVE_RETRY_MS > REACH_TIMEOUT_MS)
        throw new Error(`the ${subscribers} subscriptions never went live`);
    }
    for (let i = 0; i < WARM_UP; i++) publish(messageId(800 + series, i));
    if ((await client.reachedAt(messageId(800 + series, WARM_UP - 1))) === null) throw new Error('warm-up lost');
    await client.ask({ type: 'collect' }, 'collected');

    const latencyMs: number[] = [];
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      const id = messageId(1, i);
      const publishedAt = now();
      publish(id);
      const at = await client.reachedAt(id);
      if (at === null) throw new Error(`latency event ${i} did not reach every socket`);
      latencyMs.push(at - publishedAt);
    }
    const latency = await client.ask({ type: 'collect' }, 'collected');

    await sleep(100);
    const cpuBefore = process.cpuUsage();
    const started = now();
    for (let i = 0; i < BURST_EVENTS; i++) publish(messageId(2, i));
    // Each socket gets its events in bus order: the last one reaching every socket means all did.
    const last = await client.reachedAt(messageId(2, BURST_EVENTS - 1));
    const cpu = process.cpuUsage(cpuBefore);
    if (last === null) throw new Error('the burst did not reach every socket');
    const burst = await client.ask({ type: 'collect' }, 'collected');
    if (latency.frames !== subscribers * LATENCY_EVENTS || burst.frames !== subscribers * BURST_EVENTS)
      throw new Error(`frames lost: ${latency.frames} and ${burst.frames} for ${subscribers} sockets`);
    return {
      mode,
      subscribers,
      latencyMs: latencyMs.sort((a, b) => a - b),
      burst: {
        events: BURST_EVENTS,
        frames: burst.frames,
        bytes: burst.bytes,
        wallMs: last - started,
        cpuMs: (cpu.user + cpu.system) / 1000,
      },
      sha256: { latency: latency.firstSocketSha256, burst: burst.firstSocketSha256 },
    };
  } finally {
    await client.ask({ type: 'close' }, 'closed');
    await subscriptionServer.close();
    await new Promise<void>((closed) => httpServer.close(() => closed()));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs the scenario: every subscriber count, both modes, and their ratio. */
export async function runFanOutBench(): Promise<ScenarioReport> {
  const date = new Date();
  const loadBefore = loadavg()[0]!;
  const client = startClient();
  const runs: ModeFigures[] = [];
  try {
    let series = 0;
    for (const subscribers of SUBSCRIBERS) {
      // Two rounds, the second in the other order, so neither mode always runs on the warmer process.
      for (const mode of [...MODES, ...[...MODES].reverse()]) {
        const started = performance.now();
        const figures = await measureMode(client, mode, subscribers, series++);
        runs.push(figures);
        console.log(
          `  ${mode}, ${subscribers} subscribers: ${((performance.now() - started) / 1000).toFixed(1)} s (burst: ${figures.burst.cpuMs.toFixed(0)} ms CPU, ${figures.burst.wallMs.toFixed(0)} ms)`,
        );
      }
    }
  } finally {
    client.stop();
  }
  // Each mode's two rounds pooled: latencies together, burst deliveries, time and CPU summed.
  const results: ModeFigures[] = SUBSCRIBERS.flatMap((subscribers) =>
    MODES.map((mode) => {
      const both = runs.filter((r) => r.mode === mode && r.subscribers === subscribers);
      const sum = (pick: (r: ModeFigures) => number) => both.reduce((total, r) => total + pick(r), 0);
      return {
        mode,
        subscribers,
        latencyMs: both.flatMap((r) => r.latencyMs).sort((a, b) => a - b),
        burst: {
          events: sum((r) => r.burst.events),
          frames: sum((r) => r.burst.frames),
          bytes: sum((r) => r.burst.bytes),
          wallMs: sum((r) => r.burst.wallMs),
          cpuMs: sum((r) => r.burst.cpuMs),
        },
        sha256: both[0]!.sha256,
      };
    }),
  );

  const rows: Row[] = [];
  const ratios: Record<string, { deliveredPerSecond: number; cpuPerDelivery: number; latencyP50: number }> = {};
  for (const subscribers of SUBSCRIBERS) {
    const [frames, own] = MODES.map((mode) => results.find((r) => r.mode === mode && r.subscribers === subscribers)!);
    const hashes = new Set(runs.filter((r) => r.subscribers === subscribers).map((r) => JSON.stringify(r.sha256)));
    if (hashes.size !== 1) throw new Error(`the two modes sent different frames to ${subscribers} subscribers`);
    const perSecond = (r: ModeFigures) => r.burst.frames / (r.burst.wallMs / 1000);
    const cpuPerDelivery = (r: ModeFigures) => (r.burst.cpuMs * 1000) / r.burst.frames;
    for (const r of [frames!, own!]) {
      const label = `${subscribers} subscriber${subscribers === 1 ? '' : 's'}, ${r.mode === 'frames' ? 'hand-written frames' : "graphql-ws's own next"}`;
      rows.push(
        {
          label: `${label}: publish to last receipt p50 / p99`,
          value: `${percentile(r.latencyMs, 50).toFixed(2)} ms / ${percentile(r.latencyMs, 99).toFixed(2)} ms`,
        },
        {
          label: `${label}: bursts of ${BURST_EVENTS}, deliveries/s`,
          value: `${perSecond(r).toFixed(0)} (${r.burst.frames} in ${r.burst.wallMs.toFixed(0)} ms)`,
        },
        { label: `${label}: gateway CPU per delivery`, value: `${cpuPerDelivery(r).toFixed(1)} µs` },
      );
    }
    const ratio = {
      deliveredPerSecond: perSecond(own!) / perSecond(frames!),
      cpuPerDelivery: cpuPerDelivery(own!) / cpuPerDelivery(frames!),
      latencyP50: percentile(own!.latencyMs, 50) / percentile(frames!.latencyMs, 50),
    };
    ratios[subscribers] = ratio;
    rows.push({
      label: `${subscribers} subscriber${subscribers === 1 ? '' : 's'}, own path ÷ hand-written: deliveries/s / CPU per delivery / latency p50`,
      value: `${ratio.deliveredPerSecond.toFixed(2)} / ${ratio.cpuPerDelivery.toFixed(2)} / ${ratio.latencyP50.toFixed(2)}`,
    });
  }
  const frameBytes = results[0]!.burst.bytes / results[0]!.burst.frames;
  const most = ratios[SUBSCRIBERS.at(-1)!]!;
  const ownLoses = SUBSCRIBERS.every((n) => ratios[n]!.cpuPerDelivery > 1 && ratios[n]!.deliveredPerSecond < 1);
  const decision = ownLoses
    ? `**Decision: keep the hand-written frames.** graphql-ws's own \`next\` path loses at every subscriber count: at ${SUBSCRIBERS.at(-1)} subscribers it costs ${most.cpuPerDelivery.toFixed(2)}× the gateway CPU per delivery and delivers ${most.deliveredPerSecond.toFixed(2)}× as many events per second (${((1 - most.deliveredPerSecond) * 100).toFixed(0)} % fewer), its latency p50 ${most.latencyP50.toFixed(2)}×. It serializes the payload once per subscription instead of once per share key, and each subscription's \`for await\` loop awaits its send's callback before the next frame.`
    : "**Own path does not lose at every subscriber count**: see the ratios; the decision is docs/benchmarks.md's prose.";
  return {
    scenario: 'fan-out',
    title: "`fan-out`: one event to N subscribers, hand-written `next` frames against graphql-ws's own `next`",
    date,
    rows,
    notes: [
      "The gateway's real subscription server (`attachSubscriptionServer`) in the bench's process, with `delivery: 'frames'` (the fan-out writes `framePrefix + payload` to each socket) or `delivery: 'graphql-ws'` (the fan-out pushes the result into each subscription's graphql-ws iterator; graphql-ws's `for await` loop serializes `{id, type: 'next', payload}` and awaits each send). Each mode runs in a fresh server; the subscribers, one socket and one `messageAdded` subscription each, in another process (`scripts/bench/fan-out-client.ts`), over loopback.",
      `Both modes execute each event once for all subscribers (one identity, one document: one share key), on the API schema of \`schema/supergraph.graphql\`; the supergraph's answers, authentication and the buckets are in memory, so neither PostgreSQL nor a subgraph runs. Every \`next\` frame is ${frameBytes.toFixed(0)} bytes; the first socket's frames hash the same in both modes (checked), and every socket receives every event.`,
      `Each mode ran twice per subscriber count (frames, own path, own path, frames), each time in a fresh server; the figures pool both runs: ${2 * LATENCY_EVENTS} latencies, two bursts. Latency: ${LATENCY_EVENTS} events one at a time (the next published once the last reached every socket), from the publish call to the last socket's receipt, on one clock. Burst: ${BURST_EVENTS} events published at once, after ${WARM_UP} warm-up events; deliveries/s is subscribers × events over the time from the first publish to the last receipt; CPU is this process's user + system time over that span (the gateway's side only) divided by the deliveries.`,
      "The figure of the decision is own path ÷ hand-written: above 1 for deliveries/s and below 1 for CPU or latency would mean graphql-ws's own path wins.",
      `Load average (1 min) before the run: ${loadBefore.toFixed(2)} on ${cpus().length} CPUs; other workers share this machine, so the wall-clock figures (deliveries/s, latency) move with them more than the CPU per delivery does.`,
      decision,
    ],
    json: {
      subscribers: SUBSCRIBERS,
      events: { warmUp: WARM_UP, latency: LATENCY_EVENTS, burst: BURST_EVENTS },
      frameBytes,
      loadAverageBefore: loadBefore,
      runs,
      ratios,
    },
  };
}
