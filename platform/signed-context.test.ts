import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { principalOf, type Actor } from './signed-context.ts';

describe('principalOf', () => {
  const id = randomUUID();

  it('names every kind of signed-in actor by its own id, whatever its session or firm', () => {
    expect(principalOf({ kind: 'STAFF', userId: id })).toEqual({ id, key: `user:${id}` });
    expect(principalOf({ kind: 'API_KEY', apiKeyId: id })).toEqual({ id, key: `api_key:${id}` });
    expect(principalOf({ kind: 'OPERATOR', operatorId: id })).toEqual({ id, key: `operator:${id}` });
    const portal: Actor = {
      kind: 'PORTAL',
      portalUserId: id,
      sessionId: randomUUID(),
      firmId: randomUUID(),
      clientIds: [],
    };
    expect(principalOf(portal)).toEqual({ id, key: `portal_user:${id}` });
  });

  it('has no principal for an anonymous caller', () => {
    expect(principalOf({ kind: 'ANONYMOUS' })).toBeNull();
  });
});
