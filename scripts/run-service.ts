import { ConfigError, loadConfig, type Config } from '../platform/config.ts';
import { createLogger, type Logger } from '../platform/logger.ts';

/**
 * Runs a service entry point: validates config (a bad value prints one line per problem and
 * exits 1), runs `start`, and on SIGINT/SIGTERM calls the returned stop function once, so
 * in-flight requests finish and pools close before the process exits.
 */
export async function runService(
  name: string,
  start: (config: Config, log: Logger) => Promise<() => Promise<void>>,
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : String(error));
    process.exit(1);
  }
  const log = createLogger(config.logLevel, name);
  // The handlers are in place before `start` runs: a signal that comes while it runs (or just after
  // it printed that it is ready, before this function resumed) waits for it, then stops what it started.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 15_000).unref();
    const stop = await started.catch(() => null);
    await stop?.().catch((error: Error) => log.error({ err: error }, 'shutdown error'));
    clearTimeout(timer);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const started = start(config, log);
  try {
    await started;
  } catch (error) {
    console.error(`${name} failed to start: ${(error as Error).message}`);
    process.exit(1);
  }
}
