import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeIdentityProvider, type IdentityProvider } from '../../src/compose.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';
import { TEST_JWKS } from './paths.js';

export interface TestIdp {
  baseUrl: string;
  config: Config;
  idp: IdentityProvider;
  database: TestDatabase;
  stop(): Promise<void>;
}

export interface TestIdpOptions {
  env?: Record<string, string>;
  /** An existing test database (e.g. prepared by CLI commands); a fresh one otherwise. */
  database?: TestDatabase;
  build?: (config: Config, database: TestDatabase) => Promise<IdentityProvider>;
}

/** Starts the real identity provider over HTTP on a free port, on a fresh database of `kind`. */
export async function startTestIdp(kind: DatabaseKind, options: TestIdpOptions = {}): Promise<TestIdp> {
  const database = options.database ?? (await createTestDatabase(kind));
  await database.reopen();
  let handler: ReturnType<IdentityProvider['app']['callback']> | undefined;
  const server: Server = createServer((req, res) => {
    if (handler) void handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    ISSUER: baseUrl,
    DATA_DIR: database.dataDir,
    JWKS_FILE: TEST_JWKS,
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    SECRET_KEY: randomBytes(32).toString('base64url'),
    HASH_WORKERS: '1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    ...options.env,
  });
  const idp = options.build
    ? await options.build(config, database)
    : await composeIdentityProvider(config, database.db);
  handler = idp.app.callback();
  return {
    baseUrl,
    config,
    idp,
    database,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await idp.close();
      // A database handed in belongs to the caller: only close it.
      if (options.database) await database.release();
      else await database.destroy();
    },
  };
}
