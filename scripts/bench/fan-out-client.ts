/**
 * The subscriber process of the `fan-out` bench scenario (scripts/bench/fan-out-bench.ts starts it
 * as `node --import tsx scripts/bench/fan-out-client.ts` with an IPC channel), so the sockets it
 * holds and the frames it reads never count against the gateway's CPU. It speaks
 * `graphql-transport-ws` with `ws` directly, one subscription per socket, and does not parse the
 * `next` frames: it finds the message id in them, and hashes the frames of its first socket so the
 * scenario can check both delivery modes sent the same bytes.
 *
 * Requests (`FanOutClientRequest`) and replies (`FanOutClientReply`):
 *   open     opens `count` more sockets, `concurrency` handshakes at a time, each with
 *            `connection_init` and one subscription of `query`; replies once all are acknowledged
 *   collect  replies with the frames and bytes received since the last collect, and the SHA-256 of
 *            the first socket's frames in arrival order
 *   close    closes every socket
 * Unasked, it sends `reached` the moment a message has arrived on every open socket, with that time
 * (`performance.timeOrigin + performance.now()`, the same clock as the scenario's on one machine).
 */
import { createHash, type Hash } from 'node:crypto';
import WebSocket from 'ws';

/** What the scenario asks of this process. */
export type FanOutClientRequest =
  | {
      type: 'open';
      url: string;
      count: number;
      concurrency: number;
      query: string;
      variables: Record<string, unknown>;
    }
  | { type: 'collect' }
  | { type: 'close' };

/** What this process answers or reports. */
export type FanOutClientReply =
  | { type: 'opened'; open: number; failed: number }
  | { type: 'reached'; messageId: string; at: number }
  | { type: 'collected'; frames: number; bytes: number; firstSocketSha256: string }
  | { type: 'closed' };

/** What precedes the message id in a `next` frame of `messageAdded`. */
const ID_MARKER = '"messageAdded":{"id":"';

const sockets: WebSocket[] = [];
let counts = new Map<string, number>();
let frames = 0;
let bytes = 0;
let digest: Hash = createHash('sha256');

const send = (reply: FanOutClientReply) => process.send!(reply);

function onNext(ws: WebSocket, data: Buffer): void {
  const at = performance.timeOrigin + performance.now();
  const text = data.toString();
  if (!text.includes('"type":"next"')) return;
  frames += 1;
  bytes += data.length;
  if (ws === sockets[0]) digest.update(data);
  const from = text.indexOf(ID_MARKER) + ID_MARKER.length;
  const messageId = text.slice(from, text.indexOf('"', from));
  const count = (counts.get(messageId) ?? 0) + 1;
  counts.set(messageId, count);
  if (count === sockets.length) send({ type: 'reached', messageId, at });
}

/** Opens one socket with its subscription; resolves true once acknowledged and subscribed. */
function openOne(url: string, query: string, variables: Record<string, unknown>): Promise<boolean> {
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
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer fan-out-bench' } })),
    );
    let subscribed = false;
    ws.on('message', (data: Buffer) => {
      if (subscribed) return onNext(ws, data);
      if (!data.toString().includes('"connection_ack"')) return;
      subscribed = true;
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
      sockets.push(ws);
      clearTimeout(timer);
      resolve(true);
    });
    ws.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

process.on('message', async (request: FanOutClientRequest) => {
  if (request.type === 'open') {
    let open = 0;
    let failed = 0;
    let next = 0;
    const opener = async () => {
      while (next < request.count) {
        next += 1;
        if (await openOne(request.url, request.query, request.variables)) open += 1;
        else failed += 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(request.concurrency, request.count) }, opener));
    send({ type: 'opened', open, failed });
  } else if (request.type === 'collect') {
    send({ type: 'collected', frames, bytes, firstSocketSha256: digest.digest('hex') });
    counts = new Map();
    frames = 0;
    bytes = 0;
    digest = createHash('sha256');
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
    counts = new Map();
    send({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
