import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type Router from '@koa/router';
import Koa from 'koa';
import type Provider from 'oidc-provider';
import { type Logger, pino } from 'pino';
import { hashWorkersPerProcess } from './cluster.js';
import { type Config, loadConfig } from './config/config.js';
import { withDevSecrets } from './config/dev-secrets.js';
import { type Db, openDatabase, subscribe } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { startAtenDirectory } from './demo/aten/server.js';
import { seedDemoData } from './demo/demo-data.js';
import { demoEntConfig } from './demo/ent.js';
import { demoFranceConnectSettings, startFranceConnectDemo } from './demo/franceconnect/server.js';
import { PasswordHasher } from './domain/accounts/password-hasher.js';
import { purgeThrottle } from './domain/accounts/throttle.js';
import { AuditLog } from './domain/audit/audit-log.js';
import { purgeStaffSessions } from './domain/school/staff.js';
import { deriveSecret, type SecretBox } from './domain/secrets.js';
import { createEntApp } from './ent/app.js';
import { startEntServer } from './ent/server.js';
import { composeAccountFlow } from './flows/account/routes.js';
import { purgeAccountChanges } from './flows/account/store.js';
import { activationLoginLinks, activationRoutes, isActivationEntrance } from './flows/activation/routes.js';
import { atenLoginPrompt, atenRoutes } from './flows/aten/routes.js';
import { forcedPasswordRoutes } from './flows/forced-password/routes.js';
import { franceConnectRoutes } from './flows/franceconnect/routes.js';
import { franceConnectClient } from './flows/franceconnect/upstream.js';
import { helpRoutes } from './flows/help/routes.js';
import { helpTopics } from './flows/help/topics.js';
import { expiredInteractionPage } from './flows/interaction/expired.js';
import { Interactions } from './flows/interaction/interactions.js';
import { interactionRoutes } from './flows/interaction/routes.js';
import { loginRoutes } from './flows/login/routes.js';
import { logoutPages } from './flows/logout/logout.js';
import { pupilBindingRoutes } from './flows/pupil-binding/routes.js';
import { recoveryLoginLinks, recoveryRoutes } from './flows/recovery/routes.js';
import { purgeRecoveryFlows } from './flows/recovery/store.js';
import { schoolConsoleRoutes } from './flows/school-console/routes.js';
import { schoolIssuedRoutes } from './flows/school-issued/routes.js';
import type { Services } from './flows/services.js';
import { Admission, type FlowEntrance } from './http/admission.js';
import { Csrf } from './http/csrf.js';
import { errorPages } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { listen } from './http/listen.js';
import { applyProxyPolicy } from './http/proxy.js';
import { requestLog } from './http/request-log.js';
import { securityHeaders } from './http/security-headers.js';
import { staticFiles } from './http/static-files.js';
import { devOutboxRoutes } from './messaging/dev-routes.js';
import { OutboxDispatcher } from './messaging/dispatcher.js';
import { messageBox } from './messaging/outbox.js';
import { transportFor } from './messaging/transports.js';
import { CLIENT_CHANGES, ClientCache, purgeExpired } from './oidc/adapter.js';
import { clientSecretBox, sealLegacyClientSecrets } from './oidc/clients.js';
import { registerProviderEvents } from './oidc/events.js';
import { loadOrCreateJwks } from './oidc/keys.js';
import { createProvider, isNewAuthorization } from './oidc/provider.js';

/**
 * The composition root: config -> database -> messaging -> accounts and registry -> provider ->
 * flows -> Koa app, each built once. `main.ts` (and each cluster worker) starts a server with it;
 * the tests build the identity provider on a temporary database with `composeIdentityProvider`.
 */

/** The requests that start a new flow, which admission control refuses while the process is overloaded. */
export const FLOW_ENTRANCES: FlowEntrance[] = [isNewAuthorization, isActivationEntrance];

export interface IdentityProvider {
  app: Koa;
  services: Services;
  /** Admission control at the entrance of flows (load shedding before the hash queue). */
  admission: Admission;
  close(): Promise<void>;
}

export interface ComposeOptions {
  logger?: Logger;
  purgeIntervalMs?: number;
}

