import type { Context } from 'koa';
import { createElement } from 'preact';
import {
  AtenCreatedPage,
  AtenEndedPage,
  type AtenEndingReason,
  AtenPasswordPage,
  AtenWelcomePage,
} from '../../../views/aten/pages.js';
import type { Profile } from '../../db/schema.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { checkNewPassword, PASSWORD_RULES } from '../../domain/accounts/password-policy.js';
import { atenIdentity } from '../../domain/aten/vector.js';
import { FORM_ERROR, textField } from '../../http/form.js';
import { renderPage } from '../../http/render.js';
import type { Interaction, Interactions } from '../interaction/interactions.js';
import type { LoginPrompt } from '../interaction/routes.js';
import { casLoginUrl, validateTicket } from './cas.js';
import { ATEN_STATES, type AtenTransition, type AtenTransitionState } from './state.js';
import { identifierOfAccount } from './store.js';
import { type AtenDeps, assessAtenAccount, atenOpen, completeTransition } from './transition.js';

/** The authorization parameter a service sends for « Je n'ai pas de compte Educonnect ». */
export const ATEN_TRANSITION_PARAM = 'transition';

const ENDING_STATUS: Record<AtenEndingReason, number> = {
  already: 409,
  not_found: 403,
  invalid_account: 403,
  ticket: 400,
  unreachable: 503,
  closed: 410,
};

const atenPath = (uid: string) => `/interaction/${uid}/aten`;

function transitionOf(interaction: Interaction): AtenTransition | undefined {
  const aten = (interaction.result as { aten?: AtenTransition } | undefined)?.aten;
  return aten && typeof aten.atenLogin === 'string' && aten.state in ATEN_STATES ? aten : undefined;
}

/**
 * « commence par « s.d » et se termine par « 74 » »: enough to recognise one's identifier, not enough
 * to hand it whole to whoever holds the ATEN password.
 */
function identifierHint(identifier: string): string {
  const digits = identifier.match(/[0-9]+$/)?.[0] ?? '';
  return `commence par « ${identifier.slice(0, 3)} » et se termine par « ${digits.slice(-2)} »`;
}

const dateFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });

/**
 * A service's « Je n'ai pas de compte Educonnect » (`transition=aten` on /auth): the interaction's
 * first page is the ATEN login instead of the profile choice, while the path is enabled.
 */
export function atenLoginPrompt(deps: AtenDeps, prompt: LoginPrompt): LoginPrompt {
  return (ctx, interaction, clientName) => {
    if (deps.config.atenEnabled && interaction.params[ATEN_TRANSITION_PARAM] === 'aten') {
      ctx.redirect(atenPath(interaction.uid));
      return;
    }
    prompt(ctx, interaction, clientName);
  };
}

