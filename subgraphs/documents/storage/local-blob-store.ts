import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import busboy from 'busboy';
import type { Express, Request, Response } from 'express';
import type { Config } from '../../../platform/config.ts';
import { blobKey, DOWNLOAD_LINK_SECONDS, UPLOAD_LINK_SECONDS, type BlobStore, type UploadForm } from './blob-store.ts';
import { contentDisposition, signDownload, verifyDownload } from '../../../platform/downloads.ts';

const isNotFound = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/** The platform/downloads.ts kinds of the local store's links: one per method, so neither link works as the other. */
const UPLOAD_KIND = 'blob-upload';
const DOWNLOAD_KIND = 'blob-download';
const KEY = /^firm\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/;

/** The claims a verified local link carries: the blob's key and what the link's kind says about it. */
interface LinkClaims {
  key: string;
  contentType: string;
  /** Upload links: the exact size in bytes. */
  byteSize: number;
  /** Download links: the name the file is saved as. */
  filename: string;
}

/**
 * Blobs as files under `<DATA_DIR>/blobs/<key>`, the default when no bucket is configured. Links are
 * the platform's signed link tokens (platform/downloads.ts: HMAC-SHA256 under a key HKDF derives from
 * `CONTEXT_SIGNING_SECRET`), of kind `blob-upload` or `blob-download`, bound to one blob, one method
 * and, for uploads, the declared size and type. Browsers reach them at the gateway's origin
 * (`<PUBLIC_URL>/uploads/documents/<token>`, `/downloads/documents/<token>`), which forwards them to
 * this subgraph's own routes (`mountLocalBlobRoutes`).
 */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local';
  private readonly root: string;

  // The config is read at each link, not copied: a test stack learns its gateway's origin after start.
  constructor(private readonly config: Pick<Config, 'dataDir' | 'contextSigningSecret' | 'publicUrl'>) {
    this.root = join(config.dataDir, 'blobs');
  }

  private path(key: string) {
    return join(this.root, key);
  }

  private sign(key: string, kind: string, params: Record<string, string>, expiresAt: Date): string {
    const [, firmId, blobId] = KEY.exec(key) ?? [];
    if (!firmId || !blobId) throw new Error('A blob key is firm/<firm id>/<blob id>');
    return signDownload(this.config.contextSigningSecret, {
      subgraph: 'documents',
      kind,
      firmId,
      params: { blobId, ...params },
      expiresAt,
    });
  }

  private verify(token: string, kind: string, now = new Date()): LinkClaims | null {
    const payload = verifyDownload(this.config.contextSigningSecret, token, now);
    if (!payload || payload.subgraph !== 'documents' || payload.kind !== kind) return null;
    const { blobId, contentType, byteSize, filename } = payload.params;
    if (!blobId || !contentType) return null;
    return {
      key: blobKey(payload.firmId, blobId),
      contentType,
      byteSize: Number(byteSize ?? 0),
      filename: filename ?? 'download',
    };
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
    const token = this.sign(key, UPLOAD_KIND, { byteSize: String(byteSize), contentType }, expiresAt);
    return {
      url: `${this.config.publicUrl}/uploads/documents/${token}`,
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
    const token = this.sign(key, DOWNLOAD_KIND, { contentType, filename }, expiresAt);
    return { url: `${this.config.publicUrl}/downloads/documents/${token}`, expiresAt };
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
    const claims = this.verify(token, UPLOAD_KIND);
    if (!claims) return { status: 403, code: 'AccessDenied' };
    const final = this.path(claims.key);
    if (await this.stat(claims.key)) return { status: 409, code: 'ObjectAlreadyExists' };
    await mkdir(dirname(final), { recursive: true });
    const partial = `${final}.${randomUUID()}.part`;
    const fields: Record<string, string> = {};
    let outcome: { status: number; code?: string } | null = null;
    let writing: Promise<void> | null = null;
    try {
      const form = busboy({ headers: req.headers, limits: { files: 1, fileSize: claims.byteSize + 1, fields: 10 } });
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
            if (file.truncated || size > claims.byteSize) outcome = { status: 400, code: 'EntityTooLarge' };
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
    const claims = this.verify(token, DOWNLOAD_KIND);
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
    res.setHeader('content-disposition', contentDisposition(claims.filename));
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
