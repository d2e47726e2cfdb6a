import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs `npm start`'s entry point with `env` and returns its exit code and output. */
function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'firmgraph-start-')),
      ...env,
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr.trim(), stdout: result.stdout.trim() };
}

describe('npm start with bad configuration', () => {
  it('exits 1 with one clear line when DATABASE_URL points at no database', () => {
    const result = start({ DATABASE_URL: 'postgres://nobody:secret-password@127.0.0.1:1/nothing' });
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^firmgraph failed to start: .*ECONNREFUSED/);
    expect(result.stderr + result.stdout).not.toContain('secret-password');
  });

  it('exits 1 naming the variable when a value is malformed', () => {
    const result = start({ DATABASE_URL: 'not a url', PORT: '-3' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'Invalid configuration:\nPORT: Too small: expected number to be >=0\nDATABASE_URL: expected a postgres:// or postgresql:// URL',
    );
  });
});

describe('npm start and SIGTERM', () => {
  it('drains, stops the embedded PostgreSQL and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'firmgraph-sigterm-'));
    // Six consecutive ports below Linux's ephemeral range (32768-60999), which outgoing
    // connections of concurrent tests take from: a base inside it once met EADDRINUSE.
    const port = 21000 + Math.floor(Math.random() * 11000);
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        EMBEDDED_PG_PORT: String(port),
        PORT: String(port + 1),
        TENANCY_PORT: String(port + 2),
        CRM_PORT: String(port + 3),
        BILLING_PORT: String(port + 4),
        DOCUMENTS_PORT: String(port + 5),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    await expect.poll(() => output, { timeout: 60_000, interval: 100 }).toContain('FirmGraph is ready');
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);
});
