import { generateSecret, generateURI, verify, type HashAlgorithm } from 'otplib';
import QRCode from 'qrcode';

/** The issuer shown in authenticator apps. */
const TOTP_ISSUER = 'FirmGraph';

/**
 * TOTP parameters (RFC 6238 §4): HMAC algorithm, code length and time step in seconds. FirmGraph
 * enrols authenticators with `AUTHENTICATOR_TOTP` (SHA-1, 6 digits, 30 s), what every common
 * authenticator app supports; the other values exist for the RFC's test vectors.
 */
export interface TotpParameters {
  algorithm: HashAlgorithm;
  digits: number;
  period: number;
}

/** The parameters of every FirmGraph authenticator: SHA-1, 6 digits, 30-second steps. */
export const AUTHENTICATOR_TOTP: TotpParameters = { algorithm: 'sha1', digits: 6, period: 30 };

/** A new random TOTP secret: 20 bytes (160 bits, RFC 4226 §4 R6), base32 without padding. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/**
 * What an authenticator app needs to enrol: the `otpauth://totp/FirmGraph:<email>?secret=…`
 * provisioning URI (Google Authenticator Key Uri Format) and the same URI as a PNG QR code data URL.
 */
export async function provisioning(
  secret: string,
  accountEmail: string,
): Promise<{ provisioningUri: string; qrCodeDataUrl: string }> {
  const provisioningUri = generateURI({ issuer: TOTP_ISSUER, label: accountEmail, secret, ...AUTHENTICATOR_TOTP });
  const qrCodeDataUrl = await QRCode.toDataURL(provisioningUri, { errorCorrectionLevel: 'M' });
  return { provisioningUri, qrCodeDataUrl };
}

/**
 * Checks a TOTP code (RFC 6238) against `secret` (base32, or raw bytes) at `epochSeconds`,
 * allowing one time step of clock drift either way (RFC 6238 §5.2). A code whose time step is
 * at or before `afterTimeStep` is refused, so a code is single-use within its window (§5.2).
 * @returns the accepted code's time step (store it as the next `afterTimeStep`), or null.
 */
export async function verifyTotp({
  secret,
  code,
  afterTimeStep,
  epochSeconds = Math.floor(Date.now() / 1000),
  parameters = AUTHENTICATOR_TOTP,
}: {
  secret: string | Uint8Array;
  code: string;
  afterTimeStep: number | null;
  epochSeconds?: number;
  parameters?: TotpParameters;
}): Promise<number | null> {
  if (!new RegExp(`^\\d{${parameters.digits}}$`).test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    epoch: epochSeconds,
    epochTolerance: parameters.period,
    ...parameters,
    ...(afterTimeStep === null ? {} : { afterTimeStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
