import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Express, Response } from 'express';
import type { Logger } from '../platform/logger.ts';
import { isSubgraphName, type SubgraphName } from '../platform/subgraph-names.ts';

/** The subgraph's headers a download response passes on to the client, and no other. */
const FORWARDED_HEADERS = ['content-type', 'content-disposition', 'cache-control', 'content-length'] as const;

/**
 * Serves the public `GET /downloads/:subgraph/:token` (platform/downloads.ts `signedDownloadUrl`) by
 * forwarding it to `GET /downloads/:token` on that subgraph's origin (from its `/graphql` URL) and
 * streaming the answer back: its status and its `Content-Type`, `Content-Disposition`,
 * `Cache-Control` and `Content-Length`. The token is the subgraph's to verify; the gateway adds no
 * credential and sends none of the client's headers but `x-request-id`.
 *
 * - A `:subgraph` that is not one of platform/subgraph-names.ts: 404 at once.
 * - A subgraph whose answer has not started within `timeoutMs`: 504; one that cannot be reached: 502.
 *
 * Every subgraph listens on its URL in each way the services run (`npm start` and the test stack run
 * them in one process, yet each still on its own port), so the forward is always over HTTP.
 */
export function mountDownloadProxy(
  app: Express,
  options: { subgraphUrls: Record<SubgraphName, string>; timeoutMs: number; log: Logger },
): void {
  app.get('/downloads/:subgraph/:token', async (req, res) => {
    res.set({ 'X-Content-Type-Options': 'nosniff' });
    const { subgraph, token } = req.params;
    if (!isSubgraphName(subgraph)) return plain(res, 404, 'Not found.');
    const target = new URL(`/downloads/${encodeURIComponent(token)}`, options.subgraphUrls[subgraph]);
    const requestId = req.headers['x-request-id'];
    // The deadline is for the subgraph's answer to start; a long body may then take its time.
    const abort = new AbortController();
    const deadline = setTimeout(() => abort.abort(), options.timeoutMs);
    let upstream: globalThis.Response;
    try {
      upstream = await fetch(target, {
        method: req.method === 'HEAD' ? 'HEAD' : 'GET',
        headers: typeof requestId === 'string' ? { 'x-request-id': requestId } : {},
        redirect: 'manual',
        signal: abort.signal,
      });
    } catch (error) {
      const timedOut = abort.signal.aborted;
      options.log.warn({ subgraph, err: error }, 'download forward failed');
      return plain(res, timedOut ? 504 : 502, timedOut ? 'The download timed out.' : 'Bad gateway.');
    } finally {
      clearTimeout(deadline);
    }
    // The client going away stops the subgraph's download too.
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
      options.log.warn({ subgraph, err: error }, 'download stream broken');
    }
  });
}

function plain(res: Response, status: number, message: string): void {
  res.status(status).set('Cache-Control', 'private, no-store').type('text/plain; charset=utf-8').send(message);
}
