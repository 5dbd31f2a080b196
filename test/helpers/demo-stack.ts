import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedDemoData } from '../../src/demo/demo-data.js';
import { demoEntConfig } from '../../src/demo/ent.js';
import { createEntApp, type EntApp } from '../../src/ent/app.js';
import type { EntConfig } from '../../src/ent/config.js';
import type { DatabaseKind } from './databases.js';
import { startTestIdp, type TestIdp } from './idp.js';

export interface TestEnt {
  baseUrl: string;
  ent: EntApp;
  config: EntConfig;
  /** Moves the ENT's session clock forward (session expiry without waiting). */
  advanceClock(ms: number): void;
  stop(): Promise<void>;
}

export interface DemoStack {
  idp: TestIdp;
  ent: TestEnt;
  stop(): Promise<void>;
}

async function listenLater(): Promise<{ server: Server; baseUrl: string; serve(ent: EntApp): void }> {
  let handler: ReturnType<EntApp['app']['callback']> | undefined;
  const server = createServer((req, res) => {
    if (handler) void handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    serve(ent) {
      handler = ent.app.callback();
    },
  };
}

/** Starts the demo ENT on a free port for `idp`, with optional config overrides (an unreachable issuer...). */
export async function startTestEnt(
  idp: TestIdp,
  overrides: Partial<EntConfig> = {},
  listener?: Awaited<ReturnType<typeof listenLater>>,
): Promise<TestEnt> {
  const http = listener ?? (await listenLater());
  let offset = 0;
  const config: EntConfig = {
    ...demoEntConfig(idp.config, {}),
    baseUrl: http.baseUrl,
    issuer: idp.baseUrl,
    logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
  const ent = createEntApp(config, { now: () => Date.now() + offset });
  http.serve(ent);
  return {
    baseUrl: http.baseUrl,
    ent,
    config,
    advanceClock(ms) {
      offset += ms;
    },
    async stop() {
      ent.close();
      http.server.closeAllConnections();
      await new Promise<void>((resolve) => http.server.close(() => resolve()));
    },
  };
}

/**
 * The IdP and the demo ENT, both real and over HTTP, as `npm start` runs them: the ENT's port is
 * known first so that the demo seed registers its redirect, logout and back-channel URIs.
 */
export async function startDemoStack(
  kind: DatabaseKind = 'pglite',
  env: Record<string, string> = {},
): Promise<DemoStack> {
  const listener = await listenLater();
  const idp = await startTestIdp(kind, { env: { ENT_BASE_URL: listener.baseUrl, ...env } });
  await seedDemoData(idp.database.db, idp.config, idp.idp.services.hasher);
  const ent = await startTestEnt(idp, {}, listener);
  return {
    idp,
    ent,
    async stop() {
      await ent.stop();
      await idp.stop();
    },
  };
}
