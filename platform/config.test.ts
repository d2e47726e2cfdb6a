import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const dataDir = () => mkdtempSync(join(tmpdir(), 'firmgraph-config-'));

describe('loadConfig', () => {
  it('applies defaults and derives subgraph URLs from ports', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), CRM_PORT: '5002' });
    expect(config.gatewayPort).toBe(4000);
    expect(config.subgraphUrls.crm).toBe('http://127.0.0.1:5002/graphql');
    expect(config.subgraphUrls.tenancy).toBe('http://127.0.0.1:4001/graphql');
    expect(config.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('takes PUBLIC_URL as an http(s) origin with an optional path, and defaults it to localhost on PORT', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), PORT: '4100' }).publicUrl).toBe('http://localhost:4100');
    expect(loadConfig({ DATA_DIR: dataDir(), PUBLIC_URL: 'https://api.example.com/' }).publicUrl).toBe(
      'https://api.example.com',
    );
    expect(loadConfig({ DATA_DIR: dataDir(), PUBLIC_URL: 'https://example.com/firmgraph' }).publicUrl).toBe(
      'https://example.com/firmgraph',
    );
    for (const bad of ['api.example.com', 'ftp://example.com', 'https://example.com/?a=1', 'https://u:p@example.com']) {
      expect(() => loadConfig({ DATA_DIR: dataDir(), PUBLIC_URL: bad })).toThrow(
        /^Invalid configuration:\nPUBLIC_URL: /,
      );
    }
  });

  it('keeps development secrets stable across processes through the data directory', () => {
    const dir = dataDir();
    expect(loadConfig({ DATA_DIR: dir }).contextSigningSecret).toBe(loadConfig({ DATA_DIR: dir }).contextSigningSecret);
  });

  it('names every bad value on its own line, without echoing secrets', () => {
    const secret = 'short-secret-value';
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_SECRET: secret, DATA_DIR: dataDir() });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const lines = (error as Error).message.split('\n');
      expect(lines[0]).toBe('Invalid configuration:');
      expect(lines.slice(1).map((line) => line.split(':')[0])).toEqual(['PORT', 'DATABASE_URL', 'JWT_SECRET']);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('takes MFA_ENCRYPTION_KEY as 32 base64 bytes, refuses other sizes without echoing them, and generates one for development', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(
      loadConfig({ DATA_DIR: dataDir(), MFA_ENCRYPTION_KEY: key }).mfaEncryptionKey.equals(Buffer.alloc(32, 7)),
    ).toBe(true);
    const short = Buffer.alloc(16, 7).toString('base64');
    expect(() => loadConfig({ DATA_DIR: dataDir(), MFA_ENCRYPTION_KEY: short })).toThrow(
      /^Invalid configuration:\nMFA_ENCRYPTION_KEY: must be 32 bytes, base64-encoded$/,
    );
    const previous = loadConfig({
      DATA_DIR: dataDir(),
      MFA_PREVIOUS_ENCRYPTION_KEYS: ` ${key}, ${Buffer.alloc(32, 8).toString('base64')} `,
    }).mfaPreviousEncryptionKeys;
    expect(previous.map((k) => k[0])).toEqual([7, 8]);
    expect(() => loadConfig({ DATA_DIR: dataDir(), MFA_PREVIOUS_ENCRYPTION_KEYS: `${key},${short}` })).toThrow(
      /^Invalid configuration:\nMFA_PREVIOUS_ENCRYPTION_KEYS: must be comma-separated keys/,
    );
    const dir = dataDir();
    const generated = loadConfig({ DATA_DIR: dir }).mfaEncryptionKey;
    expect(generated).toHaveLength(32);
    expect(loadConfig({ DATA_DIR: dir }).mfaEncryptionKey.equals(generated)).toBe(true);
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'j'.repeat(32),
        CONTEXT_SIGNING_SECRET: 'c'.repeat(32),
        DATABASE_URL: 'postgres://db/x',
        DATA_DIR: dataDir(),
      }),
    ).toThrow(/MFA_ENCRYPTION_KEY: required in production/);
  });

  it('requires real secrets and a database in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir() })).toThrow(
      /JWT_SECRET: required in production[^\n]*\nCONTEXT_SIGNING_SECRET: required in production[^\n]*\nDATABASE_URL: required in production/,
    );
  });

  it('reads the rate limits, refusing a firm bucket smaller than a caller bucket', () => {
    const config = loadConfig({ DATA_DIR: dataDir(), RATE_LIMIT_BUCKET_SIZE: '300', RATE_LIMIT_RESTORE_RATE: '0.5' });
    expect(config.rateLimits.caller).toEqual({ size: 300, restoreRate: 0.5 });
    expect(config.rateLimits.firm).toEqual({ size: 5000, restoreRate: 250 });
    expect(() => loadConfig({ DATA_DIR: dataDir(), RATE_LIMIT_BUCKET_SIZE: '6000' })).toThrow(
      /^RATE_LIMIT_FIRM_BUCKET_SIZE: must be at least RATE_LIMIT_BUCKET_SIZE$/m,
    );
    expect(() => loadConfig({ DATA_DIR: dataDir(), RATE_LIMIT_RESTORE_RATE: '0' })).toThrow(
      /^RATE_LIMIT_RESTORE_RATE:/m,
    );
  });

  it('reads TRUST_PROXY as a boolean, a hop count or a list of proxies', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).trustProxy).toBe(false);
    expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe(
      'loopback, 10.0.0.0/8',
    );
    expect(() => loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: 'everyone!' })).toThrow(/^TRUST_PROXY:/m);
  });

  it('reads the WebSocket settings: allowed origins as a list, and the per-connection and per-user limits', () => {
    expect(loadConfig({ DATA_DIR: dataDir() }).subscriptions).toEqual({
      allowedOrigins: [],
      maxConnectionsPerUser: 20,
      messagesPerSecond: 20,
      sessionCheckMs: 30_000,
    });
    const config = loadConfig({
      DATA_DIR: dataDir(),
      WS_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3000',
      WS_MAX_CONNECTIONS_PER_USER: '5',
    });
    expect(config.subscriptions.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:3000']);
    expect(config.subscriptions.maxConnectionsPerUser).toBe(5);
    expect(() => loadConfig({ DATA_DIR: dataDir(), WS_ALLOWED_ORIGINS: 'app.example.com' })).toThrow(
      /^WS_ALLOWED_ORIGINS:/m,
    );
    expect(() => loadConfig({ DATA_DIR: dataDir(), WS_MESSAGES_PER_SECOND: '0' })).toThrow(/^WS_MESSAGES_PER_SECOND:/m);
  });
});
