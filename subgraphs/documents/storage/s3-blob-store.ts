import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../../../platform/config.ts';
import { DOWNLOAD_LINK_SECONDS, UPLOAD_LINK_SECONDS, type BlobStore, type UploadForm } from './blob-store.ts';
import { contentDisposition } from '../../../platform/downloads.ts';

const SSE = 'AES256';

/**
 * Blobs in an S3-compatible bucket (`S3_BUCKET`, `S3_REGION`, `S3_ENDPOINT`), encrypted at rest
 * with SSE-S3 (`x-amz-server-side-encryption: AES256`). Uploads are presigned POSTs, which, unlike
 * a presigned PUT, can bound the size and fix the key (AWS S3 API, "POST Object" policy conditions);
 * downloads are presigned GETs (Signature Version 4 query authentication).
 */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(s3: NonNullable<Config['s3']>) {
    this.bucket = s3.bucket;
    this.client = new S3Client({
      region: s3.region,
      endpoint: s3.endpoint,
      credentials: s3.credentials,
      forcePathStyle: s3.forcePathStyle,
    });
  }

  async createUploadForm({
    key,
    byteSize,
    contentType,
  }: {
    key: string;
    byteSize: number;
    contentType: string;
  }): Promise<UploadForm> {
    const expiresAt = new Date(Date.now() + UPLOAD_LINK_SECONDS * 1000);
    const { url, fields } = await createPresignedPost(this.client, {
      Bucket: this.bucket,
      Key: key,
      Expires: UPLOAD_LINK_SECONDS,
      Fields: { 'Content-Type': contentType, 'x-amz-server-side-encryption': SSE },
      Conditions: [
        ['content-length-range', byteSize, byteSize],
        ['eq', '$Content-Type', contentType],
        ['eq', '$x-amz-server-side-encryption', SSE],
      ],
    });
    return { url, fields, expiresAt };
  }

  async createDownloadUrl({ key, filename, contentType }: { key: string; filename: string; contentType: string }) {
    const expiresAt = new Date(Date.now() + DOWNLOAD_LINK_SECONDS * 1000);
    const url = await getSignedUrl(
      this.client,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: contentDisposition(filename),
        ResponseContentType: contentType,
      }),
      { expiresIn: DOWNLOAD_LINK_SECONDS },
    );
    return { url, expiresAt };
  }

  async stat(key: string) {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { byteSize: head.ContentLength ?? 0 };
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return null;
      throw error;
    }
  }

  async read(key: string): Promise<Readable> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return object.Body as Readable;
  }

  async put(key: string, bytes: Uint8Array, contentType: string) {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: contentType,
        ServerSideEncryption: SSE,
        IfNoneMatch: '*',
      }),
    );
  }

  async delete(key: string) {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
