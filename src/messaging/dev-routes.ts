import Router from '@koa/router';
import type { Db } from '../db/database.js';
import { listOutbox } from './outbox.js';

/**
 * Development only (never mounted in production): the latest messages, so that a newcomer and the
 * tests can read an SMS code. `?to=+33612345678` filters by recipient.
 */
export function devOutboxRoutes(db: Db): Router {
  const router = new Router();
  router.get('/dev/outbox', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const to = typeof ctx.query.to === 'string' && ctx.query.to.length <= 32 ? ctx.query.to : undefined;
    const messages = await listOutbox(db, { to, limit: 50 });
    ctx.body = messages.map((m) => ({
      channel: m.channel,
      to: m.to,
      body: m.body,
      createdAt: m.createdAt,
      status: m.status,
      attempts: m.attempts,
      lastError: m.lastError,
    }));
  });
  return router;
}
