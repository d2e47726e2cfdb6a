import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** What an error's log entry keeps. */
interface LoggedError {
  type: string;
  message: string;
  stack: string;
  /** A PostgreSQL SQLSTATE, a Node system error code or a GraphQL error code, when the error has one. */
  code?: string;
  cause?: LoggedError;
}

/**
 * pino's `err` serializer (`stdSerializers.err`: type, message and stack, each with its causes'), narrowed
 * to those and the error's `code`. Everything else an error carries stays out of the log: a
 * postgres.js error holds the statement's `parameters` and the row's `detail`, and a GraphQL error
 * its `source` and variables, which are content.
 *
 * @param error anything thrown; a non-Error is logged by its string form.
 */
function serializeError(error: unknown): LoggedError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error), stack: '' };
  const full = stdSerializers.err(error);
  const code = (error as { code?: unknown }).code;
  return {
    type: full.type,
    message: full.message,
    stack: full.stack,
    ...(typeof code === 'string' ? { code } : {}),
    ...(error.cause !== undefined ? { cause: serializeError(error.cause) } : {}),
  };
}

/**
 * The process logger: pino JSON on stdout, or on `destination` when given (tests capture it).
 *
 * Stdout is written asynchronously in chunks of at least 4 KiB (sonic-boom, `sync: false`): a
 * synchronous write per line was the subgraphs' top CPU frame under load (docs/benchmarks.md).
 * pino registers the stream with on-exit-leak-free, which calls `flushSync` on process `exit`, so
 * lines logged just before `process.exit` (the SIGTERM path in scripts/run-service.ts) are kept.
 *
 * Redaction is a second line of defence; the first is never logging bodies, variables, passwords,
 * tokens or message text at all (README "Architecture", "observability without content").
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    base: { service: name },
    // `log.error({ err }, …)` keeps the stack (pino's err serializer) and nothing of the error's data.
    serializers: { err: serializeError },
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
