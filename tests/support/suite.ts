import type postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { connectAdmin } from './admin-db.ts';
import { startTestStack, type TestStack } from './stack.ts';

/** What a test file's tests work with: the whole stack and a privileged database connection. */
export interface StackWithAdmin {
  t: TestStack;
  /** Owner/superuser connection for setup and inspection (connectAdmin). */
  admin: postgres.Sql;
}

/**
 * Starts the whole stack (startTestStack, with environment `overrides`) and an admin connection
 * before the calling file's tests (beforeAll) and closes both after them (afterAll). Call it at
 * the top level of a test file.
 * @returns the handle; `t` and `admin` are set once beforeAll has run.
 */
export function useStackWithAdmin(overrides: Record<string, string> = {}): StackWithAdmin {
  const env = {} as StackWithAdmin;
  beforeAll(async () => {
    env.t = await startTestStack(overrides);
    env.admin = connectAdmin();
  });
  afterAll(async () => {
    await env.admin.end();
    await env.t.stop();
  });
  return env;
}
