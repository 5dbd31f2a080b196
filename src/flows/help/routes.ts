import Router from '@koa/router';
import { createElement } from 'preact';
import { HelpPage, type HelpTopic, HelpTopicPage } from '../../../views/help/help.js';
import { renderPage } from '../../http/render.js';
import { HELP_TOPICS } from './topics.js';

/** « Page d'aide ÉduConnect » at /aide, and each topic at /aide/<id>. Public: no interaction needed. */
export function helpRoutes(topics: HelpTopic[] = HELP_TOPICS): Router {
  const router = new Router();
  router.get('/aide', (ctx) => renderPage(ctx, createElement(HelpPage, { topics })));
  router.get('/aide/:topic', (ctx, next) => {
    const topic = topics.find((t) => t.id === ctx.params.topic);
    // An unknown topic falls through to the styled 404 page.
    if (!topic) return next();
    renderPage(ctx, createElement(HelpTopicPage, { topic }));
  });
  return router;
}
