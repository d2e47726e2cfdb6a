import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  contentDisposition,
  DOWNLOAD_LINK_TTL_MS,
  signDownload,
  signedDownloadUrl,
  verifyDownload,
} from './downloads.ts';

const SECRET = 'download-test-secret-0123456789abcdefghijkl';
const FIRM = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const NOW = new Date('2026-03-05T10:00:00.000Z');
const payload = {
  subgraph: 'billing' as const,
  kind: 'invoice-pdf',
  firmId: FIRM,
  params: { invoiceId: '0190a1b2-c3d4-7e5f-8a9b-000000000001' },
  expiresAt: new Date(NOW.getTime() + 60_000),
};

/** `token` with the character at `index` replaced by another base64url character. */
function flip(token: string, index: number): string {
  const replacement = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe('signDownload / verifyDownload', () => {
  it('round-trips the payload while the link is live', () => {
    const token = signDownload(SECRET, payload);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyDownload(SECRET, token, NOW)).toEqual(payload);
  });

  it('refuses the token from its expiry instant on', () => {
    const token = signDownload(SECRET, payload);
    expect(verifyDownload(SECRET, token, new Date(payload.expiresAt.getTime() - 1))).not.toBeNull();
    expect(verifyDownload(SECRET, token, payload.expiresAt)).toBeNull();
    expect(verifyDownload(SECRET, token, new Date(payload.expiresAt.getTime() + 3_600_000))).toBeNull();
  });

  it('refuses a token signed under another secret', () => {
    const token = signDownload('another-secret-0123456789abcdefghijklmnop', payload);
    expect(verifyDownload(SECRET, token, NOW)).toBeNull();
  });

  it('refuses any altered character of the payload or the MAC', () => {
    const token = signDownload(SECRET, payload);
    const dot = token.indexOf('.');
    for (const index of [0, Math.floor(dot / 2), dot - 1, dot + 1, token.length - 1]) {
      expect(verifyDownload(SECRET, flip(token, index), NOW)).toBeNull();
    }
  });

  it('refuses a payload re-encoded with a later expiry or another firm under the old MAC', () => {
    const [, signature] = signDownload(SECRET, payload).split('.');
    for (const change of [
      { e: payload.expiresAt.getTime() + 86_400_000 },
      { f: '0190a1b2-c3d4-7e5f-8a9b-ffffffffffff' },
    ]) {
      const wire = {
        s: 'billing',
        k: payload.kind,
        f: FIRM,
        p: payload.params,
        e: payload.expiresAt.getTime(),
        ...change,
      };
      const forged = `${Buffer.from(JSON.stringify(wire)).toString('base64url')}.${signature}`;
      expect(verifyDownload(SECRET, forged, NOW)).toBeNull();
    }
  });

  it('refuses malformed tokens without throwing', () => {
    const token = signDownload(SECRET, payload);
    for (const bad of [
      '',
      '.',
      'abc',
      `${token}.x`,
      token.replace('.', ''),
      `${token}=`,
      'x'.repeat(5000),
      `a.${'A'.repeat(43)}`,
    ]) {
      expect(verifyDownload(SECRET, bad, NOW)).toBeNull();
    }
  });

  it('MACs with the key HKDF derives from the secret (RFC 5869), never with the secret itself', () => {
    const [encoded, signature] = signDownload(SECRET, payload).split('.') as [string, string];
    const derived = Buffer.from(hkdfSync('sha256', SECRET, Buffer.alloc(0), 'firmgraph download links v1', 32));
    const hmac = (key: string | Buffer) => createHmac('sha256', key).update(`fgdl1.${encoded}`).digest('base64url');
    expect(signature).toBe(hmac(derived));
    expect(signature).not.toBe(hmac(SECRET));
  });

  it('refuses to sign a payload outside the limits', () => {
    expect(() => signDownload(SECRET, { ...payload, kind: 'Invoice PDF' })).toThrow();
    expect(() => signDownload(SECRET, { ...payload, firmId: 'not-a-uuid' })).toThrow();
  });
});

describe('signedDownloadUrl', () => {
  it('builds the public gateway URL of a link that lives five minutes by default', () => {
    const config = { contextSigningSecret: SECRET, publicUrl: 'https://api.example.com' };
    const { url, expiresAt } = signedDownloadUrl(config, { ...payload, now: NOW });
    expect(expiresAt).toEqual(new Date(NOW.getTime() + DOWNLOAD_LINK_TTL_MS));
    expect(DOWNLOAD_LINK_TTL_MS).toBe(300_000);
    const match = /^https:\/\/api\.example\.com\/downloads\/billing\/([^/]+)$/.exec(url);
    expect(match).not.toBeNull();
    expect(verifyDownload(SECRET, match![1]!, NOW)).toEqual({ ...payload, expiresAt });
  });
});

describe('contentDisposition', () => {
  it('quotes a plain ASCII name (RFC 6266)', () => {
    expect(contentDisposition('INV-2026-00001.pdf')).toBe('attachment; filename="INV-2026-00001.pdf"');
  });

  it('adds the UTF-8 form (RFC 8187) and an ASCII fallback for other names', () => {
    expect(contentDisposition('Facture Zoë "final".pdf')).toBe(
      `attachment; filename="Facture Zo_ _final_.pdf"; filename*=UTF-8''Facture%20Zo%C3%AB%20%22final%22.pdf`,
    );
  });

  it('never lets a name carry a path or break the header', () => {
    expect(contentDisposition('../etc/passwd\r\nX: y')).toBe(
      `attachment; filename=".._etc_passwd__X: y"; filename*=UTF-8''.._etc_passwd%0D%0AX%3A%20y`,
    );
  });
});
