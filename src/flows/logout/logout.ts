import type { Context } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { createElement } from 'preact';
import { LoggedOutPage } from '../../../views/logout/logged-out.js';
import { LoggingOutPage } from '../../../views/logout/logging-out.js';
import { LogoutPage } from '../../../views/logout/logout.js';
import { renderPage } from '../../http/render.js';
import type { ClientMetadataExtras, LogoutPages } from '../../oidc/provider.js';

/**
 * Whether the service that sent the person here may log them out without a second question: a
 * first-party service (the académie's ENT) whose valid ID token names the person of this session.
 * A token of someone else still gets the confirmation page.
 */
function confirmedByService(ctx: KoaContextWithOIDC, sessionSubject: () => string | undefined): boolean {
  const client = ctx.oidc.client;
  if (!client || !(client as unknown as ClientMetadataExtras).first_party) return false;
  // present only once oidc-provider has validated it (signature, issuer, audience)
  const hint = ctx.oidc.entities.IdTokenHint as { payload?: { sub?: string } } | undefined;
  const subject = hint?.payload?.sub;
  return Boolean(subject) && subject === sessionSubject();
}

/**
 * RP-initiated logout at `/session/end`: "Souhaitez-vous vous déconnecter d'ÉduConnect ?" around the
 * provider's own form (skipped for a first-party service, which already asked), then "Vous êtes
 * déconnecté" when the service gave no address to return to.
 */
export const logoutPages: LogoutPages = {
  async logoutSource(ctx, form, sessionSubject) {
    if (confirmedByService(ctx, sessionSubject))
      return renderPage(ctx as unknown as Context, createElement(LoggingOutPage, { formHtml: form }));
    const clientName = ctx.oidc.client?.clientName;
    renderPage(ctx as unknown as Context, createElement(LogoutPage, { formHtml: form, clientName }));
  },
  async postLogoutSuccessSource(ctx) {
    renderPage(ctx as unknown as Context, createElement(LoggedOutPage, {}));
  },
};
