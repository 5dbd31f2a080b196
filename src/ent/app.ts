import Koa from 'koa';
import { type Logger, pino } from 'pino';
import { Csrf } from '../http/csrf.js';
import { requestLog } from '../http/request-log.js';
import { securityHeaders } from '../http/security-headers.js';
import { staticFiles } from '../http/static-files.js';
import type { EntConfig } from './config.js';
import { EduConnectClient } from './educonnect-client.js';
import { MESSAGES, renderEntMessage } from './messages.js';
import { entRoutes } from './routes.js';
import { SessionStore } from './sessions.js';

export interface EntApp {
  app: Koa;
  sessions: SessionStore;
  client: EduConnectClient;
  close(): void;
}

export interface EntAppOptions {
  logger?: Logger;
  /** Clock of the session store (tests move it forward to expire sessions). */
  now?: () => number;
}

export function createEntLogger(config: EntConfig): Logger {
  return pino({ level: config.logLevel, base: { service: 'educonnect-ent' } });
}

/** The demo ENT relying party: its own Koa app, its own cookies and sessions. Tests reuse it. */
export function createEntApp(config: EntConfig, options: EntAppOptions = {}): EntApp {
  const logger = options.logger ?? createEntLogger(config);
  const sessions = new SessionStore(
    {
      idleSeconds: config.sessionIdleSeconds,
      maxSeconds: config.sessionMaxSeconds,
      loginTtlSeconds: config.loginTtlSeconds,
    },
    options.now,
  );
  const client = new EduConnectClient(config);
  const app = new Koa();
  app.proxy = config.trustProxy;
  app.keys = config.cookieKeys;
  app.silent = true;
  app.use(requestLog(logger));
  app.use(securityHeaders(config.production));
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) renderEntMessage(ctx, MESSAGES.notFound, 404);
    } catch (error) {
      const err = error as Error & { status?: number };
      if (err.name === 'CsrfError') return renderEntMessage(ctx, MESSAGES.csrf, 403);
      if (err.status && err.status >= 400 && err.status < 500)
        return renderEntMessage(ctx, { ...MESSAGES.technical, title: 'Demande invalide' }, err.status);
      logger.error({ err, reqId: ctx.state.requestId }, 'unhandled error');
      renderEntMessage(ctx, MESSAGES.technical, 500);
    }
  });
  app.use(staticFiles(['ent.css', 'favicon.ico']));
  const router = entRoutes({
    client,
    sessions,
    csrf: new Csrf(config.csrfSecret, 'ent_csrf'),
    logger,
    secureCookies: config.baseUrl.startsWith('https:'),
    atenTransition: config.atenTransition,
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, sessions, client, close: () => sessions.close() };
}
