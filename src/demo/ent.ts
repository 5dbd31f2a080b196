import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { withDevSecrets } from '../config/dev-secrets.js';
import { deriveSecret } from '../domain/secrets.js';
import {
  ENT_SESSION_LIMITS,
  type EntConfig,
  EntConfigError,
  loadStandaloneEntConfig,
  trimSlash,
} from '../ent/config.js';
import { DEMO_CLIENT_ID, demoClientSecret } from './client.js';

type Env = Record<string, string | undefined>;

/** `npm start`: the ENT runs beside the IdP, registered by the demo seed with a secret derived from SECRET_KEY. */
export function demoEntConfig(config: Config, env: Env = process.env): EntConfig {
  return {
    production: config.production,
    port: config.entPort,
    baseUrl: config.entBaseUrl,
    issuer: trimSlash(env.ENT_ISSUER || config.issuer),
    clientId: env.ENT_CLIENT_ID || DEMO_CLIENT_ID,
    clientSecret: env.ENT_CLIENT_SECRET || demoClientSecret(config),
    cookieKeys: config.cookieKeys,
    csrfSecret: deriveSecret(config.secretKey, 'ent-session'),
    ...ENT_SESSION_LIMITS,
    trustProxy: config.trustProxy,
    logLevel: config.logLevel,
    atenTransition: config.atenEnabled,
  };
}

/**
 * `npm run start:ent`: in production, the ENT's own variables. Outside production it falls back to
 * the IdP's configuration (same data directory, so the same SECRET_KEY and the derived demo client
 * secret).
 */
export function loadEntConfig(env: Env = process.env): EntConfig {
  if (env.NODE_ENV === 'production') return loadStandaloneEntConfig(env);
  try {
    return demoEntConfig(withDevSecrets(loadConfig(env)), env);
  } catch (error) {
    if (error instanceof ConfigError) throw new EntConfigError(error.problems);
    throw error;
  }
}
