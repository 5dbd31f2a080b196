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
    const returnUrl = await serviceHomeForInteraction(db, uid);
    renderPage(ctx, createElement(ExpiredInteractionPage, { returnUrl }), 400);
  };
}
