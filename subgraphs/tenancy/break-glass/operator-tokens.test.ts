import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacKey } from '../../../platform/signed-context.ts';
import { signAccessToken, verifyAccessToken } from '../identity/tokens.ts';
import { isOperatorTokenShape, signOperatorToken, verifyOperatorToken } from './operator-tokens.ts';

const key = hmacKey('operator-token-test-key-0123456789abcdef');
const inAnHour = () => new Date(Date.now() + 3600_000);

describe('operator tokens', () => {
  it('round-trips the operator, session and grant', async () => {
    const claims = { sub: randomUUID(), sid: randomUUID(), grt: { id: randomUUID(), firmId: randomUUID() } };
    const token = await signOperatorToken(claims, key, inAnHour());
    expect(isOperatorTokenShape(token)).toBe(true);
    expect(await verifyOperatorToken(token, key)).toEqual(claims);
  });

  it('is never taken for a staff token, nor a staff token for it', async () => {
    const operatorToken = await signOperatorToken({ sub: randomUUID(), sid: randomUUID() }, key, inAnHour());
    expect(await verifyAccessToken(operatorToken, key)).toBeNull();
    const { token: staffToken } = await signAccessToken({ sub: randomUUID(), sid: randomUUID() }, key);
    expect(isOperatorTokenShape(staffToken)).toBe(false);
    expect(await verifyOperatorToken(staffToken, key)).toBeNull();
  });

  it('refuses expired tokens and tokens signed with another key', async () => {
    const claims = { sub: randomUUID(), sid: randomUUID() };
    expect(
      await verifyOperatorToken(await signOperatorToken(claims, key, new Date(Date.now() - 1000)), key),
    ).toBeNull();
    const other = hmacKey('another-operator-token-key-0123456789abc');
    expect(await verifyOperatorToken(await signOperatorToken(claims, other, inAnHour()), key)).toBeNull();
  });
});
