import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { createElement } from 'preact';
import { AccountEmailPage } from '../../../views/account/email.js';
import type { AccountFrameProps } from '../../../views/account/frame.js';
import { AccountHomePage } from '../../../views/account/home.js';
import { AccountPasswordPage } from '../../../views/account/password.js';
import { AccountPhonePage } from '../../../views/account/phone.js';
import { AccountPupilsPage } from '../../../views/account/pupils.js';
import { AccountServicesPage } from '../../../views/account/services.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { normaliseEmail } from '../../domain/accounts/email-address.js';
import { pendingEmailConfirmation } from '../../domain/accounts/email-confirmation.js';
import { checkNewPassword, PASSWORD_RULES } from '../../domain/accounts/password-policy.js';
import { maskPhone, normalizePhone } from '../../domain/registry/phone.js';
import { deriveSecret } from '../../domain/secrets.js';
import { FORM_ERROR, formParser, MalformedFormError, textField } from '../../http/form.js';
import { renderMessage, renderPage } from '../../http/render.js';
import { ACCOUNT_PORTAL_CALLBACK, registerAccountPortalClient } from '../../oidc/account-portal.js';
import { revokeClientAccess } from '../../oidc/account-sessions.js';
import { SCOPE_DESCRIPTIONS } from '../../oidc/claims.js';
import type { Refusal } from '../activation/limits.js';
import { busyMessage, cappedMessage, FLOW_CAPPED_MESSAGE } from '../activation/routes.js';
import { answerPupils, pupilsToBind } from '../pupil-binding/binding.js';
import { readPupilAnswers } from '../pupil-binding/pupil-answers.js';
import {
  type AccountDeps,
  changePassword,
  requestEmailChange,
  resendPhoneCode,
  startPhoneChange,
  verifyPhoneCode,
} from './account.js';
import { emailConfirmationRoutes } from './email-link.js';
import { PortalSessions, type PortalVisitor } from './portal-session.js';
import { boundPupils, connectedServices, currentPhoneChange, pupilEstablishment } from './store.js';

const DATE = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });
const inMinutes = (seconds: number) => {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return `${minutes} minute${minutes > 1 ? 's' : ''}`;
};
const hours = (n: number) => (n === 1 ? '1 heure' : `${n} heures`);
const refusalMessage = (r: Refusal) =>
  r.status === 'busy' ? busyMessage(r.retryAfterSeconds) : cappedMessage(r.retryAfterSeconds);

type Visited = Context & { state: { visitor: PortalVisitor } };

/**
 * « Mon compte »: the portal at `/` (a first-party relying party of this provider), the account
 * pages under `/compte`, and the public page of email confirmation links.
 */