/** The environment as a server reads it: outside production, missing secrets come from DATA_DIR. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return withDevSecrets(loadConfig(env));
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { service: 'educonnect-idp' } });
}

/** The whole identity provider on `db`: every flow plugged in, our routes in front of oidc-provider. */
export async function composeIdentityProvider(
  config: Config,
  db: Db,
  options: ComposeOptions = {},
): Promise<IdentityProvider> {
  const logger = options.logger ?? createLogger(config);
  const sealed = await sealLegacyClientSecrets(db, clientSecretBox(config.secretKey));
  if (sealed > 0) logger.info({ sealed }, 'client secrets kept in clear by an earlier version sealed');
  const transport = transportFor(config, logger);
  const messages = messageBox(config.secretKey);
  const dispatcher = new OutboxDispatcher(db, messages, transport, logger, {
    maxAttempts: config.outboxMaxAttempts,
    retryBaseMs: config.outboxRetryBaseMs,
    pollMs: config.outboxPollMs,
  });
  const audit = new AuditLog(db, logger);
  const { provider, stopListening } = await composeProvider(config, db, audit, logger);
  const hasher = new PasswordHasher(config.hashWorkers || undefined, config.hashQueueLimit);
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
  const { interactions, outside } = composeFlows(services, messages, () => dispatcher.wake());
  const admission = new Admission({
    maxEventLoopDelayMs: config.admissionMaxEventLoopDelayMs,
    maxInFlight: config.admissionMaxInFlight,
    hashQueueFull: () => hasher.saturated,
    entrances: FLOW_ENTRANCES,
  });
  const devRouters = config.production
    ? []
    : [
        devOutboxRoutes(db, {
          box: messages,
          deliveredText: (id) => transport.deliveredText(id),
        }),
      ];
  const account = await composeAccountFlow(services, messages, () => dispatcher.wake());
  const app = composeApp(
    services,
    [
      interactions.router,
      ...outside,
      helpRoutes(helpTopics({ franceConnect: outside.length > 0 })),
      ...account,
      schoolConsoleRoutes(services),
      ...devRouters,
    ],
    admission,
  );
  const stopPurging = purgeExpiredRows(db, logger, options.purgeIntervalMs ?? 10 * 60 * 1000);
  dispatcher.start();
  return {
    app,
    services,
    admission,
    async close() {
      await dispatcher.stop();
      transport.close();
      stopPurging();
      await stopListening();
      admission.close();
      await audit.flush();
      await hasher.close();
    },
  };
}

async function composeProvider(config: Config, db: Db, audit: AuditLog, logger: Logger) {
  const jwks = await loadOrCreateJwks(config.jwksFile, !config.production);
  const clients = new ClientCache();
  // Services registered, changed or removed by the CLI (or another server process) apply at once.
  const stopListening = await subscribe(db, CLIENT_CHANGES, (clientId) =>
    clients.invalidate(clientId || undefined),
  );
  const provider: Provider = createProvider({ config, db, jwks, clients, logoutPages });
  registerProviderEvents(provider, audit, logger);
  return { provider, stopListening };
}

/** Every flow under /interaction/:uid; login steps run in the order their flows are added here. */
function composeFlows(services: Services, messages: SecretBox, messageQueued: () => void) {
  const interactions = new Interactions(services);
  const login = loginRoutes(interactions);
  const aten = { db: services.db, audit: services.audit, config: services.config };
  interactionRoutes(interactions, atenLoginPrompt(aten, login.profileChoice));
  forcedPasswordRoutes(interactions);
  // Activation, recovery and FranceConnect's first login share the SMS codes' key and limits.
  const codeSecret = deriveSecret(services.config.secretKey, 'sms-code');
  const smsFlows = { ...services, codeSecret, messageBox: messages, messageQueued };
  activationRoutes(interactions, smsFlows);
  login.addLinks(activationLoginLinks);
  recoveryRoutes(interactions, smsFlows);
  login.addLinks(recoveryLoginLinks);
  atenRoutes(interactions, aten);
  pupilBindingRoutes(interactions);
  schoolIssuedRoutes(interactions, { messageBox: messages, messageQueued });
  // Routes outside /interaction/:uid (FranceConnect's callback and logout return).
  const franceConnect = franceConnectClient(services.config);
  const outside = franceConnect ? [franceConnectRoutes(interactions, login, smsFlows, franceConnect)] : [];
  return { interactions, outside };
}

