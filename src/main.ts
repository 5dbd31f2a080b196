import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { hashWorkersPerProcess, runPrimary } from './cluster.js';
import { createLogger } from './compose.js';
import { ConfigError, loadConfig } from './config/config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemoData } from './demo/demo-data.js';
import { createEntApp } from './ent/app.js';
import { entConfigFromIdp } from './ent/config.js';
import { startEntServer } from './ent/server.js';
import { listen, PortInUseError } from './http/listen.js';
import { buildIdentityProvider } from './idp.js';

/** An operator's mistake (config, busy port, data directory in use): one French message, exit 1. */
function isOperatorError(error: unknown): error is Error {
  return (
    error instanceof ConfigError || error instanceof PortInUseError || error instanceof DataDirLockedError
  );
}

/** Composition root: config -> database -> migrations -> demo data -> HTTP server. */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config);
  if (config.webConcurrency > 1 && cluster.isPrimary) return runPrimary(config, logger);
  // On the embedded database this process is its only owner and serves it to the CLI and psql.
  const db = await openDatabase({
    ...config,
    role: 'server',
    onIdleError: (error) => logger.warn({ err: error }, 'database connection error'),
    onLockWait: (owner) =>
      logger.warn({ pid: owner.pid }, 'la base embarquée est utilisée par une commande educonnect : attente'),
  });
  let stop = async () => {
    await db.destroy();
  };
  try {
    if (cluster.isPrimary) {
      const applied = await migrateToLatest(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    config.hashWorkers = hashWorkersPerProcess(config);
    const idp = await buildIdentityProvider(config, db, logger);
    stop = async () => {
      await idp.close();
      await db.destroy();
    };
    if (config.demoData && cluster.isPrimary) await seedDemoData(db, config, idp.services.hasher);

    const server = createServer(idp.app.callback());
    server.keepAliveTimeout = 65_000;
    await listen(server, config.port, 'PORT');
    logger.info(
      { issuer: config.issuer, port: config.port, database: config.databaseUrl ? 'postgresql' : 'pglite' },
      'identity provider ready',
    );
    // The demo ENT runs beside the IdP outside production (DEMO_ENT=false to skip it), once the IdP listens.
    const entConfig = entConfigFromIdp(config);
    const ent = config.production || process.env.DEMO_ENT === 'false' ? undefined : createEntApp(entConfig);
    const entServer = ent ? await startEntServer(ent, entConfig, logger) : undefined;
    stop = async () => {
      server.close();
      entServer?.close();
      ent?.close();
      await idp.close();
      await db.destroy();
    };
  } catch (error) {
    await stop();
    throw error;
  }

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(isOperatorError(error) ? error.message : error);
  process.exit(1);
});
