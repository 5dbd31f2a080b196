import type { Context } from 'koa';
import type { Db } from '../../db/database.js';
import { renderMessage } from '../../http/render.js';
import { serviceHomeForInteraction } from './store.js';

export function renderExpiredInteraction(ctx: Context, returnUrl: string | undefined): void {
  renderMessage(
    ctx,
    {
      title: 'Session expirée',
      heading: 'Votre session a expiré',
      paragraphs: [
        'Pour votre sécurité, la page de connexion n’est valable qu’un temps limité, ou elle a été ouverte dans un autre navigateur.',
        returnUrl
          ? 'Retournez sur le service pour recommencer la connexion.'
          : 'Retournez sur le site du service (ENT, téléservice) et cliquez à nouveau sur le bouton de connexion.',
      ],
      link: returnUrl ? { href: returnUrl, label: 'Retourner sur le service' } : undefined,
      tone: 'error',
    },
    400,
  );
}

/** The page of an expired or foreign interaction, registered with the error pages (`SessionNotFound`). */
export function expiredInteractionPage(db: Db): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const uid = /^\/interaction\/([^/]+)/.exec(ctx.path)?.[1];
    renderExpiredInteraction(ctx, await serviceHomeForInteraction(db, uid));
  };
}
