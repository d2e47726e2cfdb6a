import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'firmgraph-prod-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** npm's error codes for a registry it cannot reach (DNS, refused, reset, timed out, offline cache miss). */
const UNREACHABLE = /E(NOTFOUND|AI_AGAIN|CONNREFUSED|CONNRESET|TIMEDOUT|NETUNREACH|NOTCACHED)\b/;

describe('production install (npm ci --omit=dev)', () => {
  const name = 'runs the postinstall without devDependencies and leaves graphql-shield patched';
  it(name, { timeout: 600_000 }, async (ctx) => {
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(root, file), join(dir, file));
    cpSync(join(root, 'patches'), join(dir, 'patches'), { recursive: true });
    try {
      // The local npm cache first; the registry only for what it lacks.
      await run('npm', ['ci', '--omit=dev', '--ignore-scripts=false', '--prefer-offline', '--no-audit', '--no-fund'], {
        cwd: dir,
        env: { ...process.env, NODE_ENV: 'production' },
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const output = `${(error as { stdout?: string }).stdout}\n${(error as { stderr?: string }).stderr}`;
      const unreachable = UNREACHABLE.exec(output)?.[0];
      if (unreachable) ctx.skip(`npm registry unreachable (${unreachable}): production install not checked`);
      throw new Error(`npm ci --omit=dev failed:\n${output}`, { cause: error });
    }
    const generator = readFileSync(join(dir, 'node_modules', 'graphql-shield', 'cjs', 'generator.js'), 'utf8');
    expect(generator).toContain('FirmGraph patch');
    // The install really omitted devDependencies: vitest is one.
    expect(() => readFileSync(join(dir, 'node_modules', 'vitest', 'package.json'))).toThrow(/ENOENT/);
  });
});
