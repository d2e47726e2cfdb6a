import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs `npm start`'s entry point with `env` and returns its exit code and output. */
function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: mkdtempSync(join(tmpdir(), 'firmgraph-start-')), ...env },
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
    expect(result.stderr).toBe('Invalid configuration:\nPORT: Too small: expected number to be >=0\nDATABASE_URL: expected a postgres:// or postgresql:// URL');
  });
});
