import cluster from 'node:cluster';
import { runPrimary } from './cluster.js';
import { createLogger, loadServerConfig, startServer } from './compose.js';
import { ConfigError, configWarnings } from './config/config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { PortInUseError } from './http/listen.js';

/** An operator's mistake (config, busy port, data directory in use): one French message, exit 1. */
function isOperatorError(error: unknown): error is Error {
  return (
    error instanceof ConfigError || error instanceof PortInUseError || error instanceof DataDirLockedError
  );
}

/** `npm start`: one server process, or with WEB_CONCURRENCY > 1 a primary forking that many. */
async function main() {
  const config = loadServerConfig();
  const logger = createLogger(config);
  if (cluster.isPrimary) for (const warning of configWarnings(config)) logger.warn(warning);
  if (config.webConcurrency > 1 && cluster.isPrimary) return runPrimary(config, logger);
  const server = await startServer(config, logger);

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await server.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(isOperatorError(error) ? error.message : error);
  process.exit(1);
});
