import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { renderToString } from 'preact-render-to-string';
import { MessagePage } from '../../views/ui/message.js';
import { isDatabaseUnavailable } from '../db/availability.js';
import { HasherOverloadedError } from '../domain/accounts/password-hasher.js';
import { renderMessage } from './render.js';

export const OVERLOAD_MESSAGE = 'Le service est très demandé, réessayez dans quelques instants.';

/** The French 503 page of load shedding, with `Retry-After` (seconds). */
export function renderOverloaded(ctx: Context, retryAfterSeconds = 5): void {
  ctx.set('Retry-After', String(retryAfterSeconds));
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 503;
  ctx.type = 'text/html; charset=utf-8';
  // rendered once: under overload this page is served hundreds of times a second
  overloadPage ??= `<!doctype html>${renderToString(
    MessagePage({ title: 'Service très demandé', paragraphs: [OVERLOAD_MESSAGE], tone: 'error' }),
  )}`;
  ctx.body = overloadPage;
}
let overloadPage: string | undefined;

export const UNAVAILABLE_TITLE = 'Service momentanément indisponible';
export const UNAVAILABLE_MESSAGE =
  'Le service est momentanément indisponible, réessayez dans quelques instants.';

/** The French 503 page shown while the database is unreachable (restart, failover), with `Retry-After`. */
export function renderUnavailable(ctx: Context, retryAfterSeconds = 5): void {
  ctx.set('Retry-After', String(retryAfterSeconds));
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 503;
  ctx.type = 'text/html; charset=utf-8';
  unavailablePage ??= `<!doctype html>${renderToString(
    MessagePage({ title: UNAVAILABLE_TITLE, paragraphs: [UNAVAILABLE_MESSAGE], tone: 'error' }),
  )}`;
  ctx.body = unavailablePage;
}
let unavailablePage: string | undefined;

/** Pages that flows register for errors they own. */
export interface FlowErrorPages {
  /** The interaction behind this request has expired or belongs to another browser (`SessionNotFound`). */
  sessionExpired(ctx: Context): Promise<void>;
}

/** Every error on our routes becomes a French page with the right status; never a stack trace. */
export function errorPages(logger: Logger, pages: FlowErrorPages): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const err = error as Error & { status?: number; expose?: boolean; type?: string };
      if (isDatabaseUnavailable(err)) {
        logger.warn({ reqId: ctx.state.requestId, err: err.message }, 'database unavailable');
        renderUnavailable(ctx);
        return;
      }
      if (err.name === 'SessionNotFound') {
        await pages.sessionExpired(ctx);
        return;
      }
      if (err instanceof HasherOverloadedError) {
        renderOverloaded(ctx);
        return;
      }
      if (err.name === 'CsrfError') {
        renderMessage(
          ctx,
          {
            title: 'Formulaire expiré',
            paragraphs: [
              "Le formulaire a expiré ou n'a pas été envoyé depuis une page d'ÉduConnect.",
              'Revenez à la page précédente, rechargez-la et recommencez.',
            ],
            tone: 'error',
          },
          403,
        );
        return;
      }
      if (err.name === 'MalformedFormError' || err.status === 400) {
        renderMessage(
          ctx,
          {
            title: 'Formulaire invalide',
            paragraphs: ['Le formulaire envoyé est invalide. Revenez à la page précédente et recommencez.'],
            tone: 'error',
          },
          400,
        );
        return;
      }
      if (err.status === 413) {
        renderMessage(
          ctx,
          {
            title: 'Formulaire trop volumineux',
            paragraphs: ['Les informations envoyées sont trop longues.'],
            tone: 'error',
          },
          413,
        );
        return;
      }
      if (err.status === 415) {
        renderMessage(
          ctx,
          { title: 'Formulaire invalide', paragraphs: ["Ce type d'envoi n'est pas accepté."], tone: 'error' },
          415,
        );
        return;
      }
      if (err.status && err.status >= 400 && err.status < 500) {
        renderMessage(
          ctx,
          { title: 'Demande invalide', paragraphs: ['La demande ne peut pas aboutir.'], tone: 'error' },
          err.status,
        );
        return;
      }
      logger.error({ err, reqId: ctx.state.requestId }, 'unhandled error');
      renderMessage(
        ctx,
        {
          title: 'Erreur technique',
          paragraphs: ['Une erreur technique est survenue. Réessayez dans quelques instants.'],
          tone: 'error',
        },
        500,
      );
    }
  };
}
