import { createHmac } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import bodyParser from 'koa-bodyparser';
import { createElement } from 'preact';
import { ChangePasswordPage, ConsentPage, LoginPage, ProfileChoicePage } from '../../../views/login/login.js';
import type { Profile } from '../../db/schema.js';
import {
  authenticate,
  findAccountById,
  isProfile,
  loadLoginCandidate,
  setPassword,
} from '../../domain/accounts/accounts.js';
import { recordSuccessfulLogin } from '../../domain/accounts/login-record.js';
import { checkPassword } from '../../domain/accounts/password-policy.js';
import { ACCOUNT_POLICY, IP_POLICY, recordFailure } from '../../domain/accounts/throttle.js';
import { MalformedFormError, textField } from '../../http/form.js';
import { renderMessage, renderPage } from '../../http/render.js';
import { SCOPE_DESCRIPTIONS } from '../../oidc/claims.js';
import type { Services } from '../../services.js';
import { continueLogin, finishInteraction, loadInteraction, pendingLogin } from './session.js';
import type { LoginStep } from './steps.js';

export const FAILED_LOGIN_MESSAGE = "L'identifiant ou le mot de passe est incorrect";

/** Extra links under a profile's login form, contributed by other flows (activation...). */
export type LoginLinks = (uid: string, profile: Profile) => { href: string; label: string }[];

export interface InteractionRoutesOptions {
  /** Steps run after the password check, in order; the forced password change is always first. */
  extraSteps?: LoginStep[];
  loginLinks?: LoginLinks;
  /** Extra routes under /interaction/:uid (activation flow, binding step...). */
  extend?: (router: Router, tools: InteractionTools) => void;
}

export interface InteractionTools {
  parseForm: ReturnType<typeof bodyParser>;
  requireCsrf: (ctx: Context) => void;
  steps: LoginStep[];
  services: Services;
}

function throttleKey(secret: Buffer, kind: 'account' | 'ip', value: string): string {
  return `${kind}:${createHmac('sha256', secret).update(value).digest('base64url').slice(0, 32)}`;
}

