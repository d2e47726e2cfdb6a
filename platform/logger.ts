import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * The process logger: pino JSON on stdout, or on `destination` when given (tests capture it).
 *
 * Stdout is written asynchronously in chunks of at least 4 KiB (sonic-boom, `sync: false`): a
 * synchronous write per line was the subgraphs' top CPU frame under load (docs/benchmarks.md).
 * pino registers the stream with on-exit-leak-free, which calls `flushSync` on process `exit`, so
 * lines logged just before `process.exit` (the SIGTERM path in scripts/run-service.ts) are kept.
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
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false, minLength: 4096 }));
}
