import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { createLogger } from './app.js';
import { hashWorkersPerProcess, runPrimary } from './cluster.js';
import { ConfigError, configWarnings, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemoData } from './demo.js';
import { createEntApp } from './ent/app.js';
import { entConfigFromIdp } from './ent/config.js';
import { startEntServer } from './ent/server.js';
import { buildIdentityProvider } from './idp.js';

/** Composition root: config -> database -> migrations -> demo data -> HTTP server. */
async function main() {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  if (cluster.isPrimary) for (const warning of configWarnings(config)) logger.warn(warning);
  if (config.webConcurrency > 1 && cluster.isPrimary) return runPrimary(config, logger);
  const db = await openDatabase({
    ...config,
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost'),
  });
  if (cluster.isPrimary) {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  }
  config.hashWorkers = hashWorkersPerProcess(config);
  const idp = await buildIdentityProvider(config, db, logger);
  if (config.demoData && cluster.isPrimary) await seedDemoData(db, config, idp.services.hasher);

  // The demo ENT runs beside the IdP outside production (DEMO_ENT=false to skip it), once the IdP listens.
  const ent =
    config.production || process.env.DEMO_ENT === 'false'
      ? undefined
      : createEntApp(entConfigFromIdp(config));
  let entServer: ReturnType<typeof startEntServer> | undefined;
  const server = createServer(idp.app.callback());
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, config.host, () => {
    logger.info(
      {
        issuer: config.issuer,
        host: config.host,
        port: config.port,
        database: config.databaseUrl ? 'postgresql' : 'pglite',
      },
      'identity provider ready',
    );
    if (ent) entServer = startEntServer(ent, entConfigFromIdp(config), logger, config.host);
  });

  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close();
    entServer?.close();
    ent?.close();
    await idp.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
