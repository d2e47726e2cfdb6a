import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyCredential } from '../../../platform/credentials.ts';
import { hmacKey } from '../../../platform/signed-context.ts';
import { signOperatorToken } from '../break-glass/operator-tokens.ts';
import { signAccessToken } from '../identity/tokens.ts';
import { newPortalSecret, parsePortalSecret, signPortalAccessToken } from './portal-tokens.ts';

const key = hmacKey('portal-token-test-key-0123456789abcdefgh');

/** The claims `verifyCredential` found in `token` when it is a credential of `kind`, without `exp`; null otherwise. */
async function claimsAs(kind: 'STAFF' | 'PORTAL' | 'OPERATOR', token: string): Promise<object | null> {
  const verified = await verifyCredential(token, key);
  if (!('kind' in verified) || verified.kind !== kind) return null;
  const { exp: _exp, ...claims } = verified.claims;
  return claims;
}

describe('portal access tokens', () => {
  it('round-trips the portal user, session and firm', async () => {
    const claims = { sub: randomUUID(), sid: randomUUID(), fid: randomUUID() };
    const { token, expiresAt } = await signPortalAccessToken(claims, key);
    expect(await claimsAs('PORTAL', token)).toEqual(claims);
    expect(expiresAt.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
  });

  it('is never taken for a staff or operator token, nor either of them for it', async () => {
    const { token: portalToken } = await signPortalAccessToken(
      { sub: randomUUID(), sid: randomUUID(), fid: randomUUID() },
      key,
    );
    expect(await claimsAs('STAFF', portalToken)).toBeNull();
    expect(await claimsAs('OPERATOR', portalToken)).toBeNull();
    const { token: staffToken } = await signAccessToken({ sub: randomUUID(), sid: randomUUID() }, key);
    const operatorToken = await signOperatorToken(
      { sub: randomUUID(), sid: randomUUID() },
      key,
      new Date(Date.now() + 3600_000),
    );
    for (const other of [staffToken, operatorToken]) {
      expect(await claimsAs('PORTAL', other)).toBeNull();
    }
  });

  it('refuses another key, a missing firm claim and an expired token', async () => {
    const claims = { sub: randomUUID(), sid: randomUUID(), fid: randomUUID() };
    const other = hmacKey('another-portal-token-key-0123456789abcd');
    expect(await claimsAs('PORTAL', (await signPortalAccessToken(claims, other)).token)).toBeNull();
    const now = Math.floor(Date.now() / 1000);
    const forge = (payload: Record<string, unknown>, exp: number) =>
      new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', typ: 'fg-portal+jwt' })
        .setIssuer('firmgraph')
        .setAudience('firmgraph-portal')
        .setSubject(claims.sub)
        .setIssuedAt(now - 10)
        .setNotBefore(now - 10)
        .setExpirationTime(exp)
        .sign(key);
    expect(await claimsAs('PORTAL', await forge({ sid: claims.sid }, now + 60))).toBeNull();
    expect(await claimsAs('PORTAL', await forge({ sid: claims.sid, fid: claims.fid }, now - 1))).toBeNull();
    expect(await claimsAs('PORTAL', await forge({ sid: claims.sid, fid: claims.fid }, now + 60))).toEqual(claims);
  });
});

describe('portal secrets', () => {
  it('name their firm and keep only a SHA-256 of the secret part', () => {
    const firmId = randomUUID();
    const { token, tokenHash } = newPortalSecret(firmId, 'fgpl');
    expect(token.startsWith(`${firmId}.fgpl_`)).toBe(true);
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain(tokenHash);
    expect(parsePortalSecret(token)).toEqual({ firmId, tokenHash });
  });

  it('refuses malformed secrets', () => {
    const { token } = newPortalSecret(randomUUID(), 'fgpi');
    for (const bad of [
      '',
      'no-dot',
      `not-a-uuid.${token.split('.')[1]}`,
      `${token}x`,
      token.replace('fgpi_', 'fgx_'),
      token.slice(0, -1),
    ]) {
      expect(parsePortalSecret(bad), bad).toBeNull();
    }
  });
});
