import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { listen } from '../http/listen.js';
import type { EntApp } from './app.js';
import type { EntConfig } from './config.js';

/**
 * Listens on ENT_PORT; shared by `npm start` (beside the IdP, on the IdP's HOST) and `npm run start:ent`
 * (every interface).
 */
export async function startEntServer(
  ent: EntApp,
  config: EntConfig,
  logger: Logger,
  host?: string,
): Promise<Server> {
  const server = createServer(ent.app.callback());
  server.keepAliveTimeout = 65_000;
  await listen(server, config.port, 'ENT_PORT', host);
  logger.info({ url: config.baseUrl, issuer: config.issuer, clientId: config.clientId }, 'demo ENT ready');
  return server;
}
