import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyCredential } from '../../../platform/credentials.ts';
import { hmacKey } from '../../../platform/signed-context.ts';
import { signAccessToken } from '../identity/tokens.ts';
import { signOperatorToken } from './operator-tokens.ts';

const key = hmacKey('operator-token-test-key-0123456789abcdef');

/** The claims `verifyCredential` found in `token` when it is a credential of `kind`, without `exp`; null otherwise. */
async function claimsAs(kind: 'STAFF' | 'PORTAL' | 'OPERATOR', token: string): Promise<object | null> {
  const verified = await verifyCredential(token, key);
  if (!('kind' in verified) || verified.kind !== kind) return null;
  const { exp: _exp, ...claims } = verified.claims;
  return claims;
}
const inAnHour = () => new Date(Date.now() + 3600_000);

describe('operator tokens', () => {
  it('round-trips the operator, session and grant', async () => {
    const claims = { sub: randomUUID(), sid: randomUUID(), grt: { id: randomUUID(), firmId: randomUUID() } };
    const token = await signOperatorToken(claims, key, inAnHour());
    expect(await claimsAs('OPERATOR', token)).toEqual(claims);
  });

  it('is never taken for a staff token, nor a staff token for it', async () => {
    const operatorToken = await signOperatorToken({ sub: randomUUID(), sid: randomUUID() }, key, inAnHour());
    expect(await claimsAs('STAFF', operatorToken)).toBeNull();
    const { token: staffToken } = await signAccessToken({ sub: randomUUID(), sid: randomUUID() }, key);
    expect(await claimsAs('OPERATOR', staffToken)).toBeNull();
    expect(await claimsAs('STAFF', staffToken)).not.toBeNull();
  });

  it('refuses expired tokens and tokens signed with another key', async () => {
    const claims = { sub: randomUUID(), sid: randomUUID() };
    expect(await claimsAs('OPERATOR', await signOperatorToken(claims, key, new Date(Date.now() - 1000)))).toBeNull();
    const other = hmacKey('another-operator-token-key-0123456789abc');
    expect(await claimsAs('OPERATOR', await signOperatorToken(claims, other, inAnHour()))).toBeNull();
  });
});
