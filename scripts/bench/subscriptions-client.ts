/**
 * The subscription load client of the `subscriptions` bench scenario, in its own process (started
 * by scripts/bench/subscriptions.ts as `node --import tsx scripts/bench/subscriptions-client.ts`
 * with an IPC channel), so the sockets it holds and the JSON it parses never count against the
 * gateway. It speaks `graphql-transport-ws` with `ws` directly: one subscription per socket.
 *
 * Requests (`SubscriptionClientRequest`) and replies (`SubscriptionClientReply`):
 *   open     opens `count` more sockets, `concurrency` handshakes at a time, each with
 *            `connection_init` and one `messageAdded(threadId)` subscription selecting `id sentAt`;
 *            replies once all are acknowledged (or failed)
 *   received replies with how many sockets have received message `messageId` since the last
 *            collect (once all have, their subscriptions are live and nothing sent before it is
 *            still on its way: each socket gets its events in order)
 *   collect  replies with every delivery latency measured since the last collect, in ms: the
 *            receipt time minus the message's `sentAt` (PostgreSQL's clock at the insert, before
 *            commit: on one machine the same clock, so the figure includes the commit itself)
 *   close    closes every socket
 */
import WebSocket from 'ws';

/** What the scenario asks of this process. */
export type SubscriptionClientRequest =
  | { type: 'open'; url: string; token: string; threadId: string; count: number; concurrency: number }
  | { type: 'received'; messageId: string }
  | { type: 'collect' }
  | { type: 'close' };

/** What this process answers. */
export type SubscriptionClientReply =
  | { type: 'opened'; open: number; failed: number; ms: number }
  | { type: 'received'; count: number }
  | { type: 'collected'; latenciesMs: number[]; firstAt: number | null; lastAt: number | null }
  | { type: 'closed' };

const sockets: WebSocket[] = [];
/** Deliveries per message id since the last collect. */
let received = new Map<string, number>();
let latencies: number[] = [];
let firstAt: number | null = null;
let lastAt: number | null = null;

const send = (reply: SubscriptionClientReply) => process.send!(reply);

/** Opens one socket with its subscription; resolves true once acknowledged and subscribed. */
function openOne(url: string, token: string, threadId: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws');
    const timer = setTimeout(() => {
      ws.terminate();
      resolve(false);
    }, 30_000);
    ws.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        type: string;
        payload?: { data?: { messageAdded?: { id: string; sentAt: string } } };
      };
      if (message.type === 'connection_ack') {
        ws.send(
          JSON.stringify({
            id: '1',
            type: 'subscribe',
            payload: {
              query: 'subscription ($t: ID!) { messageAdded(threadId: $t) { id sentAt } }',
              variables: { t: threadId },
            },
          }),
        );
        sockets.push(ws);
        clearTimeout(timer);
        resolve(true);
      } else if (message.type === 'next') {
        const now = Date.now();
        const added = message.payload?.data?.messageAdded;
        if (added) {
          latencies.push(now - Date.parse(added.sentAt));
          received.set(added.id, (received.get(added.id) ?? 0) + 1);
        }
        firstAt ??= now;
        lastAt = now;
      }
    });
    ws.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

process.on('message', async (request: SubscriptionClientRequest) => {
  if (request.type === 'open') {
    const started = performance.now();
    let open = 0;
    let failed = 0;
    let next = 0;
    const opener = async () => {
      while (next < request.count) {
        next += 1;
        if (await openOne(request.url, request.token, request.threadId)) open += 1;
        else failed += 1;
      }
    };
    // Each opener starts its next handshake as soon as its last one ends.
    await Promise.all(Array.from({ length: Math.min(request.concurrency, request.count) }, opener));
    send({ type: 'opened', open, failed, ms: Math.round(performance.now() - started) });
  } else if (request.type === 'received') {
    send({ type: 'received', count: received.get(request.messageId) ?? 0 });
  } else if (request.type === 'collect') {
    send({ type: 'collected', latenciesMs: latencies, firstAt, lastAt });
    latencies = [];
    received = new Map();
    firstAt = null;
    lastAt = null;
  } else {
    await Promise.all(
      sockets
        .splice(0)
        .map(
          (ws) =>
            new Promise<void>((done) =>
              ws.readyState === ws.CLOSED ? done() : (ws.once('close', () => done()), ws.close()),
            ),
        ),
    );
    send({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