/** The ATEN transition under /interaction/:uid/aten (seed 001, steps 3 to 7). */
export function atenRoutes(interactions: Interactions, deps: AtenDeps): void {
  const { router, parseForm, services } = interactions;
  const { csrf } = services;
  const { config } = deps;
  const serviceUrl = (uid: string) => `${config.issuer}${atenPath(uid)}/retour`;

  const ended = (
    ctx: Context,
    uid: string,
    reason: AtenEndingReason,
    more: { profile?: Profile; detail?: string } = {},
  ) => {
    const detail =
      reason === 'closed' && config.atenClosesAt ? dateFormat.format(config.atenClosesAt) : more.detail;
    renderPage(
      ctx,
      createElement(AtenEndedPage, { uid, reason, profile: more.profile, detail }),
      ENDING_STATUS[reason],
    );
  };

  /** The interaction, unless the path is closed (then its page is rendered). */
  const open = async (ctx: Context) => {
    const interaction = await interactions.load(ctx);
    if (!atenOpen(config)) {
      ended(ctx, interaction.uid, 'closed');
      return undefined;
    }
    return interaction;
  };

  /** The interaction and its transition when in `state`; else the page where the transition stands. */
  const at = async (ctx: Context, state: AtenTransitionState) => {
    const interaction = await open(ctx);
    if (!interaction) return undefined;
    const transition = transitionOf(interaction);
    if (transition?.state === state) return { interaction, transition };
    const page = transition ? ATEN_STATES[transition.state].pages[0] : undefined;
    ctx.redirect(page ? `${atenPath(interaction.uid)}/${page}` : atenPath(interaction.uid));
    return undefined;
  };

  const save = async (interaction: Interaction, transition: AtenTransition) => {
    interaction.result = { ...(interaction.result ?? {}), aten: transition };
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  };

  const passwordPage = (
    ctx: Context,
    uid: string,
    transition: AtenTransition,
    errors?: Record<string, string>,
  ) =>
    renderPage(
      ctx,
      createElement(AtenPasswordPage, {
        profileLabel: PROFILE_LABELS[transition.profile],
        uid,
        csrf: csrf.token(ctx),
        identifier: transition.identifier,
        rules: PASSWORD_RULES,
        ...(errors && { errors, message: FORM_ERROR }),
      }),
      errors ? 400 : 200,
    );

  // « Je n'ai pas de compte Educonnect »: off to the ATEN directory's login page.
  router.get('/aten', async (ctx) => {
    const interaction = await open(ctx);
    if (!interaction) return;
    const transition = transitionOf(interaction);
    if (transition)
      return ctx.redirect(`${atenPath(interaction.uid)}/${ATEN_STATES[transition.state].pages[0]}`);
    ctx.redirect(casLoginUrl(config.atenCasUrl, serviceUrl(interaction.uid)));
  });

  // Back from « VALIDER » with a ticket: the directory says who it is, once.
  router.get('/aten/retour', async (ctx) => {
    const interaction = await open(ctx);
    if (!interaction) return;
    const uid = interaction.uid;
    if (transitionOf(interaction)) return ctx.redirect(atenPath(uid));
    const ticket = typeof ctx.query.ticket === 'string' ? ctx.query.ticket : '';
    if (!/^ST-[A-Za-z0-9._-]{1,200}$/.test(ticket)) return ended(ctx, uid, 'ticket');
    const validation = await validateTicket(config.atenCasUrl, serviceUrl(uid), ticket);
    if (validation.status !== 'valid')
      return ended(ctx, uid, validation.status === 'invalid' ? 'ticket' : 'unreachable');
    const assessed = await assessAtenAccount(deps, validation.user, validation.vectors, ctx.ip);
    if (assessed.status === 'already') {
      const identifier = assessed.accountId && (await identifierOfAccount(deps.db, assessed.accountId));
      const profile = atenIdentity(validation.vectors)?.profile;
      return ended(ctx, uid, 'already', {
        profile,
        detail: identifier ? identifierHint(identifier) : undefined,
      });
    }
    if (assessed.status !== 'ready') return ended(ctx, uid, assessed.status);
    await save(interaction, assessed.transition);
    ctx.status = 303;
    ctx.redirect(`${atenPath(uid)}/bienvenue`);
  });

  router.get('/aten/bienvenue', async (ctx) => {
    const found = await at(ctx, 'authenticated');
    if (!found) return;
    const { interaction, transition } = found;
    renderPage(
      ctx,
      createElement(AtenWelcomePage, {
        profileLabel: PROFILE_LABELS[transition.profile],
        uid: interaction.uid,
        givenName: transition.givenName,
        familyName: transition.familyName,
      }),
    );
  });

  router.get('/aten/mot-de-passe', async (ctx) => {
    const found = await at(ctx, 'authenticated');
    if (found) passwordPage(ctx, found.interaction.uid, found.transition);
  });

  router.post('/aten/mot-de-passe', parseForm, async (ctx) => {
    const found = await at(ctx, 'authenticated');
    if (!found) return;
    interactions.requireCsrf(ctx);
    const { interaction, transition } = found;
    const password = textField(ctx.request.body, 'password', 200);
    const confirmation = textField(ctx.request.body, 'confirmation', 200);
    const errors = checkNewPassword(password, confirmation, [transition.givenName, transition.familyName]);
    if (Object.keys(errors).length > 0) return passwordPage(ctx, interaction.uid, transition, errors);
    const result = await completeTransition(deps, transition, await services.hasher.hash(password), ctx.ip);
    if (result.status !== 'completed')
      return ended(ctx, interaction.uid, result.status, { profile: transition.profile });
    await save(interaction, {
      ...transition,
      state: 'completed',
      identifier: result.account.identifier,
      accountId: result.account.id,
    });
    ctx.status = 303;
    ctx.redirect(`${atenPath(interaction.uid)}/compte-cree`);
  });

  router.get('/aten/compte-cree', async (ctx) => {
    const found = await at(ctx, 'completed');
    if (!found) return;
    const { interaction, transition } = found;
    renderPage(
      ctx,
      createElement(AtenCreatedPage, {
        profileLabel: PROFILE_LABELS[transition.profile],
        uid: interaction.uid,
        csrf: csrf.token(ctx),
        identifier: transition.identifier,
      }),
    );
  });

  // « Vous êtes redirigé dans l'ENT »: logged in, through the login's remaining steps (« Ajout d'élèves »).
  router.post('/aten/acces', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    const transition = transitionOf(interaction);
    if (transition?.state !== 'completed' || !transition.accountId)
      return ctx.redirect(atenPath(interaction.uid));
    interactions.requireCsrf(ctx);
    await deps.audit.record({
      event: 'login.success',
      accountId: transition.accountId,
      clientId: interaction.params.client_id as string,
      ip: ctx.ip,
      detail: { profile: transition.profile, method: 'aten' },
    });
    await interactions.continueLogin(ctx, interaction, { accountId: transition.accountId, amr: ['pwd'] });
  });
}
