import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs a child process that logs `lines` lines and then exits at once with `exit` ('exit' or 'throw'). */
function logThenExit(lines: number, exit: 'exit' | 'throw') {
  const script = `
    import { createLogger } from './platform/logger.ts';
    const log = createLogger('info', 'flush-test');
    for (let i = 0; i < ${lines}; i++) log.info({ i }, 'line');
    ${exit === 'exit' ? 'process.exit(0);' : "throw new Error('boom');"}
  `;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const logged = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { i: number; service: string });
  return { status: result.status, logged };
}

describe('the process logger on stdout', () => {
  it('keeps every buffered line when the process exits right after logging', () => {
    const { status, logged } = logThenExit(500, 'exit');
    expect(status).toBe(0);
    expect(logged.map((entry) => entry.i)).toEqual([...Array(500).keys()]);
    expect(logged[0]?.service).toBe('flush-test');
  });

  it('keeps them when the process dies of an uncaught exception', () => {
    const { status, logged } = logThenExit(50, 'throw');
    expect(status).toBe(1);
    expect(logged).toHaveLength(50);
  });
});

describe('error log entries', () => {
  it('keep the type, message, stack, code and cause chain, and none of the data an error carries', () => {
    const script = `
      import { createLogger } from './platform/logger.ts';
      const log = createLogger('info', 'err-test');
      const cause = Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      const error = Object.assign(new Error('insert failed', { cause }), {
        code: '23505', detail: 'Key (email)=(dana@acme.test) already exists.', parameters: ['s3cret-param'],
      });
      log.error({ err: error }, 'query failed');
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const line = result.stdout.trim();
    const entry = JSON.parse(line) as {
      err: { type: string; message: string; stack: string; code: string; cause: { code: string } };
    };
    expect(entry.err.type).toBe('Error');
    expect(entry.err.message).toBe('insert failed: connection reset');
    expect(entry.err.stack).toMatch(/^Error: insert failed\n\s+at /);
    expect(entry.err.code).toBe('23505');
    expect(entry.err.cause.code).toBe('ECONNRESET');
    expect(line).not.toContain('dana@acme.test');
    expect(line).not.toContain('s3cret-param');
  });
});
