import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import S3rver from '@20minutes/s3rver';
import busboy from 'busboy';

/** The S3-compatible server of the tests, and the environment that points a stack at it. */
export interface S3TestServer {
  /** `S3_*` variables for `startTestStack`. */
  env: Record<string, string>;
  /** Requests the strict front refused, by reason (the tests assert on status codes; this helps when one fails). */
  refusals: string[];
  close(): Promise<void>;
}

const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
const REGION = 'us-east-1';
const BUCKET = 'firmgraph-test';

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/** The Signature Version 4 signing key of `date` (YYYYMMDD) for S3 (AWS "Signature Version 4 signing process"). */
function signingKey(date: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${SECRET_KEY}`, date), REGION), 's3'), 'aws4_request');
}

type Condition = Record<string, string> | [string, string | number, string | number];

/**
 * Why a browser-form POST is not one S3 would accept, or null when it is: the checks of AWS's
 * "Browser-Based Uploads Using POST (Signature Version 4)" (Amazon S3 API Reference, "Creating a
 * POST policy"): the policy's signature with the secret key, its expiration, and every form field
 * (and the file's length) matching a condition. s3rver stores any POST without these checks.
 */
function refusePost(bucket: string, fields: Record<string, string>, fileLength: number, now: Date): string | null {
  const policyBase64 = fields['policy'];
  const signature = fields['x-amz-signature'];
  const credential = fields['x-amz-credential'];
  if (!policyBase64 || !signature || !credential) return 'unsigned form';
  const [accessKey, date] = credential.split('/');
  if (accessKey !== ACCESS_KEY || !date) return 'unknown credential';
  if (hmac(signingKey(date), policyBase64).toString('hex') !== signature) return 'signature does not match';
  const policy = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8')) as {
    expiration: string;
    conditions: Condition[];
  };
  if (new Date(policy.expiration).getTime() <= now.getTime()) return 'policy expired';
  const covered = new Set(['policy', 'x-amz-signature', 'file']);
  const values: Record<string, string> = { ...fields, bucket };
  for (const condition of policy.conditions) {
    if (Array.isArray(condition)) {
      const [op, a, b] = condition;
      if (op === 'content-length-range') {
        if (fileLength < Number(a) || fileLength > Number(b)) return 'content-length-range';
        continue;
      }
      const name = String(a).replace(/^\$/, '').toLowerCase();
      covered.add(name);
      const value = values[name] ?? '';
      if (op === 'eq' && value !== b) return `condition eq ${name}`;
      if (op === 'starts-with' && !value.startsWith(String(b))) return `condition starts-with ${name}`;
    } else {
      for (const [rawName, expected] of Object.entries(condition)) {
        const name = rawName.toLowerCase();
        covered.add(name);
        if ((values[name] ?? '') !== expected) return `condition ${name}`;
      }
    }
  }
  const uncovered = Object.keys(fields).filter((name) => !covered.has(name));
  return uncovered.length > 0 ? `fields without a condition: ${uncovered.join(', ')}` : null;
}

/** Reads a multipart body's fields (names lower-cased) and its file's length. */
async function parseForm(headers: IncomingHttpHeaders, body: Buffer) {
  const fields: Record<string, string> = {};
  let fileLength = 0;
  await new Promise<void>((resolve, reject) => {
    const form = busboy({ headers });
    form.on('field', (name, value) => (fields[name.toLowerCase()] = value));
    form.on('file', (_name, file) => file.on('data', (chunk: Buffer) => (fileLength += chunk.length)));
    form.on('close', resolve);
    form.on('error', reject);
    Readable.from([body]).pipe(form);
  });
  return { fields, fileLength };
}

/**
 * Starts s3rver (`@20minutes/s3rver`, the maintained fork) with one bucket, behind a strict front
 * on its own port that does what a private AWS bucket does and s3rver does not: it refuses
 * unsigned requests, and checks browser-form POSTs' policies (`refusePost`). Signed requests
 * (SDK calls, presigned GETs) go on to s3rver, which checks their Signature Version 4 and expiry.
 */
export async function startS3TestServer(): Promise<S3TestServer> {
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: mkdtempSync(join(tmpdir(), 'firmgraph-s3-')),
    configureBuckets: [{ name: BUCKET }],
  });
  const { port: backendPort } = (await s3rver.run()) as AddressInfo;
  const refusals: string[] = [];
  const refuse = (res: ServerResponse, status: number, reason: string) => {
    refusals.push(reason);
    res
      .writeHead(status, { 'content-type': 'application/xml' })
      .end(`<Error><Code>AccessDenied</Code><Message>${reason}</Message></Error>`);
  };
  const front: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://front');
    const isForm = req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    if (isForm) {
      const bucket = url.pathname.split('/')[1] ?? '';
      const { fields, fileLength } = await parseForm(req.headers, body);
      const reason = refusePost(bucket, fields, fileLength, new Date());
      if (reason) return refuse(res, reason === 'content-length-range' ? 400 : 403, reason);
    } else if (!req.headers.authorization && !url.searchParams.has('X-Amz-Signature')) {
      return refuse(res, 403, 'unsigned request');
    }
    const forwarded = request(
      { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers },
      (backend) => {
        res.writeHead(backend.statusCode ?? 502, backend.headers);
        backend.pipe(res);
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    forwarded.end(body);
  });
  front.listen(0, '127.0.0.1');
  await new Promise((resolve) => front.once('listening', resolve));
  const { port } = front.address() as AddressInfo;
  return {
    env: {
      S3_BUCKET: BUCKET,
      S3_REGION: REGION,
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: SECRET_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    },
    refusals,
    close: async () => {
      await new Promise((resolve) => front.close(resolve));
      await s3rver.close();
    },
  };
}
