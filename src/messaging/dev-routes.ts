import Router from '@koa/router';
import type { Services } from '../services.js';
import { listOutbox } from './outbox.js';

/**
 * Development only (never mounted in production): the latest messages, so that a newcomer and the
 * tests can read an SMS code. `?to=+33612345678` filters by recipient.
 */
export function devOutboxRoutes(services: Services): Router {
  const router = new Router();
  router.get('/dev/outbox', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const to = ctx.query.to || undefined;
    // a filter that is not a phone number matches nothing (and never reaches the database)
    if (to !== undefined && (typeof to !== 'string' || !/^\+?[0-9]{1,20}$/.test(to))) {
      ctx.body = [];
      return;
    }
    const messages = await listOutbox(services.db, { to, limit: 50 });
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
