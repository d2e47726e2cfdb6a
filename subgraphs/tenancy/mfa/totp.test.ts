import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { AUTHENTICATOR_TOTP, newTotpSecret, provisioning, verifyTotp, type TotpParameters } from './totp.ts';

// RFC 6238 Appendix B: the seeds are the ASCII digits "1234567890" repeated to the hash's block size.
const seed = (length: number) => new TextEncoder().encode('1234567890'.repeat(7).slice(0, length));
const SEEDS = { sha1: seed(20), sha256: seed(32), sha512: seed(64) } as const;
const VECTORS: [number, Record<keyof typeof SEEDS, string>][] = [
  [59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
  [1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
  [1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
  [1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
  [2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
  [20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }],
];

describe('verifyTotp', () => {
  for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
    it(`accepts every RFC 6238 Appendix B vector for ${algorithm.toUpperCase()} (8 digits) at its time step`, async () => {
      const parameters: TotpParameters = { algorithm, digits: 8, period: 30 };
      for (const [time, codes] of VECTORS) {
        const step = await verifyTotp({
          secret: SEEDS[algorithm],
          code: codes[algorithm],
          afterTimeStep: null,
          epochSeconds: time,
          parameters,
        });
        expect(step, `T=${time}`).toBe(Math.floor(time / 30));
      }
    });
  }

  it('refuses another algorithm’s code for the same time', async () => {
    const parameters: TotpParameters = { algorithm: 'sha1', digits: 8, period: 30 };
    expect(
      await verifyTotp({
        secret: SEEDS.sha1,
        code: VECTORS[3]![1].sha256,
        afterTimeStep: null,
        epochSeconds: 1234567890,
        parameters,
      }),
    ).toBeNull();
  });

  it('allows one step of drift either way but not two', async () => {
    const secret = newTotpSecret();
    const now = 1_800_000_015;
    const codeAt = (epoch: number) => generate({ secret, epoch, ...AUTHENTICATOR_TOTP });
    const step = Math.floor(now / 30);
    expect(await verifyTotp({ secret, code: await codeAt(now - 30), afterTimeStep: null, epochSeconds: now })).toBe(
      step - 1,
    );
    expect(await verifyTotp({ secret, code: await codeAt(now + 30), afterTimeStep: null, epochSeconds: now })).toBe(
      step + 1,
    );
    expect(
      await verifyTotp({ secret, code: await codeAt(now - 60), afterTimeStep: null, epochSeconds: now }),
    ).toBeNull();
    expect(
      await verifyTotp({ secret, code: await codeAt(now + 60), afterTimeStep: null, epochSeconds: now }),
    ).toBeNull();
  });

  it('refuses a code whose step is at or before the last accepted one', async () => {
    const secret = newTotpSecret();
    const now = 1_800_000_015;
    const code = await generate({ secret, epoch: now, ...AUTHENTICATOR_TOTP });
    const step = Math.floor(now / 30);
    expect(await verifyTotp({ secret, code, afterTimeStep: step, epochSeconds: now })).toBeNull();
    expect(await verifyTotp({ secret, code, afterTimeStep: step - 1, epochSeconds: now })).toBe(step);
  });

  it('refuses codes that are not exactly the configured number of digits', async () => {
    const secret = newTotpSecret();
    const code = await generate({ secret, ...AUTHENTICATOR_TOTP });
    expect(await verifyTotp({ secret, code: ` ${code}`, afterTimeStep: null })).toBeNull();
    expect(await verifyTotp({ secret, code: `${code}0`, afterTimeStep: null })).toBeNull();
  });
});

describe('provisioning', () => {
  it('builds an otpauth URI with the issuer, the account and the secret, and a PNG QR code of it', async () => {
    const secret = newTotpSecret();
    const { provisioningUri, qrCodeDataUrl } = await provisioning(secret, 'ana@example.test');
    const uri = new URL(provisioningUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(decodeURIComponent(uri.pathname)).toContain('FirmGraph:ana@example.test');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('FirmGraph');
    expect(qrCodeDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  });
});
