import Router from '@koa/router';
import Koa from 'koa';
import { type Logger, pino } from 'pino';
import type { Config } from './config/config.js';
import { type Db, subscribe } from './db/database.js';
import { PasswordHasher } from './domain/accounts/password-hasher.js';
import { purgeThrottle } from './domain/accounts/throttle.js';
import { AuditLog } from './domain/audit/audit-log.js';
import { deriveSecret } from './domain/secrets.js';
import { type InteractionRoutesOptions, interactionRoutes } from './flows/interaction/routes.js';
import { Admission } from './http/admission.js';
import { Csrf } from './http/csrf.js';
import { errorPages } from './http/errors.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import { staticFiles } from './http/static-files.js';
import { CLIENT_CHANGES, ClientCache, purgeExpired } from './oidc/adapter.js';
import { registerProviderEvents } from './oidc/events.js';
import { loadOrCreateJwks } from './oidc/keys.js';
import { createProvider } from './oidc/provider.js';
import type { Services } from './services.js';

export interface IdentityProvider {
  app: Koa;
  services: Services;
  /** Admission control at the entrance of flows (load shedding before the hash queue). */
  admission: Admission;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** Flows plugged into the interaction router (activation, pupil binding...). */
  interaction?: InteractionRoutesOptions;
  /** Extra routers (account pages, development routes...), mounted before the provider. */
  routers?: ((services: Services) => Router)[];
  purgeIntervalMs?: number;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: 'educonnect-idp' } });
}

/** Builds the identity provider: Koa app with our routes in front of oidc-provider. Tests reuse it. */
export async function createIdentityProvider(
  config: Config,
  db: Db,
  options: AppOptions = {},
): Promise<IdentityProvider> {
  const logger = options.logger ?? createLogger(config);
  const jwks = await loadOrCreateJwks(config.jwksFile, !config.production);
  const clients = new ClientCache();
  // Services registered, changed or removed by the CLI (or another server process) apply at once.
  const stopListening = await subscribe(db, CLIENT_CHANGES, (clientId) =>
    clients.invalidate(clientId || undefined),
  );
  const provider = createProvider({ config, db, jwks, clients });
  const hasher = new PasswordHasher(config.hashWorkers || undefined, config.hashQueueLimit);
  const audit = new AuditLog(db, logger);
  const services: Services = {
    config,
    db,
    logger,
    provider,
    hasher,
    csrf: new Csrf(deriveSecret(config.secretKey, 'csrf')),
    audit,
    throttleSecret: deriveSecret(config.secretKey, 'throttle'),
  };
  registerProviderEvents(provider, audit, logger);

  const app = new Koa();
  app.proxy = config.trustProxy;
  app.keys = config.cookieKeys;
  app.silent = true;
  app.use(requestLog(logger));
  app.use(securityHeaders(config.production));
  app.use(errorPages(db, logger));
  app.use(staticFiles(['styles.css', 'password.js']));
  const admission = new Admission({
    maxEventLoopDelayMs: config.admissionMaxEventLoopDelayMs,
    maxInFlight: config.admissionMaxInFlight,
    hashQueueFull: () => hasher.saturated,
  });
  app.use(admission.middleware());

  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  health.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await db.selectFrom('accounts').select('id').limit(1).execute();
      ctx.body = { status: 'ok', database: 'ok' };
    } catch (error) {
      logger.warn({ err: error }, 'readiness check failed');
      ctx.status = 503;
      ctx.body = { status: 'unavailable', database: 'unreachable' };
    }
  });
  app.use(health.routes());
  const interactions = interactionRoutes(services, options.interaction);
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());
  for (const build of options.routers ?? []) {
    const router = build(services);
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  const providerCallback = provider.callback();
  app.use(async (ctx) => {
    ctx.respond = false;
    await providerCallback(ctx.req, ctx.res);
  });

  const purge = async () => {
    try {
      const removed = await purgeExpired(db);
      await purgeThrottle(db);
      if (removed > 0) logger.info({ removed }, 'expired oidc rows purged');
    } catch (error) {
      logger.warn({ err: error }, 'purge failed');
    }
  };
  const timer = setInterval(purge, options.purgeIntervalMs ?? 10 * 60 * 1000);
  timer.unref();

  return {
    app,
    services,
    admission,
    async close() {
      clearInterval(timer);
      await stopListening();
      admission.close();
      await audit.flush();
      await hasher.close();
    },
  };
}
