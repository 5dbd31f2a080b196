import Router from '@koa/router';
import type { Context } from 'koa';
import { ConfirmEmailPage } from '../../../views/account/confirm-email.js';
import {
  confirmEmail,
  EMAIL_CONFIRMATION_PATH,
  type EmailConfirmationResult,
  emailLinkState,
} from '../../domain/accounts/email-confirmation.js';
import { formParser } from '../../http/form.js';
import { renderMessage, renderPage } from '../../http/render.js';
import type { Services } from '../services.js';

type Failure = Extract<EmailConfirmationResult, { ok: false }>['reason'];

const FAILURES: Record<Failure, { status: number; paragraphs: string[] }> = {
  unknown: {
    status: 404,
    paragraphs: [
      "Ce lien de confirmation n'est pas valable. Vérifiez que vous avez copié l'adresse en entier, ou demandez un nouveau lien depuis votre compte ÉduConnect.",
    ],
  },
  expired: {
    status: 410,
    paragraphs: [
      "Ce lien de confirmation a expiré, ou un lien plus récent l'a remplacé. Demandez un nouveau lien depuis votre compte ÉduConnect (« Renvoyer le mail »).",
    ],
  },
  used: {
    status: 410,
    paragraphs: [
      'Ce lien de confirmation a déjà été utilisé : votre adresse électronique est confirmée, vous n’avez rien d’autre à faire.',
    ],
  },
};

function renderFailure(ctx: Context, reason: Failure) {
  const failure = FAILURES[reason];
  renderMessage(
    ctx,
    {
      title: 'Lien de confirmation',
      heading: 'Lien de confirmation',
      paragraphs: failure.paragraphs,
      tone: 'error',
    },
    failure.status,
  );
}

/** Where a confirmed address leads (the « Mon compte » portal, once it is composed). */
export interface EmailLinkOptions {
  accountLink?: { href: string; label: string };
}

/**
 * The public page of a confirmation link: GET shows a button and changes nothing (mail scanners
 * follow links), POST (CSRF-checked) confirms.
 */
export function emailConfirmationRoutes(services: Services, options: EmailLinkOptions = {}): Router {
  const router = new Router();
  const path = `${EMAIL_CONFIRMATION_PATH}/:token`;
  router.get(path, async (ctx) => {
    const token = ctx.params.token ?? '';
    const state = await emailLinkState(services.db, token);
    if (state !== 'valid') return renderFailure(ctx, state);
    renderPage(
      ctx,
      ConfirmEmailPage({
        action: `${EMAIL_CONFIRMATION_PATH}/${encodeURIComponent(token)}`,
        csrf: services.csrf.token(ctx),
      }),
    );
  });
  router.post(path, formParser('4kb'), async (ctx) => {
    services.csrf.checkForm(ctx);
    const result = await confirmEmail(services.db, ctx.params.token ?? '');
    if (!result.ok) return renderFailure(ctx, result.reason);
    await services.audit.record({
      event: 'account.email_confirmed',
      accountId: result.accountId,
      ip: ctx.ip,
      detail: { changed: result.previousEmail !== null && result.previousEmail !== result.email },
    });
    renderMessage(ctx, {
      title: 'Adresse électronique confirmée',
      paragraphs: [
        `Votre adresse électronique ${result.email} est confirmée. Elle peut maintenant servir à récupérer votre compte et être transmise aux services qui la demandent.`,
      ],
      tone: 'success',
      link: options.accountLink,
    });
  });
  return router;
}
