import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { seedDemoData } from './demo/demo-data.js';
import { PasswordHasher } from './domain/accounts/password-hasher.js';

/**
 * WEB_CONCURRENCY > 1 (PostgreSQL only): this primary process migrates once, then forks that many
 * server processes sharing the port, and replaces any that dies. One Node event loop saturates a
 * core on HTTP, cookies, JSON and token signing long before argon2id does on the others.
 */
export async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const db = await openDatabase(config);
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');
  if (config.demoData) {
    const hasher = new PasswordHasher(1);
    await seedDemoData(db, config, hasher);
    await hasher.close();
  }
  await db.destroy();

  let stopping = false;
  const fork = () => cluster.fork({ EDUCONNECT_CLUSTER_WORKER: '1' });
  for (let i = 0; i < config.webConcurrency; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.error({ pid: worker.process.pid, code, signal }, 'server process died, starting another');
    fork();
  });
  logger.info({ processes: config.webConcurrency, port: config.port }, 'identity provider cluster started');

  const shutdown = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal }, 'shutting down the cluster');
    const workers = Object.values(cluster.workers ?? {});
    let alive = workers.length;
    if (alive === 0) process.exit(0);
    for (const worker of workers) {
      worker?.once('exit', () => {
        if (--alive === 0) process.exit(0);
      });
      worker?.process.kill(signal);
    }
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** Hashing threads per server process when HASH_WORKERS is unset: the cores shared between processes. */
export function hashWorkersPerProcess(config: Config): number {
  return config.hashWorkers || Math.max(1, Math.round(availableParallelism() / config.webConcurrency));
}
