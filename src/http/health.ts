import Router from '@koa/router';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';

/** `/healthz` while the process lives; `/readyz` also asks the database (503 when it is unreachable). */
export function healthRoutes(db: Db, logger: Logger): Router {
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
  return health;
}
