import Router from '@koa/router';
import type { Db } from '../db/database.js';
import { normaliseEmail } from '../domain/accounts/email-address.js';
import type { SecretBox } from '../domain/secrets.js';
import { parseEmailBody } from './email.js';
import { listOutbox, openMessageBody } from './outbox.js';

export interface DevOutboxOptions {
  box: SecretBox;
  /** The text the transport delivered for a message whose stored body is already erased. */
  deliveredText?: (id: string) => string | undefined;
}

/**
 * Development only (never mounted in production): the latest messages, so that a newcomer and the
 * tests can read an SMS code or an email link. `?to=+33612345678` (or `?to=nom@exemple.fr`) filters by
 * recipient; an email shows its subject and its plain-text part. A pending message shows its
 * opened body; a sent one (body erased) the text the log transport delivered, while it remembers it.
 */
export function devOutboxRoutes(db: Db, options: DevOutboxOptions): Router {
  const router = new Router();
  router.get('/dev/outbox', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const to = ctx.query.to || undefined;
    // a filter that is neither a phone number nor an email address matches nothing (and never reaches the database)
    if (
      to !== undefined &&
      (typeof to !== 'string' || !(/^\+?[0-9]{1,20}$/.test(to) || normaliseEmail(to) === to))
    ) {
      ctx.body = [];
      return;
    }
    const messages = await listOutbox(db, { to, limit: 50 });
    ctx.body = messages.map((m) => ({
      channel: m.channel,
      to: m.to,
      ...readableContent(options, m),
      createdAt: m.createdAt,
      status: m.status,
      attempts: m.attempts,
      lastError: m.lastError,
    }));
  });
  return router;
}

function readableContent(
  options: DevOutboxOptions,
  m: { id: string; channel: 'sms' | 'email'; to: string; sealedBody: string | null },
): { body: string | null; subject?: string | null } {
  const body = readable(options, m);
  if (m.channel !== 'email') return { body };
  const email = body === null ? null : parseEmailBody(body);
  return { subject: email?.subject ?? null, body: email?.text ?? null };
}

function readable(
  options: DevOutboxOptions,
  m: { id: string; channel: 'sms' | 'email'; to: string; sealedBody: string | null },
): string | null {
  try {
    const opened = openMessageBody(options.box, { channel: m.channel, recipient: m.to, body: m.sealedBody });
    return opened ?? options.deliveredText?.(m.id) ?? null;
  } catch {
    return null;
  }
}
