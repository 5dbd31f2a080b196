import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

const DEV_SECRETS_FILE = 'secrets.json';

interface DevSecrets {
  cookieKeys: string[];
  secretKey: string;
}

/** Outside production, secrets are generated once and kept in the data directory so restarts keep sessions. */
function loadOrCreateDevSecrets(dataDir: string): DevSecrets {
  const file = join(dataDir, DEV_SECRETS_FILE);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  mkdirSync(dataDir, { recursive: true });
  const secrets: DevSecrets = {
    cookieKeys: [randomBytes(32).toString('base64url')],
    secretKey: randomBytes(32).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/** Fills the secrets a development configuration left empty from `DATA_DIR/secrets.json` (written once). */
export function withDevSecrets(config: Config): Config {
  if (config.production || (config.cookieKeys.length > 0 && config.secretKey)) return config;
  const dev = loadOrCreateDevSecrets(config.dataDir);
  if (config.cookieKeys.length === 0) config.cookieKeys = dev.cookieKeys;
  if (!config.secretKey) config.secretKey = dev.secretKey;
  return config;
}
