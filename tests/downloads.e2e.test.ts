import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../gateway/server.ts';
import { signDownload, type DownloadPayload } from '../platform/downloads.ts';
import type { RunningServer } from '../platform/http.ts';
import { createLogger } from '../platform/logger.ts';
import type { SubgraphName } from '../platform/subgraph-names.ts';
import {
  mountDownloadRoutes,
  type DownloadHandler,
  type DownloadHandlers,
} from '../subgraphs/billing/downloads/download-routes.ts';
import { useStackWithAdmin } from './support/suite.ts';

const env = useStackWithAdmin();

/** A live link's payload for billing; `overrides` change any part of it. */
function link(overrides: Partial<DownloadPayload> = {}): DownloadPayload {
  return {
    subgraph: 'billing',
    kind: 'test-file',
    firmId: randomUUID(),
    params: { fileId: randomUUID() },
    expiresAt: new Date(Date.now() + 60_000),
    ...overrides,
  };
}

const sign = (payload: DownloadPayload) => signDownload(env.t.config.contextSigningSecret, payload);

async function download(base: string, path: string) {
  const response = await fetch(`${base}${path}`);
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

describe('GET /downloads/:subgraph/:token on the gateway, to the real billing subgraph', () => {
  const gateway = () => env.t.stack.gateway.url;

  it('answers 403 with a short plain message for a token that is not one', async () => {
    const { response, body } = await download(gateway(), '/downloads/billing/not-a-token');
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(body.toString()).toBe('This download link is invalid or has expired.');
  });

  it('answers 403 for an expired token, a forged one and one signed with another secret', async () => {
    const expired = sign(link({ expiresAt: new Date(Date.now() - 1000) }));
    const valid = sign(link());
    const forged = `${valid.split('.')[0]}.${'A'.repeat(43)}`;
    const otherSecret = signDownload('some-other-secret-0123456789abcdefghijklmn', link());
    for (const token of [expired, forged, otherSecret]) {
      const { response } = await download(gateway(), `/downloads/billing/${token}`);
      expect(response.status).toBe(403);
    }
  });

  it('answers 403 at billing for a valid token signed for another subgraph', async () => {
    const { response } = await download(gateway(), `/downloads/billing/${sign(link({ subgraph: 'documents' }))}`);
    expect(response.status).toBe(403);
  });

  it('answers 404 for a valid token of a kind billing does not serve', async () => {
    const { response, body } = await download(gateway(), `/downloads/billing/${sign(link({ kind: 'no-such-kind' }))}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(body.toString()).toBe('Not found.');
  });

  it('answers 404 without forwarding for a subgraph name that is not one of the four', async () => {
    for (const name of ['payments', 'gateway', 'constructor', 'BILLING']) {
      const { response, body } = await download(gateway(), `/downloads/${encodeURIComponent(name)}/${sign(link())}`);
      expect(response.status).toBe(404);
      expect(body.toString()).toBe('Not found.');
    }
  });
});

describe('the gateway streams what a subgraph download handler serves', () => {
  const log = createLogger('silent', 'test');
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(256 * 1024, 0x41), Buffer.from('\n%%EOF')]);
  const seen: DownloadPayload[] = [];
  const handlers: DownloadHandlers = {
    'test-file': (async (_deps, payload) => {
      seen.push(payload);
      return payload.params.fileId === 'missing'
        ? null
        : { fileName: 'Facture Zoë 2026.pdf', contentType: 'application/pdf', body: pdf };
    }) satisfies DownloadHandler,
    'test-broken': async () => {
      throw new Error('storage unavailable');
    },
  };
  let billing: Server;
  let gateway: RunningServer;

  beforeAll(async () => {
    // A billing stand-in with billing's download route and test handlers, behind a second gateway.
    const app = express();
    mountDownloadRoutes(app, { database: env.t.databases.billing, config: env.t.config, log }, handlers);
    billing = createServer(app).listen(0, '127.0.0.1');
    await once(billing, 'listening');
    const subgraphUrls = Object.fromEntries(
      Object.entries(env.t.stack.subgraphs).map(([name, server]) => [name, `${server.url}/graphql`]),
    ) as Record<SubgraphName, string>;
    subgraphUrls.billing = `http://127.0.0.1:${(billing.address() as AddressInfo).port}/graphql`;
    gateway = await startGateway({
      config: env.t.config,
      database: env.t.databases.gateway,
      log,
      port: 0,
      subgraphUrls,
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    billing?.close();
  });

  it('passes the file, its status and its download headers through, with the verified payload given to the handler', async () => {
    const payload = link({ params: { fileId: 'f-1' } });
    const { response, body } = await download(gateway.url, `/downloads/billing/${sign(payload)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Facture Zo_ 2026.pdf"; filename*=UTF-8''Facture%20Zo%C3%AB%202026.pdf`,
    );
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-length')).toBe(String(pdf.length));
    expect(body.equals(pdf)).toBe(true);
    expect(seen.at(-1)).toEqual(payload);
  });

  it('answers 404 when the handler finds no file', async () => {
    const { response } = await download(
      gateway.url,
      `/downloads/billing/${sign(link({ params: { fileId: 'missing' } }))}`,
    );
    expect(response.status).toBe(404);
  });

  it('answers 500 with the generic message when the handler throws', async () => {
    const { response, body } = await download(gateway.url, `/downloads/billing/${sign(link({ kind: 'test-broken' }))}`);
    expect(response.status).toBe(500);
    expect(body.toString()).toBe('Internal server error.');
  });

  it('answers 502 when the subgraph cannot be reached', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const subgraphUrls = Object.fromEntries(
      Object.entries(env.t.stack.subgraphs).map(([name, server]) => [name, `${server.url}/graphql`]),
    ) as Record<SubgraphName, string>;
    subgraphUrls.billing = `http://127.0.0.1:${port}/graphql`;
    const orphan = await startGateway({
      config: env.t.config,
      database: env.t.databases.gateway,
      log,
      port: 0,
      subgraphUrls,
    });
    try {
      const { response, body } = await download(orphan.url, `/downloads/billing/${sign(link())}`);
      expect(response.status).toBe(502);
      expect(body.toString()).toBe('Bad gateway.');
    } finally {
      await orphan.stop();
    }
  });
});
