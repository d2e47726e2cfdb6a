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
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  const logged = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { i: number; service: string });
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
