import type { Readable } from 'node:stream';
import type { Config } from '../../../platform/config.ts';
import { LocalBlobStore } from './local-blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

/** How long a signed upload form stays valid: 15 minutes (issue 16, "Storage"). */
export const UPLOAD_LINK_SECONDS = 15 * 60;
/** How long a signed download link stays valid: 5 minutes. */
export const DOWNLOAD_LINK_SECONDS = 5 * 60;

/** A browser form upload: POST `fields` and then the file (field `file`, last) as multipart/form-data to `url`. */
export interface UploadForm {
  url: string;
  fields: Record<string, string>;
  expiresAt: Date;
}

/**
 * Where documents keep their bytes. Keys are `firm/<firm id>/<blob id>` (`blobKey`): never a name or
 * client data. Both implementations hand browsers short-lived signed links, each bound to one blob,
 * one method and, for uploads, the declared size, and neither lets an upload overwrite a blob.
 */
export interface BlobStore {
  readonly kind: 'local' | 's3';
  /**
   * A signed form for uploading exactly `byteSize` bytes to `key`, valid `UPLOAD_LINK_SECONDS`.
   * S3: a presigned POST (AWS "Browser-based uploads using POST", Signature Version 4) with an exact
   * `key`, `content-length-range` [byteSize, byteSize] and server-side encryption.
   */
  createUploadForm(input: { key: string; byteSize: number; contentType: string; now?: Date }): Promise<UploadForm>;
  /** A signed GET link for `key`, valid `DOWNLOAD_LINK_SECONDS`, that saves as `filename` (`Content-Disposition: attachment`). */
  createDownloadUrl(input: {
    key: string;
    filename: string;
    contentType: string;
    now?: Date;
  }): Promise<{ url: string; expiresAt: Date }>;
  /** The stored object's size in bytes, or null when there is none. */
  stat(key: string): Promise<{ byteSize: number } | null>;
  /** The stored object's bytes as a stream. @throws when there is none. */
  read(key: string): Promise<Readable>;
  /** Stores bytes the service made itself (a signed PDF), refusing to overwrite. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** Deletes the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
}

/** The key of blob `blobId` of firm `firmId`. */
export function blobKey(firmId: string, blobId: string): string {
  return `firm/${firmId}/${blobId}`;
}

const stores = new WeakMap<Config, BlobStore>();

/**
 * The process's blob store for `config`: S3-compatible when `config.s3` is set, else local files
 * under `<dataDir>/blobs` served by the documents subgraph's own routes. One per config object.
 */
export function blobStoreFor(config: Config): BlobStore {
  let store = stores.get(config);
  if (!store) {
    store = config.s3 ? new S3BlobStore(config.s3) : new LocalBlobStore(config);
    stores.set(config, store);
  }
  return store;
}
