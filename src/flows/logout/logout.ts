import type { Context } from 'koa';
import { createElement } from 'preact';
import { LoggedOutPage } from '../../../views/logout/logged-out.js';
import { LogoutPage } from '../../../views/logout/logout.js';
import { renderPage } from '../../http/render.js';
import type { LogoutPages } from '../../oidc/provider.js';

/**
 * RP-initiated logout at `/session/end`: "Souhaitez-vous vous déconnecter d'ÉduConnect ?" around the
 * provider's own form, then "Vous êtes déconnecté" when the service gave no address to return to.
 */
export const logoutPages: LogoutPages = {
  async logoutSource(ctx, form) {
    const clientName = ctx.oidc.client?.clientName;
    renderPage(ctx as unknown as Context, createElement(LogoutPage, { formHtml: form, clientName }));
  },
  async postLogoutSuccessSource(ctx) {
    renderPage(ctx as unknown as Context, createElement(LoggedOutPage, {}));
  },
};
