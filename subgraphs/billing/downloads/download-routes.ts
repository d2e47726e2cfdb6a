import type { Express, Response } from 'express';
import type { Database } from '../../../db/client.ts';
import type { Config } from '../../../platform/config.ts';
import { contentDisposition, verifyDownload, type DownloadPayload } from '../../../platform/downloads.ts';
import type { Logger } from '../../../platform/logger.ts';

/** One file a download handler serves. */
interface DownloadFile {
  /** The name the browser saves it as; any characters (sent per RFC 6266 / RFC 8187). */
  fileName: string;
  /** Its media type, e.g. `application/pdf`. */
  contentType: string;
  body: Buffer | string;
}

/**
 * What serves one download kind: given billing's pool and config and a verified, unexpired link's
 * payload (`payload.firmId` is the firm the link was signed for, `payload.params` the kind's
 * parameters), it loads the file, reading in a transaction of that firm as any billing work does.
 * @returns the file, or null when it does not exist (answered 404, as a file of another firm is).
 */
export type DownloadHandler = (
  deps: { database: Database; config: Config },
  payload: DownloadPayload,
) => Promise<DownloadFile | null>;

/** Billing's download kinds, by the `kind` of their links (`invoice-pdf`). */
export type DownloadHandlers = Readonly<Record<string, DownloadHandler>>;

const INVALID_LINK = 'This download link is invalid or has expired.';

/**
 * Serves billing's signed download links on `GET /downloads/:token`, the private end of the
 * gateway's public `GET /downloads/billing/:token`. The token (platform/downloads.ts) is the only
 * credential: no signed context is needed, as with an S3 presigned URL.
 *
 * - A malformed, forged, expired token, or one signed for another subgraph: 403, plain text.
 * - A kind `handlers` does not hold, or a handler's null: 404.
 * - A handler that throws: 500, logged with the kind and the error, never the parameters.
 * - Otherwise 200 with the file, `Content-Disposition: attachment` (RFC 6266).
 *
 * Every answer carries `Cache-Control: private, no-store` (the file is a tenant's, the link short-lived)
 * and `X-Content-Type-Options: nosniff`.
 */
export function mountDownloadRoutes(
  app: Express,
  deps: { database: Database; config: Config; log: Logger },
  handlers: DownloadHandlers,
): void {
  const { log, ...handlerDeps } = deps;
  app.get('/downloads/:token', async (req, res) => {
    res.set({ 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' });
    const payload = verifyDownload(deps.config.contextSigningSecret, req.params.token, new Date());
    if (!payload || payload.subgraph !== 'billing') return plain(res, 403, INVALID_LINK);
    const handler = Object.hasOwn(handlers, payload.kind) ? handlers[payload.kind] : undefined;
    if (!handler) return plain(res, 404, 'Not found.');
    let file: DownloadFile | null;
    try {
      file = await handler(handlerDeps, payload);
    } catch (error) {
      log.error({ err: error, downloadKind: payload.kind }, 'download failed');
      return plain(res, 500, 'Internal server error.');
    }
    if (!file) return plain(res, 404, 'Not found.');
    res
      .status(200)
      .set({ 'Content-Type': file.contentType, 'Content-Disposition': contentDisposition(file.fileName) })
      .send(file.body);
  });
}

function plain(res: Response, status: number, message: string): void {
  res.status(status).type('text/plain; charset=utf-8').send(message);
}
