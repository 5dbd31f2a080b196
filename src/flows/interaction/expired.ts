import type { Context } from 'koa';
import { createElement } from 'preact';
import { ExpiredInteractionPage } from '../../../views/interaction/expired.js';
import type { Db } from '../../db/database.js';
import { renderPage } from '../../http/render.js';
import { serviceHomeForInteraction } from './store.js';

/** The page of an expired or foreign interaction, registered with the error pages (`SessionNotFound`). */
export function expiredInteractionPage(db: Db): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    const uid = /^\/interaction\/([^/]+)/.exec(ctx.path)?.[1];
    // the link back to the service is a nicety: without the database the page still shows
    const returnUrl = await serviceHomeForInteraction(db, uid).catch(() => undefined);
    renderPage(ctx, createElement(ExpiredInteractionPage, { returnUrl }), 400);
  };
}