/** Our routers (the interaction's, development routes) in front of oidc-provider. */
function composeApp(services: Services, routers: Router[], admission: Admission): Koa {
  const { config, db, logger, provider } = services;
  const app = new Koa();
  applyProxyPolicy(app, config);
  app.keys = config.cookieKeys;
  app.silent = true;
  app.use(requestLog(logger));
  app.use(securityHeaders(config.production));
  app.use(errorPages(logger, { sessionExpired: expiredInteractionPage(db) }));
  app.use(staticFiles(['styles.css', 'password.js', 'logout.js', 'favicon.ico']));
  app.use(admission.middleware());
  app.use(healthRoutes(db, logger).routes());
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  const providerCallback = provider.callback();
  app.use(async (ctx) => {
    ctx.respond = false;
    await providerCallback(ctx.req, ctx.res);
  });
  return app;
}

/** Expired OIDC rows and stale throttle rows, every `intervalMs`; returns the function that stops it. */
function purgeExpiredRows(db: Db, logger: Logger, intervalMs: number): () => void {
  const purge = async () => {
    try {
      const removed = await purgeExpired(db);
      await purgeThrottle(db);
      await purgeAccountChanges(db);
      await purgeRecoveryFlows(db);
      await purgeStaffSessions(db);
      if (removed > 0) logger.info({ removed }, 'expired oidc rows purged');
    } catch (error) {
      logger.warn({ err: error }, 'purge failed');
    }
  };
  const timer = setInterval(purge, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * One server process: the database (served to the CLI and psql when embedded), migrations and demo
 * data (first process only), the identity provider on PORT and, outside production, the demo ENT.
 */
export async function startServer(config: Config, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const db = await openDatabase({
    ...config,
    role: 'server',
    onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost'),
    onLockWait: (owner) =>
      logger.warn({ pid: owner.pid }, 'la base embarquée est utilisée par une commande educonnect : attente'),
  });
  let stop = async () => {
    await db.destroy();
  };
  try {
    if (cluster.isPrimary) {
      const applied = await migrateToLatest(db);
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    config.hashWorkers = hashWorkersPerProcess(config);
    // Outside production, without FRANCECONNECT_*, the local FranceConnect (FC_DEMO=false to skip it).
    const fcDemo =
      !config.production && !config.franceConnect && cluster.isPrimary && process.env.FC_DEMO !== 'false';
    if (fcDemo) config.franceConnect = demoFranceConnectSettings(config);
    const idp = await composeIdentityProvider(config, db, { logger });
    stop = async () => {
      await idp.close();
      await db.destroy();
    };
    if (config.demoData && cluster.isPrimary) await seedDemoData(db, config, idp.services.hasher);

    const server = createServer(idp.app.callback());
    server.keepAliveTimeout = 65_000;
    await listen(server, config.port, 'PORT', config.host);
    logger.info(
      {
        issuer: config.issuer,
        host: config.host,
        port: config.port,
        database: config.databaseUrl ? 'postgresql' : 'pglite',
      },
      'identity provider ready',
    );
    // The demo ENT runs beside the IdP outside production (DEMO_ENT=false to skip it), once the IdP listens.
    const entConfig = demoEntConfig(config);
    const ent = config.production || process.env.DEMO_ENT === 'false' ? undefined : createEntApp(entConfig);
    const entServer = ent ? await startEntServer(ent, entConfig, logger, config.host) : undefined;
    const fcServer = fcDemo ? await startFranceConnectDemo(config, logger, config.host) : undefined;
    // Beside the demo ENT (so DEMO_ENT=false skips it too), the demo ATEN directory, unless ATEN_CAS_URL names a real one.
    const atenDirectory =
      ent && config.atenDemoDirectory
        ? await startAtenDirectory(config, db, idp.services.hasher, logger)
        : undefined;
    stop = async () => {
      atenDirectory?.close();
      server.close();
      entServer?.close();
      fcServer?.close();
      ent?.close();
      await idp.close();
      await db.destroy();
    };
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop: () => stop() };
}
