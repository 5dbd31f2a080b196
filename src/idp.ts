import type { Logger } from 'pino';
import { createIdentityProvider, type IdentityProvider } from './app.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';

/**
 * The whole identity provider with every user flow plugged in: what `npm start` runs and what the
 * integration tests start.
 */
export function buildIdentityProvider(config: Config, db: Db, logger?: Logger): Promise<IdentityProvider> {
  return createIdentityProvider(config, db, { logger });
}
