import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The process logger: pino JSON on stdout, or on `destination` when given (tests capture it).
 *
 * Redaction is a second line of defence; the first is never logging bodies, variables, passwords,
 * tokens or message text at all (design brief §6, "observability without content").
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    base: { service: name },
    redact: {
      paths: [
        '*.password',
        '*.token',
        '*.refreshToken',
        '*.accessToken',
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-firmgraph-context"]',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
