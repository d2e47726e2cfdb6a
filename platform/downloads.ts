import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Config } from './config.ts';
import { SUBGRAPH_NAMES, type SubgraphName } from './subgraph-names.ts';

/**
 * A signed download link's contents: which subgraph serves the file, which of its download kinds
 * (`invoice-pdf`), in which firm, with the kind's own parameters (`{ invoiceId }`), until when.
 * Whoever holds the link may fetch the file until `expiresAt`, like an S3 presigned URL, so a
 * link is handed out only to a caller the API has just authorized for that file.
 */
export interface DownloadPayload {
  subgraph: SubgraphName;
  /** The subgraph's name for what to serve: lower-case letters, digits and `-`, at most 64. */
  kind: string;
  firmId: string;
  /** The kind's parameters; at most 20, keys up to 64 and values up to 512 characters. */
  params: Record<string, string>;
  /** The link works strictly before this instant (millisecond precision). */
  expiresAt: Date;
}

/** How long a download link works unless the caller asks otherwise: 5 minutes, in milliseconds. */
export const DOWNLOAD_LINK_TTL_MS = 5 * 60_000;

/** Longest token `verifyDownload` reads; anything longer is refused before any hashing. */
const MAX_TOKEN_LENGTH = 4096;
const KIND = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** HKDF `info` (RFC 5869 §2.3): binds the derived key to this one use, so it signs nothing else. */
const HKDF_INFO = 'firmgraph download links v1';
/** Prefixed to the payload before it is MACed, so a MAC made for another format never verifies here. */
const MAC_DOMAIN = 'fgdl1.';

const WirePayloadSchema = z.object({
  s: z.enum(SUBGRAPH_NAMES),
  k: z.string().regex(KIND),
  f: z.uuid(),
  p: z
    .record(z.string().min(1).max(64), z.string().max(512))
    .refine((params) => Object.keys(params).length <= 20, 'at most 20 parameters'),
  e: z.number().int().nonnegative(),
});

const keys = new Map<string, Buffer>();

/**
 * The 32-byte HMAC key of download links, derived from `CONTEXT_SIGNING_SECRET` with HKDF-SHA256
 * (RFC 5869; empty salt, info `firmgraph download links v1`), so no further secret has to be
 * configured, and a link's MAC can never be replayed as a signed context or the reverse. Rotating
 * `CONTEXT_SIGNING_SECRET` also invalidates every outstanding link (they live 5 minutes anyway).
 */
function downloadKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, 32));
    keys.set(secret, key);
  }
  return key;
}

function mac(secret: string, encodedPayload: string): Buffer {
  return createHmac('sha256', downloadKey(secret))
    .update(MAC_DOMAIN + encodedPayload)
    .digest();
}

/**
 * Signs a download link's token: `<payload>.<mac>`, both base64url without padding (RFC 4648 §5),
 * so the token is safe in a URL path segment as it is. The payload is the JSON of `payload`; the MAC
 * is HMAC-SHA256 (RFC 2104) under the key HKDF derives from `secret` (`CONTEXT_SIGNING_SECRET`).
 * The token is signed, not encrypted: its holder can read the firm id and parameters, so put no
 * secret in `params`.
 * @param secret `config.contextSigningSecret`.
 * @throws Error when the payload breaks the limits of `DownloadPayload` (a bug in the caller).
 */
export function signDownload(secret: string, payload: DownloadPayload): string {
  const wire = WirePayloadSchema.parse({
    s: payload.subgraph,
    k: payload.kind,
    f: payload.firmId,
    p: payload.params,
    e: payload.expiresAt.getTime(),
  });
  const encoded = Buffer.from(JSON.stringify(wire)).toString('base64url');
  return `${encoded}.${mac(secret, encoded).toString('base64url')}`;
}

/**
 * Verifies a token of `signDownload`: the MAC first, compared in constant time (`timingSafeEqual`),
 * then the payload's shape, then its expiry against `now`.
 * @param secret `config.contextSigningSecret`.
 * @returns the payload, or null when the token is malformed, signed under another secret, altered,
 *   or expired (`now` at or after `expiresAt`). The reasons are not told apart, to the caller or
 *   the client.
 */
export function verifyDownload(secret: string, token: string, now: Date): DownloadPayload | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const [, encoded, signature] = match as unknown as [string, string, string];
  // Compared as text, so the three other spellings of the MAC's last base64url digit are refused too.
  const expected = Buffer.from(mac(secret, encoded).toString('base64url'));
  if (!timingSafeEqual(Buffer.from(signature), expected)) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const wire = WirePayloadSchema.safeParse(json);
  if (!wire.success || now.getTime() >= wire.data.e) return null;
  return {
    subgraph: wire.data.s,
    kind: wire.data.k,
    firmId: wire.data.f,
    params: wire.data.p,
    expiresAt: new Date(wire.data.e),
  };
}

/**
 * Signs a download link and returns its absolute public URL,
 * `<PUBLIC_URL>/downloads/<subgraph>/<token>`: the gateway's route, which forwards it to the
 * subgraph's private `GET /downloads/:token`.
 * @param link what `signDownload` signs, with `ttlMs` (default `DOWNLOAD_LINK_TTL_MS`, 5 minutes)
 *   after `now` (default the current time) instead of an `expiresAt`.
 * @returns the URL and the instant it stops working, for the API to show (`expiresAt`).
 */
export function signedDownloadUrl(
  config: Pick<Config, 'contextSigningSecret' | 'publicUrl'>,
  link: Omit<DownloadPayload, 'expiresAt'> & { ttlMs?: number; now?: Date },
): { url: string; expiresAt: Date } {
  const { ttlMs = DOWNLOAD_LINK_TTL_MS, now = new Date(), ...payload } = link;
  const expiresAt = new Date(now.getTime() + ttlMs);
  const token = signDownload(config.contextSigningSecret, { ...payload, expiresAt });
  return { url: `${config.publicUrl}/downloads/${payload.subgraph}/${token}`, expiresAt };
}

/**
 * The `Content-Disposition` header that makes a browser save the response as `fileName` (RFC 6266):
 * `attachment; filename="<ASCII fallback>"`, plus `filename*=UTF-8''<percent-encoded>` (RFC 8187)
 * when the name is not plain printable ASCII. The fallback replaces `"`, `\`, control and
 * non-ASCII characters with `_`; path separators are replaced in both forms.
 */
export function contentDisposition(fileName: string): string {
  const name = fileName.replace(/[/\\]/g, '_');
  const fallback = name.replace(/[^\x20-\x7e]|"/g, '_');
  if (fallback === name) return `attachment; filename="${fallback}"`;
  // RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else is percent-encoded.
  const encoded = [...Buffer.from(name, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9!#$&+\-.^_`|~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