export function accountRouters(deps: AccountDeps, portal: PortalSessions): Router[] {
  const { services } = deps;
  const { db, csrf, config } = services;
  const router = new Router();
  const form = formParser('16kb');

  /** The person signed in to the portal, or a redirect to `/` (which signs in again). */
  const signedIn = async (ctx: Context, next: Next) => {
    const visitor = await portal.visitor(ctx);
    ctx.set('Cache-Control', 'no-store');
    // signed out (idle, logged out elsewhere): sign in again, then back to the page asked for
    if (!visitor)
      return ctx.redirect(ctx.method === 'GET' ? `/?retour=${encodeURIComponent(ctx.path)}` : '/');
    ctx.state.visitor = visitor;
    if (ctx.method === 'POST') csrf.checkForm(ctx);
    await next();
  };
  const frame = (ctx: Context, extra: Partial<AccountFrameProps> = {}) => {
    const { account } = (ctx as Visited).state.visitor;
    return {
      profileLabel: PROFILE_LABELS[account.profile],
      parent: account.profile === 'responsable_legal',
      csrf: csrf.token(ctx),
      ...extra,
    };
  };
  const visitorOf = (ctx: Context) => (ctx as Visited).state.visitor;

  router.get('/', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (await portal.visitor(ctx)) return ctx.redirect('/compte');
    const asked = typeof ctx.query.retour === 'string' ? ctx.query.retour : '';
    // only our own account pages: never an open redirect
    ctx.redirect(
      await portal.loginUrl(ctx, /^\/compte(\/[a-z-]{1,20}){0,2}$/.test(asked) ? asked : '/compte'),
    );
  });

  router.get(ACCOUNT_PORTAL_CALLBACK, async (ctx) => {
    const next = await portal.completeLogin(ctx);
    if (next) return ctx.redirect(next);
    const cancelled = ctx.query.error === 'access_denied';
    renderMessage(
      ctx,
      {
        title: cancelled ? 'Connexion annulée' : 'Connexion impossible',
        paragraphs: [
          cancelled
            ? 'Vous avez annulé la connexion à votre compte ÉduConnect.'
            : "La connexion à votre compte n'a pas abouti (page restée ouverte trop longtemps, ou ouverte deux fois). Recommencez.",
        ],
        tone: cancelled ? 'info' : 'error',
        link: { href: '/', label: 'Se connecter à mon compte' },
      },
      cancelled ? 200 : 400,
    );
  });

  router.get('/compte', signedIn, async (ctx) => {
    const { account } = visitorOf(ctx);
    const parent = account.profile === 'responsable_legal';
    const [pupils, establishment, pending] = await Promise.all([
      parent ? boundPupils(db, account.id) : [],
      parent ? null : pupilEstablishment(db, account.id),
      pendingEmailConfirmation(db, account.id),
    ]);
    renderPage(
      ctx,
      createElement(AccountHomePage, {
        ...frame(ctx, { success: successMessage(ctx.query.fait) }),
        identifier: account.identifier,
        givenName: account.given_name,
        familyName: account.family_name,
        email: account.email_verified ? account.email : null,
        pendingEmail: pending?.email ?? null,
        phone: account.phone,
        pupils: pupils.map((p) => ({
          givenName: p.given_name,
          familyName: p.family_name,
          establishment: p.establishment,
          level: p.level,
        })),
        establishment,
        hasPassword: account.password_hash !== null,
      }),
    );
  });

  router.post('/compte/deconnexion', form, signedIn, (ctx) => {
    ctx.redirect(portal.logoutUrl(ctx, visitorOf(ctx)));
  });

  // « Changer mon mot de passe »
  const passwordPage = (ctx: Context, status = 200, extra: Partial<AccountFrameProps> = {}) =>
    renderPage(
      ctx,
      createElement(AccountPasswordPage, {
        ...frame(ctx, extra),
        hasPassword: visitorOf(ctx).account.password_hash !== null,
        rules: PASSWORD_RULES,
      }),
      status,
    );
  router.get('/compte/mot-de-passe', signedIn, (ctx) => passwordPage(ctx));
  router.post('/compte/mot-de-passe', form, signedIn, async (ctx) => {
    const { account, sessionUid } = visitorOf(ctx);
    const body = ctx.request.body;
    const current = textField(body, 'current', 200);
    const password = textField(body, 'password', 200);
    const confirmation = textField(body, 'confirmation', 200);
    const errors: Record<string, string> = {};
    if (account.password_hash && !current) errors.current = 'Saisissez votre mot de passe actuel.';
    Object.assign(
      errors,
      checkNewPassword(password, confirmation, [account.given_name, account.family_name, account.identifier]),
    );
    if (Object.keys(errors).length > 0) return passwordPage(ctx, 400, { message: FORM_ERROR, errors });
    const result = await changePassword(
      deps,
      account,
      { current, next: password },
      { sessionUid, ip: ctx.ip },
    );
    if (result.status === 'throttled') {
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      return passwordPage(ctx, 429, {
        message: `Trop d'essais de mot de passe actuel. Réessayez dans ${inMinutes(result.retryAfterSeconds)}.`,
      });
    }
    if (result.status === 'wrong_current')
      return passwordPage(ctx, 400, {
        message: FORM_ERROR,
        errors: { current: 'Le mot de passe actuel est incorrect.' },
      });
    ctx.redirect('/compte?fait=mot-de-passe');
  });

  // « Adresse électronique »
  const emailPage = async (
    ctx: Context,
    status = 200,
    extra: Partial<AccountFrameProps> = {},
    value?: string,
  ) => {
    const { account } = visitorOf(ctx);
    const pending = await pendingEmailConfirmation(db, account.id);
    renderPage(
      ctx,
      createElement(AccountEmailPage, {
        ...frame(ctx, extra),
        email: account.email_verified ? account.email : null,
        pending: pending ? { email: pending.email, validity: hours(config.emailConfirmationTtlHours) } : null,
        value,
      }),
      status,
    );
  };
  router.get('/compte/courriel', signedIn, (ctx) => emailPage(ctx));
  const emailOutcome = async (
    ctx: Context,
    result: Awaited<ReturnType<typeof requestEmailChange>>,
    typed = '',
  ) => {
    switch (result.status) {
      case 'sent':
        return emailPage(ctx, 200, {
          success: `Un lien de confirmation a été envoyé à ${result.email}. Ouvrez-le pour confirmer votre adresse.`,
        });
      case 'same':
        return emailPage(
          ctx,
          400,
          { message: FORM_ERROR, errors: { email: 'C’est déjà votre adresse électronique confirmée.' } },
          typed,
        );
      case 'cooldown':
        ctx.set('Retry-After', String(result.seconds));
        return emailPage(ctx, 429, {
          message: `Le mail vient d'être envoyé. Vous pourrez le renvoyer dans ${result.seconds} seconde${result.seconds > 1 ? 's' : ''}.`,
        });
      case 'throttled':
        ctx.set('Retry-After', String(result.retryAfterSeconds));
        return emailPage(
          ctx,
          429,
          {
            message: `Trop de mails de confirmation ont été demandés. Réessayez dans ${inMinutes(result.retryAfterSeconds)}.`,
          },
          typed,
        );
      case 'nothing_pending':
        return emailPage(ctx, 400, {
          message: "Aucune adresse n'attend de confirmation : saisissez-en une.",
        });
    }
  };
  router.post('/compte/courriel', form, signedIn, async (ctx) => {
    const typed = textField(ctx.request.body, 'email', 254);
    const email = normaliseEmail(typed);
    if (!email)
      return emailPage(
        ctx,
        400,
        {
          message: FORM_ERROR,
          errors: { email: 'Saisissez une adresse électronique valide, par exemple nom@exemple.fr.' },
        },
        typed,
      );
    await emailOutcome(ctx, await requestEmailChange(deps, visitorOf(ctx).account, email, ctx.ip), typed);
  });
  router.post('/compte/courriel/renvoi', form, signedIn, async (ctx) => {
    await emailOutcome(ctx, await requestEmailChange(deps, visitorOf(ctx).account, 'resend', ctx.ip));
  });

  // « N° de téléphone portable »
  const phonePage = async (
    ctx: Context,
    status = 200,
    extra: Partial<AccountFrameProps> = {},
    value?: string,
  ) => {
    const { account } = visitorOf(ctx);
    const change = await currentPhoneChange(db, account.id);
    renderPage(
      ctx,
      createElement(AccountPhonePage, {
        ...frame(ctx, extra),
        phone: account.phone,
        pending: change
          ? {
              maskedPhone: maskPhone(change.mobile),
              validity: inMinutes(config.smsCodeTtlSeconds).replace('minutes', 'min'),
            }
          : null,
        value,
      }),
      status,
    );
  };
  router.get('/compte/telephone', signedIn, (ctx) => phonePage(ctx));
  router.post('/compte/telephone', form, signedIn, async (ctx) => {
    const typed = textField(ctx.request.body, 'telephone', 30);
    const mobile = normalizePhone(typed);
    if (!mobile)
      return phonePage(
        ctx,
        400,
        {
          message: FORM_ERROR,
          errors: {
            telephone: 'Saisissez un numéro de téléphone portable valide, par exemple 06 12 34 56 78.',
          },
        },
        typed,
      );
    const result = await startPhoneChange(deps, visitorOf(ctx).account, mobile, ctx.ip);
    if (result.status === 'same')
      return phonePage(
        ctx,
        400,
        { message: FORM_ERROR, errors: { telephone: 'C’est déjà votre numéro.' } },
        typed,
      );
    if (result.status !== 'sent') {
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      return phonePage(ctx, 429, { message: refusalMessage(result) }, typed);
    }
    await phonePage(ctx);
  });
  router.post('/compte/telephone/code', form, signedIn, async (ctx) => {
    const { account } = visitorOf(ctx);
    const code = textField(ctx.request.body, 'code', 20).replace(/\s/g, '');
    const change = await currentPhoneChange(db, account.id);
    if (!change)
      return phonePage(ctx, 400, {
        message: 'Cette demande de changement de numéro a pris fin. Recommencez.',
      });
    if (!/^[0-9]{6}$/.test(code))
      return phonePage(ctx, 400, {
        message: FORM_ERROR,
        errors: { code: 'Le code de sécurité est composé de 6 chiffres.' },
      });
    const result = await verifyPhoneCode(deps, account, change, code, ctx.ip);
    if (result.status === 'changed') return ctx.redirect('/compte?fait=telephone');
    if (result.status === 'wrong')
      return phonePage(ctx, 400, {
        message: FORM_ERROR,
        errors: {
          code: `Le code de sécurité est incorrect. Il vous reste ${result.remaining} essai${result.remaining > 1 ? 's' : ''}.`,
        },
      });
    if (result.status === 'expired')
      return phonePage(ctx, 400, {
        message: FORM_ERROR,
        errors: { code: 'Ce code de sécurité a expiré : cliquez sur « Renvoyer le SMS ».' },
      });
    await phonePage(ctx, 400, {
      message:
        'Trop de codes incorrects : le numéro n’a pas été modifié. Vous pouvez recommencer avec un nouveau code.',
    });
  });
  router.post('/compte/telephone/renvoi', form, signedIn, async (ctx) => {
    const { account } = visitorOf(ctx);
    const change = await currentPhoneChange(db, account.id);
    if (!change)
      return phonePage(ctx, 400, {
        message: 'Cette demande de changement de numéro a pris fin. Recommencez.',
      });
    const result = await resendPhoneCode(deps, account, change, ctx.ip);
    if (result.status === 'sent')
      return phonePage(ctx, 200, { success: 'Un nouveau code de sécurité a été envoyé.' });
    if (result.status === 'flow_capped') return phonePage(ctx, 429, { message: FLOW_CAPPED_MESSAGE });
    const seconds = result.status === 'cooldown' ? result.seconds : result.retryAfterSeconds;
    ctx.set('Retry-After', String(seconds));
    await phonePage(ctx, 429, {
      message:
        result.status === 'cooldown'
          ? `Le SMS vient d'être envoyé. Vous pourrez le renvoyer dans ${seconds} seconde${seconds > 1 ? 's' : ''}.`
          : refusalMessage(result),
    });
  });

  // « Ajout d'élèves » (parents)
  const parentOnly = async (ctx: Context, next: Next) => {
    if (visitorOf(ctx).account.profile !== 'responsable_legal') return ctx.redirect('/compte');
    await next();
  };
  router.get('/compte/eleves', signedIn, parentOnly, async (ctx) => {
    const pupils = await pupilsToBind(db, visitorOf(ctx).account);
    renderPage(
      ctx,
      createElement(AccountPupilsPage, { ...frame(ctx), offered: pupils.offered, blocked: pupils.blocked }),
    );
  });
  router.post('/compte/eleves', form, signedIn, parentOnly, async (ctx) => {
    const { account } = visitorOf(ctx);
    const pupils = await pupilsToBind(db, account);
    const answers = readPupilAnswers(ctx.request.body, pupils.offered);
    const outcome = await answerPupils(services, account, pupils, answers, ctx.ip);
    if (outcome.status === 'invalid')
      return renderPage(
        ctx,
        createElement(AccountPupilsPage, {
          ...frame(ctx, { message: FORM_ERROR, errors: outcome.errors }),
          offered: outcome.offered,
          blocked: outcome.blocked,
          answers,
        }),
        400,
      );
    if (outcome.status === 'blocked')
      return renderPage(
        ctx,
        createElement(AccountPupilsPage, { ...frame(ctx), offered: [], blocked: outcome.blocked }),
        409,
      );
    ctx.redirect('/compte?fait=eleves');
  });

  // « Services connectés »
  router.get('/compte/services', signedIn, async (ctx) => {
    const { account } = visitorOf(ctx);
    const list = await connectedServices(db, account.id);
    const withdrawn = typeof ctx.query.retire === 'string' ? ctx.query.retire : undefined;
    renderPage(
      ctx,
      createElement(AccountServicesPage, {
        ...frame(ctx, withdrawn !== undefined ? { success: "L'accès du service a été retiré." } : {}),
        services: list.map((s) => ({
          clientId: s.clientId,
          name: s.name,
          since: `le ${DATE.format(s.grantedAt)}`,
          lastUse: s.lastUse ? `le ${DATE.format(s.lastUse)}` : null,
          data: s.scopes.flatMap((scope) => (SCOPE_DESCRIPTIONS[scope] ? [SCOPE_DESCRIPTIONS[scope]] : [])),
        })),
      }),
    );
  });
  router.post('/compte/services/retirer', form, signedIn, async (ctx) => {
    const { account } = visitorOf(ctx);
    const clientId = textField(ctx.request.body, 'service', 200);
    if (!clientId) throw new MalformedFormError('service');
    const revoked = await revokeClientAccess(services, account.id, clientId);
    if (revoked)
      await services.audit.record({
        event: 'account.access_withdrawn',
        accountId: account.id,
        clientId,
        ip: ctx.ip,
      });
    ctx.redirect(revoked ? '/compte/services?retire=1' : '/compte/services');
  });

  return [
    router,
    emailConfirmationRoutes(services, { accountLink: { href: '/', label: 'Aller à mon compte' } }),
  ];
}

function successMessage(done: unknown): string | undefined {
  switch (done) {
    case 'mot-de-passe':
      return 'Votre mot de passe a été modifié. Vos autres appareils et services ont été déconnectés.';
    case 'telephone':
      return 'Votre numéro de téléphone portable a été modifié.';
    case 'eleves':
      return "Vos réponses ont été enregistrées. Un élève dont vous n'êtes pas le représentant légal est signalé à son établissement.";
    default:
      return undefined;
  }
}

/**
 * The account flow, composed: the portal's client registered (or updated) on this database, its
 * sessions, the routers to mount.
 */
export async function composeAccountFlow(
  services: AccountDeps['services'],
  messages: AccountDeps['messages'],
  messageQueued: () => void,
): Promise<Router[]> {
  await registerAccountPortalClient(services.db, services.config);
  const deps: AccountDeps = {
    services,
    messages,
    messageQueued,
    codeSecret: deriveSecret(services.config.secretKey, 'sms-code'),
  };
  return accountRouters(deps, new PortalSessions(services.config, services.db));
}
