import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { PasswordHasher } from '../domain/accounts/password-hasher.js';
import type { AuditLog } from '../domain/audit/audit-log.js';
import type { Csrf } from '../http/csrf.js';

/** What the flows are built from; assembled once in compose.ts. */
export interface Services {
  config: Config;
  db: Db;
  logger: Logger;
  provider: Provider;
  hasher: PasswordHasher;
  csrf: Csrf;
  audit: AuditLog;
  throttleSecret: Buffer;
}
