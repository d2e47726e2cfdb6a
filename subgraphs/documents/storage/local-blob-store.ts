import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import busboy from 'busboy';
import type { Express, Request, Response } from 'express';
import type { Config } from '../../../platform/config.ts';
import { DOWNLOAD_LINK_SECONDS, UPLOAD_LINK_SECONDS, type BlobStore, type UploadForm } from './blob-store.ts';
import { contentDisposition } from './content-disposition.ts';
import { linkKey, signLink, verifyLink } from './link-tokens.ts';

const isNotFound = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Blobs as files under `<DATA_DIR>/blobs/<key>`, the default when no bucket is configured. Links
 * are HMAC-signed tokens (`link-tokens.ts`) that the documents subgraph's own routes check
 * (`mountLocalBlobRoutes`); browsers reach them through the gateway's origin
 * (`<PUBLIC_URL>/uploads/documents/<token>`, `/downloads/documents/<token>`).
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local';
  private readonly root: string;
  private readonly key: Buffer;
  private readonly publicUrl: string;

  constructor(config: Pick<Config, 'dataDir' | 'contextSigningSecret' | 'publicUrl'>) {
    this.root = join(config.dataDir, 'blobs');
    this.key = linkKey(config.contextSigningSecret);
    this.publicUrl = config.publicUrl;
  }

  private path(key: string) {
    return join(this.root, key);
  }

  async createUploadForm({
    key,
    byteSize,
    contentType,
    now = new Date(),
  }: {
    key: string;
    byteSize: number;
    contentType: string;
    now?: Date;
  }): Promise<UploadForm> {
    const expiresAt = new Date(now.getTime() + UPLOAD_LINK_SECONDS * 1000);
    const token = signLink(this.key, {
      key,
      method: 'POST',
      byteSize,
      contentType,
      expiresAt: Math.floor(expiresAt.getTime() / 1000),
    });
    return {
      url: `${this.publicUrl}/uploads/documents/${token}`,
      fields: { key, 'Content-Type': contentType },
      expiresAt,
    };
  }

  async createDownloadUrl({
    key,
    filename,
    contentType,
    now = new Date(),
  }: {
    key: string;
    filename: string;
    contentType: string;
    now?: Date;
  }) {
    const expiresAt = new Date(now.getTime() + DOWNLOAD_LINK_SECONDS * 1000);
    const token = signLink(this.key, {
      key,
      method: 'GET',
      contentType,
      filename,
      expiresAt: Math.floor(expiresAt.getTime() / 1000),
    });
    return { url: `${this.publicUrl}/downloads/documents/${token}`, expiresAt };
  }

  async stat(key: string) {
    try {
      return { byteSize: (await stat(this.path(key))).size };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async read(key: string): Promise<Readable> {
    await stat(this.path(key));
    return createReadStream(this.path(key));
  }

  async put(key: string, bytes: Uint8Array) {
    await mkdir(dirname(this.path(key)), { recursive: true });
    await writeFile(this.path(key), bytes, { flag: 'wx' });
  }

  async delete(key: string) {
    await rm(this.path(key), { force: true });
  }

  /**
   * Receives a browser form upload for `token` (a POST link of `createUploadForm`): multipart fields
   * `key` and `Content-Type` must repeat the link's, and the one `file` part must be exactly the
   * link's size. The blob is written beside its place and linked in only when complete, so a
   * refused upload leaves nothing and an existing blob is never overwritten.
   * @returns the HTTP status and S3-style error code: 204 stored; 403 bad or expired link, or a
   *   field that differs from it; 400 wrong size or malformed form; 409 the blob already exists.
   */
  async receive(token: string, req: Request): Promise<{ status: number; code?: string }> {
    const claims = verifyLink(this.key, token, 'POST');
    if (!claims) return { status: 403, code: 'AccessDenied' };
    const final = this.path(claims.key);
    if (await this.stat(claims.key)) return { status: 409, code: 'ObjectAlreadyExists' };
    await mkdir(dirname(final), { recursive: true });
    const partial = `${final}.${randomUUID()}.part`;
    const fields: Record<string, string> = {};
    let outcome: { status: number; code?: string } | null = null;
    let writing: Promise<void> | null = null;
    try {
      const form = busboy({ headers: req.headers, limits: { files: 1, fileSize: claims.byteSize! + 1, fields: 10 } });
      const done = new Promise<void>((resolve, reject) => {
        form.on('field', (name, value) => (fields[name] = value));
        form.on('file', (name, file) => {
          if (name !== 'file' || fields.key !== claims.key || fields['Content-Type'] !== claims.contentType) {
            outcome = { status: 403, code: 'AccessDenied' };
            file.resume();
            return;
          }
          let size = 0;
          file.on('data', (chunk: Buffer) => (size += chunk.length));
          writing = pipeline(file, createWriteStream(partial, { flags: 'wx' })).then(() => {
            if (file.truncated || size > claims.byteSize!) outcome = { status: 400, code: 'EntityTooLarge' };
            else if (size !== claims.byteSize) outcome = { status: 400, code: 'EntityTooSmall' };
          });
        });
        form.on('close', resolve);
        form.on('error', reject);
      });
      req.pipe(form);
      await done;
      // The file part's write may still be flushing when busboy closes.
      if (writing) await writing;
      else if (!outcome) outcome = { status: 400, code: 'InvalidArgument' };
      if (outcome) return outcome;
      try {
        await link(partial, final);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { status: 409, code: 'ObjectAlreadyExists' };
        throw error;
      }
      return { status: 204 };
    } catch {
      return { status: 400, code: 'MalformedPOSTRequest' };
    } finally {
      await unlink(partial).catch(() => undefined);
    }
  }

  /** Serves a GET link of `createDownloadUrl`: 200 with the bytes, 403 for a bad or expired link, 404 when the blob is gone. */
  async serve(token: string, res: Response): Promise<void> {
    const claims = verifyLink(this.key, token, 'GET');
    if (!claims) {
      res.status(403).json({ code: 'AccessDenied' });
      return;
    }
    const found = await this.stat(claims.key);
    if (!found) {
      res.status(404).json({ code: 'NoSuchKey' });
      return;
    }
    res.setHeader('content-type', claims.contentType);
    res.setHeader('content-length', String(found.byteSize));
    res.setHeader('content-disposition', contentDisposition(claims.filename ?? 'download'));
    res.setHeader('cache-control', 'private, no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    await pipeline(createReadStream(this.path(claims.key)), res);
  }
}

/**
 * Mounts the local store's private routes on the documents subgraph: `POST /uploads/:token` and
 * `GET /downloads/:token`, which the gateway forwards from `/uploads/documents/:token` and
 * `/downloads/documents/:token`. Nothing is mounted for an S3 store.
 */
export function mountLocalBlobRoutes(app: Express, store: BlobStore): void {
  if (!(store instanceof LocalBlobStore)) return;
  app.post('/uploads/:token', async (req, res) => {
    const { status, code } = await store.receive(req.params.token, req);
    if (status === 204) res.status(204).end();
    else res.status(status).json({ code });
  });
  app.get('/downloads/:token', async (req, res) => {
    await store.serve(req.params.token, res);
  });
}
