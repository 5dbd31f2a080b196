import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/database.js';
import type { PasswordHasher } from '../../domain/accounts/password-hasher.js';
import { deriveSecret } from '../../domain/secrets.js';
import { listen } from '../../http/listen.js';
import { createAtenDirectoryApp } from './app.js';

/**
 * `npm start` outside production: the demo ATEN directory on ATEN_DEMO_PORT, beside the IdP and the
 * demo ENT, sending its tickets only to this IdP's interaction pages.
 */
export async function startAtenDirectory(
  config: Config,
  db: Db,
  hasher: PasswordHasher,
  logger: Logger,
): Promise<{ close(): void }> {
  const directory = createAtenDirectoryApp({
    db,
    hasher,
    logger: logger.child({ service: 'aten-demo' }),
    servicePrefixes: [`${config.issuer}/interaction/`],
    // Another site than the IdP: a key of its own, derived from SECRET_KEY for the demo's convenience.
    csrfSecret: deriveSecret(config.secretKey, 'aten-demo-csrf'),
  });
  const server = createServer(directory.app.callback());
  await listen(server, config.atenDemoPort, 'ATEN_DEMO_PORT', config.host);
  logger.info({ url: config.atenCasUrl }, 'demo ATEN directory ready');
  return {
    close() {
      server.close();
      directory.close();
    },
  };
}
