import { loadEntConfig } from '../demo/ent.js';
import { PortInUseError } from '../http/listen.js';
import { createEntApp, createEntLogger } from './app.js';
import { type EntConfig, EntConfigError } from './config.js';
import { startEntServer } from './server.js';

/**
 * `npm run start:ent`: the demo ENT alone, for an IdP running elsewhere (production: ENT_ISSUER,
 * ENT_CLIENT_ID, ENT_CLIENT_SECRET, ENT_BASE_URL, ENT_COOKIE_KEYS).
 */
async function main() {
  let config: EntConfig;
  try {
    config = loadEntConfig(process.env);
  } catch (error) {
    if (error instanceof EntConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createEntLogger(config);
  const ent = createEntApp(config, { logger });
  let server: Awaited<ReturnType<typeof startEntServer>>;
  try {
    server = await startEntServer(ent, config, logger);
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
  const shutdown = () => {
    server.close();
    ent.close();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
