import type { Context } from 'koa';
import { createElement } from 'preact';
import { LoginPage, type LoginPageProps } from '../../../views/login/login.js';
import { ProfileChoicePage } from '../../../views/login/profile-choice.js';
import type { Profile } from '../../db/schema.js';
import { isProfile, PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { temporaryPasswordState } from '../../domain/school/notifications.js';
import { MalformedFormError, textField } from '../../http/form.js';
import { renderPage } from '../../http/render.js';
import { ACCOUNT_PORTAL_CLIENT_ID } from '../../oidc/account-portal.js';
import type { Interactions } from '../interaction/interactions.js';
import type { LoginPrompt } from '../interaction/routes.js';
import { EXPIRED_MESSAGE } from '../school-issued/state.js';
import { attemptLogin } from './login.js';

export const FAILED_LOGIN_MESSAGE = "L'identifiant ou le mot de passe est incorrect";

/**
 * Extra links of a profile's login page, contributed by other flows: under the form (activation...),
 * or `beside` a field (« Identifiant oublié ? », « Mot de passe oublié ? »).
 */
export type LoginLinks = (
  uid: string,
  profile: Profile,
) => { href: string; label: string; beside?: 'identifier' | 'password' }[];

export interface LoginFlow {
  /** "Je sélectionne mon profil": the interaction's first page while nobody is logged in. */
  profileChoice: LoginPrompt;
  addLinks(links: LoginLinks): void;
  /** Offers « S'identifier avec FranceConnect » above the form: the address its button posts to. */
  offerFranceConnect(action: (uid: string, profile: Profile) => string | undefined): void;
}

/** Profile choice and password login: `/interaction/:uid/login/:profile` and its form. */
export function loginRoutes(interactions: Interactions): LoginFlow {
  const { router, parseForm, services } = interactions;
  const links: LoginLinks[] = [];
  let franceConnect: ((uid: string, profile: Profile) => string | undefined) | undefined;
  const loginPage = (ctx: Context, uid: string, profile: Profile, props: Partial<LoginPageProps> = {}) =>
    createElement(LoginPage, {
      uid,
      csrf: services.csrf.token(ctx),
      profile,
      profileLabel: PROFILE_LABELS[profile],
      extraLinks: links.flatMap((offered) => offered(uid, profile)),
      franceConnectAction: franceConnect?.(uid, profile),
      ...props,
    });

  router.get('/login/:profile', async (ctx) => {
    const interaction = await interactions.load(ctx);
    const profile = ctx.params.profile;
    if (!isProfile(profile)) return ctx.redirect(`/interaction/${interaction.uid}`);
    // « Je me connecte » after a recovery comes back with the identifier filled in.
    const given = ctx.query.identifiant;
    const identifier = typeof given === 'string' ? given.slice(0, 100) : undefined;
    renderPage(ctx, loginPage(ctx, interaction.uid, profile, { identifier }));
  });

  router.post('/login', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    interactions.requireCsrf(ctx);
    const { profile, identifier, password } = readLoginForm(ctx.request.body);
    const page = (status: number, props: Partial<LoginPageProps>) =>
      renderPage(ctx, loginPage(ctx, interaction.uid, profile, { identifier, ...props }), status);
    const errors = missingFields(identifier, password);
    if (errors) return page(400, { message: 'Le formulaire contient des erreurs.', errors });
    const clientId = interaction.params.client_id as string;
    const outcome = await attemptLogin(services, { profile, identifier, password, ip: ctx.ip, clientId });
    if (outcome.status === 'throttled') {
      ctx.set('Retry-After', String(Math.ceil(outcome.retryAfterSeconds / 60) * 60)); // as the page says
      return page(429, { message: throttledMessage(outcome.retryAfterSeconds) });
    }
    if (outcome.status === 'refused') return page(401, { message: FAILED_LOGIN_MESSAGE });
    // The right temporary password past its date: say so (the school issues a new one), not « incorrect ».
    // Only a temporary password can expire: other logins skip the query.
    if (
      outcome.account.must_change_password &&
      (await temporaryPasswordState(services.db, outcome.account)) === 'expired'
    )
      return page(401, { message: EXPIRED_MESSAGE });
    const pending = { accountId: outcome.account.id, amr: ['pwd'] };
    await interactions.continueLogin(ctx, interaction, pending, outcome.account);
  });

  return {
    profileChoice(ctx, interaction, clientName) {
      const csrf = services.csrf.token(ctx);
      // the portal (« Mon compte ») is EduConnect itself, not a service: no « Vous vous connectez au service »
      const service = interaction.params.client_id === ACCOUNT_PORTAL_CLIENT_ID ? undefined : clientName;
      renderPage(ctx, createElement(ProfileChoicePage, { uid: interaction.uid, csrf, clientName: service }));
    },
    addLinks(offered) {
      links.push(offered);
    },
    offerFranceConnect(action) {
      franceConnect = action;
    },
  };
}

function readLoginForm(body: unknown): { profile: Profile; identifier: string; password: string } {
  const profile = textField(body, 'profile', 32);
  if (!isProfile(profile)) throw new MalformedFormError('profile');
  const identifier = textField(body, 'identifier', 100).trim().toLowerCase();
  return { profile, identifier, password: textField(body, 'password', 128) };
}

function missingFields(identifier: string, password: string): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  if (!identifier) errors.identifier = 'Saisissez votre identifiant.';
  if (!password) errors.password = 'Saisissez votre mot de passe.';
  return Object.keys(errors).length > 0 ? errors : undefined;
}

function throttledMessage(retryAfterSeconds: number): string {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return `Trop de tentatives de connexion. Réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`;
}