export function interactionRoutes(services: Services, options: InteractionRoutesOptions = {}): Router {
  const { provider, db, hasher, csrf, audit } = services;
  const router = new Router({ prefix: '/interaction/:uid' });
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '32kb' });
  const requireCsrf = (ctx: Context) =>
    csrf.check(ctx, (ctx.request.body as Record<string, unknown> | undefined)?._csrf);

  const passwordStep: LoginStep = {
    name: 'password',
    async isNeeded(account) {
      return account.must_change_password;
    },
  };
  const steps = [passwordStep, ...(options.extraSteps ?? [])];

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/', async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    const pending = pendingLogin(interaction);
    if (interaction.prompt.name === 'login' && pending) {
      await continueLogin(services, steps, ctx, interaction, pending);
      return;
    }
    const client = await provider.Client.find(interaction.params.client_id as string);
    const clientName = client?.clientName ?? (interaction.params.client_id as string);
    if (interaction.prompt.name === 'consent') {
      if ((client as unknown as { first_party?: boolean })?.first_party) {
        await grantConsent(ctx, interaction);
        return;
      }
      const scopes = String(interaction.params.scope ?? '').split(' ');
      const items = scopes.map((scope) => SCOPE_DESCRIPTIONS[scope]).filter((s): s is string => Boolean(s));
      renderPage(
        ctx,
        createElement(ConsentPage, { uid: interaction.uid, csrf: csrf.token(ctx), clientName, items }),
      );
      return;
    }
    renderPage(
      ctx,
      createElement(ProfileChoicePage, { uid: interaction.uid, csrf: csrf.token(ctx), clientName }),
    );
  });

  router.get('/login/:profile', async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    const profile = ctx.params.profile;
    if (!isProfile(profile)) {
      ctx.redirect(`/interaction/${interaction.uid}`);
      return;
    }
    renderPage(
      ctx,
      createElement(LoginPage, {
        uid: interaction.uid,
        csrf: csrf.token(ctx),
        profile,
        extraLinks: options.loginLinks?.(interaction.uid, profile),
      }),
    );
  });

  router.post('/login', parseForm, async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    requireCsrf(ctx);
    const body = ctx.request.body;
    const profile = textField(body, 'profile', 32);
    if (!isProfile(profile)) throw new MalformedFormError('profile');
    const identifier = textField(body, 'identifier', 100).trim().toLowerCase();
    const password = textField(body, 'password', 128);
    const page = (status: number, extra: { message?: string; errors?: Record<string, string> }) =>
      renderPage(
        ctx,
        createElement(LoginPage, {
          uid: interaction.uid,
          csrf: csrf.token(ctx),
          profile,
          identifier,
          extraLinks: options.loginLinks?.(interaction.uid, profile),
          ...extra,
        }),
        status,
      );

    const errors: Record<string, string> = {};
    if (!identifier) errors.identifier = 'Saisissez votre identifiant.';
    if (!password) errors.password = 'Saisissez votre mot de passe.';
    if (Object.keys(errors).length > 0)
      return page(400, { message: 'Le formulaire contient des erreurs.', errors });

    const accountKey = throttleKey(services.throttleSecret, 'account', identifier);
    const ipKey = throttleKey(services.throttleSecret, 'ip', ctx.ip);
    const candidate = await loadLoginCandidate(db, identifier, [accountKey, ipKey]);
    if (candidate.retryAfterSeconds > 0) {
      ctx.set('Retry-After', String(candidate.retryAfterSeconds));
      const minutes = Math.ceil(candidate.retryAfterSeconds / 60);
      return page(429, {
        message: `Trop de tentatives de connexion. Réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`,
      });
    }

    const result = await authenticate(db, hasher, candidate.account, password, profile);
    if (!result.ok) {
      await Promise.all([recordFailure(db, accountKey, ACCOUNT_POLICY), recordFailure(db, ipKey, IP_POLICY)]);
      await audit.record({
        event: 'login.failure',
        clientId: interaction.params.client_id as string,
        ip: ctx.ip,
        detail: { profile },
      });
      return page(401, { message: FAILED_LOGIN_MESSAGE });
    }
    const { account } = result;
    await recordSuccessfulLogin(db, {
      accountId: account.id,
      throttleKey: accountKey,
      clientId: interaction.params.client_id as string,
      ip: ctx.ip,
      detail: { profile, method: 'password' },
    });
    await continueLogin(services, steps, ctx, interaction, { accountId: account.id, amr: ['pwd'] }, account);
  });

  router.get('/password', async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    const pending = pendingLogin(interaction);
    const account = pending && (await findAccountById(db, pending.accountId));
    if (!account) return ctx.redirect(`/interaction/${interaction.uid}`);
    renderPage(
      ctx,
      createElement(ChangePasswordPage, {
        uid: interaction.uid,
        csrf: csrf.token(ctx),
        profile: account.profile,
      }),
    );
  });

  router.post('/password', parseForm, async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    requireCsrf(ctx);
    const pending = pendingLogin(interaction);
    const account = pending && (await findAccountById(db, pending.accountId));
    if (!pending || !account) return ctx.redirect(`/interaction/${interaction.uid}`);
    const password = textField(ctx.request.body, 'password', 200);
    const confirmation = textField(ctx.request.body, 'confirmation', 200);
    const errors: Record<string, string> = {};
    const check = checkPassword(password, [account.given_name, account.family_name, account.identifier]);
    if (!check.ok) errors.password = check.message!;
    else if (password !== confirmation)
      errors.confirmation = 'Les deux mots de passe ne sont pas identiques.';
    if (Object.keys(errors).length > 0) {
      return renderPage(
        ctx,
        createElement(ChangePasswordPage, {
          uid: interaction.uid,
          csrf: csrf.token(ctx),
          profile: account.profile,
          message: 'Le formulaire contient des erreurs.',
          errors,
        }),
        400,
      );
    }
    await setPassword(db, account.id, await hasher.hash(password));
    await audit.record({
      event: 'password.changed',
      accountId: account.id,
      ip: ctx.ip,
      detail: { reason: 'temporary' },
    });
    await continueLogin(services, steps, ctx, interaction, pending);
  });

  async function grantConsent(ctx: Context, interaction: Awaited<ReturnType<typeof loadInteraction>>) {
    const details = interaction.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const grant = interaction.grantId
      ? ((await provider.Grant.find(interaction.grantId)) ?? undefined)
      : new provider.Grant({
          accountId: interaction.session!.accountId,
          clientId: interaction.params.client_id as string,
        });
    if (!grant) throw new Error('grant not found');
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await audit.record({
      event: 'consent.granted',
      accountId: interaction.session?.accountId,
      clientId: interaction.params.client_id as string,
      ip: ctx.ip,
      detail: { scopes: details.missingOIDCScope ?? [] },
    });
    await finishInteraction(services, ctx, { consent: { grantId } }, true);
  }

  router.post('/consent', parseForm, async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    requireCsrf(ctx);
    if (interaction.prompt.name !== 'consent') return ctx.redirect(`/interaction/${interaction.uid}`);
    await grantConsent(ctx, interaction);
  });

  router.post('/abort', parseForm, async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    requireCsrf(ctx);
    await audit.record({
      event: 'login.cancelled',
      clientId: interaction.params.client_id as string,
      ip: ctx.ip,
    });
    await finishInteraction(services, ctx, {
      error: 'access_denied',
      error_description: "L'utilisateur a annulé la connexion",
    });
  });

  options.extend?.(router, { parseForm, requireCsrf, steps, services });
  return router;
}

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
