import type { Context } from 'koa';
import { createElement } from 'preact';
import { ConsentPage } from '../../../views/interaction/consent.js';
import { renderPage } from '../../http/render.js';
import { SCOPE_DESCRIPTIONS } from '../../oidc/claims.js';
import { grantConsent } from './consent.js';
import { type Interaction, type Interactions, pendingLogin } from './interactions.js';

/** The first page of a login (the profile choice), shown by the login flow. */
export type LoginPrompt = (ctx: Context, interaction: Interaction, clientName: string) => void;

/**
 * The interaction's own pages: where it stands (`/`: the next login step, the consent page, or the
 * login flow's first page), consent, and "Annuler et revenir au service".
 */
export function interactionRoutes(interactions: Interactions, loginPrompt: LoginPrompt): void {
  const { router, parseForm, services } = interactions;
  const { provider, audit, csrf } = services;

  const consent = async (ctx: Context, interaction: Interaction) => {
    const grantId = await grantConsent(provider, audit, interaction, ctx.ip);
    await interactions.finish(ctx, { consent: { grantId } }, true);
  };

  router.get('/', async (ctx) => {
    const interaction = await interactions.load(ctx);
    const pending = pendingLogin(interaction);
    if (interaction.prompt.name === 'login' && pending) {
      await interactions.continueLogin(ctx, interaction, pending);
      return;
    }
    const client = await provider.Client.find(interaction.params.client_id as string);
    const clientName = client?.clientName ?? (interaction.params.client_id as string);
    if (interaction.prompt.name !== 'consent') return loginPrompt(ctx, interaction, clientName);
    // First-party services (the académie's own ENT) are trusted: no consent page.
    if ((client as unknown as { first_party?: boolean })?.first_party) return consent(ctx, interaction);
    const scopes = String(interaction.params.scope ?? '').split(' ');
    const items = scopes.map((scope) => SCOPE_DESCRIPTIONS[scope]).filter((s): s is string => Boolean(s));
    renderPage(
      ctx,
      createElement(ConsentPage, { uid: interaction.uid, csrf: csrf.token(ctx), clientName, items }),
    );
  });

  router.post('/consent', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    interactions.requireCsrf(ctx);
    if (interaction.prompt.name !== 'consent') return ctx.redirect(`/interaction/${interaction.uid}`);
    await consent(ctx, interaction);
  });

  router.post('/abort', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    interactions.requireCsrf(ctx);
    await audit.record({
      event: 'login.cancelled',
      clientId: interaction.params.client_id as string,
      ip: ctx.ip,
    });
    await interactions.finish(ctx, {
      error: 'access_denied',
      error_description: "L'utilisateur a annulé la connexion",
    });
  });
}
