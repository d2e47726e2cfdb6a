import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Express, Request, Response } from 'express';
import type { Logger } from '../platform/logger.ts';
import { isSubgraphName, type SubgraphName } from '../platform/subgraph-names.ts';

/** The subgraph's headers a forwarded response passes on to the client, and no other. */
const FORWARDED_HEADERS = ['content-type', 'content-disposition', 'cache-control', 'content-length'] as const;

/**
 * Serves the public signed-link routes by forwarding each to the same route, less the subgraph's
 * name, on that subgraph's origin (from its `/graphql` URL), and streaming the answer back: its
 * status and its `Content-Type`, `Content-Disposition`, `Cache-Control` and `Content-Length`. The
 * token is the subgraph's to verify; the gateway adds no credential.
 *
 * - `GET` (and `HEAD`) `/downloads/:subgraph/:token` (platform/downloads.ts `signedDownloadUrl`) →
 *   `GET /downloads/:token`; of the client's headers only `x-request-id` is sent.
 * - `POST /uploads/:subgraph/:token` (a browser form upload to the documents' local blob store) →
 *   `POST /uploads/:token`, the request body streamed through as it arrives, never buffered, with the
 *   client's `Content-Type` (the multipart boundary) and `Content-Length` as well. The subgraph bounds
 *   the size from its token.
 * - A `:subgraph` that is not one of platform/subgraph-names.ts: 404 at once.
 * - A subgraph whose answer has not started within `timeoutMs`: 504; one that cannot be reached: 502.
 *   For an upload the deadline restarts with each chunk of the body forwarded: a large upload may take
 *   its time, a sender that stalls for `timeoutMs` does not hold the connection.
 *
 * Every subgraph listens on its URL in each way the services run (`npm start` and the test stack run
 * them in one process, yet each still on its own port), so the forward is always over HTTP.
 */
export function mountDownloadProxy(
  app: Express,
  options: { subgraphUrls: Record<SubgraphName, string>; timeoutMs: number; log: Logger },
): void {
  app.get('/downloads/:subgraph/:token', (req, res) => forward(req, res, 'downloads', options));
  app.post('/uploads/:subgraph/:token', (req, res) => forward(req, res, 'uploads', options));
}

async function forward(
  req: Request,
  res: Response,
  route: 'downloads' | 'uploads',
  options: { subgraphUrls: Record<SubgraphName, string>; timeoutMs: number; log: Logger },
): Promise<void> {
  res.set({ 'X-Content-Type-Options': 'nosniff' });
  const subgraph = req.params.subgraph as string;
  const token = req.params.token as string;
  if (!isSubgraphName(subgraph)) return plain(res, 404, 'Not found.');
  const target = new URL(`/${route}/${encodeURIComponent(token)}`, options.subgraphUrls[subgraph]);
  const headers: Record<string, string> = {};
  const passed = route === 'uploads' ? ['x-request-id', 'content-type', 'content-length'] : ['x-request-id'];
  for (const name of passed) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  // The deadline is for the subgraph's answer to start; a long body may then take its time.
  const abort = new AbortController();
  let deadline = setTimeout(() => abort.abort(), options.timeoutMs);
  const body =
    route === 'uploads'
      ? req.pipe(
          new Transform({
            transform(chunk, _encoding, done) {
              clearTimeout(deadline);
              deadline = setTimeout(() => abort.abort(), options.timeoutMs);
              done(null, chunk);
            },
          }),
        )
      : null;
  let upstream: globalThis.Response;
  try {
    upstream = await fetch(target, {
      method: route === 'uploads' ? 'POST' : req.method === 'HEAD' ? 'HEAD' : 'GET',
      headers,
      ...(body ? { body: Readable.toWeb(body) as ReadableStream, duplex: 'half' } : {}),
      redirect: 'manual',
      signal: abort.signal,
    } as RequestInit);
  } catch (error) {
    const timedOut = abort.signal.aborted;
    options.log.warn({ subgraph, err: error }, `${route} forward failed`);
    return plain(res, timedOut ? 504 : 502, timedOut ? 'The request timed out.' : 'Bad gateway.');
  } finally {
    clearTimeout(deadline);
  }
  // The client going away stops the subgraph's answer too.
  res.on('close', () => abort.abort());
  res.status(upstream.status);
  for (const name of FORWARDED_HEADERS) {
    const value = upstream.headers.get(name);
    // fetch decodes a compressed body, so its length would no longer be the encoded one.
    if (value !== null && !(name === 'content-length' && upstream.headers.has('content-encoding')))
      res.setHeader(name, value);
  }
  if (!upstream.headers.has('cache-control')) res.setHeader('cache-control', 'private, no-store');
  if (!upstream.body) return void res.end();
  try {
    // The DOM and node:stream/web typings of one and the same ReadableStream differ.
    await pipeline(Readable.fromWeb(upstream.body as NodeReadableStream<Uint8Array>), res);
  } catch (error) {
    // Headers are gone by now: the client sees a cut-off body, as for any broken download.
    options.log.warn({ subgraph, err: error }, `${route} stream broken`);
  }
}

function plain(res: Response, status: number, message: string): void {
  res.status(status).set('Cache-Control', 'private, no-store').type('text/plain; charset=utf-8').send(message);
}
