import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { createElement } from 'preact';
import type { EntHeaderUser } from '../../views/ent/layout.js';
import {
  EntChooserPage,
  EntEstablishmentPage,
  EntLoginPage,
  EntMessagePage,
  type EntMessageProps,
} from '../../views/ent/pages.js';
import type { Csrf } from '../http/csrf.js';
import { formParser, textField } from '../http/form.js';
import { renderPage } from '../http/render.js';
import { type EduConnectClient, IdpUnavailableError, InvalidLogoutTokenError } from './educonnect-client.js';
import {
  childrenIn,
  kindName,
  landingEstablishment,
  PROFILE_NAMES,
  portalUserFromClaims,
  UnsupportedProfileError,
} from './portal.js';
import type { EntSession, SessionStore } from './sessions.js';

export const SESSION_COOKIE = 'ent_session';
/** Sent back by the IdP after RP-initiated logout, so the login page can say so. */
const LOGGED_OUT_STATE = 'deconnecte';
const START_AGAIN = { href: '/', label: 'Se connecter à nouveau' };

export interface EntRouteDeps {
  client: EduConnectClient;
  sessions: SessionStore;
  csrf: Csrf;
  logger: Logger;
  secureCookies: boolean;
}

export function renderEntMessage(ctx: Context, props: EntMessageProps, status: number): void {
  renderPage(ctx, createElement(EntMessagePage, props), status);
}

export const MESSAGES = {
  idpDown: {
    title: 'Service de connexion indisponible',
    paragraphs: [
      "Le service de connexion ÉduConnect ne répond pas pour l'instant.",
      'Réessayez dans quelques minutes.',
    ],
    action: { href: '/', label: 'Réessayer' },
  },
  cancelled: {
    title: 'Connexion annulée',
    paragraphs: ['Vous avez annulé la connexion avec ÉduConnect. Vous n’êtes pas connecté à l’ENT.'],
    action: START_AGAIN,
  },
  refused: {
    title: 'Connexion impossible',
    paragraphs: ['ÉduConnect n’a pas pu vous connecter à l’ENT.'],
    action: START_AGAIN,
  },
  stateMismatch: {
    title: 'La connexion n’a pas abouti',
    paragraphs: [
      'La réponse reçue d’ÉduConnect ne correspond pas à la connexion demandée depuis ce navigateur (lien ancien ou ouvert dans un autre onglet).',
      'Par sécurité, elle a été ignorée. Recommencez la connexion.',
    ],
    action: START_AGAIN,
  },
  expired: {
    title: 'Votre session a expiré',
    paragraphs: [
      'Par sécurité, votre session sur l’ENT se termine après un temps sans activité, ou la connexion a pris trop de temps.',
    ],
    action: START_AGAIN,
  },
  unsupportedProfile: {
    title: 'Profil non pris en charge',
    paragraphs: ['Cet ENT accueille les élèves et les représentants légaux.'],
    action: START_AGAIN,
  },
  csrf: {
    title: 'Formulaire expiré',
    paragraphs: ['Le formulaire a expiré ou ne vient pas de cet ENT. Revenez à l’accueil et recommencez.'],
    action: { href: '/', label: 'Revenir à l’accueil' },
  },
  notFound: {
    title: 'Page introuvable',
    paragraphs: ['Cette page n’existe pas sur l’ENT.'],
    action: { href: '/', label: 'Revenir à l’accueil' },
  },
  technical: {
    title: 'Erreur technique',
    paragraphs: ['Une erreur technique est survenue. Réessayez dans quelques instants.'],
    action: { href: '/', label: 'Revenir à l’accueil' },
  },
} satisfies Record<string, EntMessageProps>;

export function entRoutes({ client, sessions, csrf, logger, secureCookies }: EntRouteDeps): Router {
  const router = new Router();
  const parseForm = formParser('16kb');

  const cookieOptions = () => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    signed: true,
    secure: secureCookies,
    overwrite: true,
  });
  const sessionOf = (ctx: Context) => sessions.find(ctx.cookies.get(SESSION_COOKIE, { signed: true }));
  const setSessionCookie = (ctx: Context, session: EntSession) =>
    ctx.cookies.set(SESSION_COOKIE, session.id, cookieOptions());
  const clearSessionCookie = (ctx: Context) =>
    ctx.cookies.set(SESSION_COOKIE, null, { ...cookieOptions(), expires: new Date(0) });

  const headerUser = (ctx: Context, session: EntSession): EntHeaderUser => {
    const user = session.user!;
    return {
      name: `${user.givenName} ${user.familyName}`,
      profile: PROFILE_NAMES[user.profile],
      canSwitchEstablishment: user.establishments.length > 1,
      csrf: csrf.token(ctx),
    };
  };

  /** The logged-in session, or a response: the login page without a cookie, "expired" with a stale one. */
  const requireUser = (ctx: Context): EntSession | undefined => {
    const session = sessionOf(ctx);
    if (session?.user) return session;
    if (ctx.cookies.get(SESSION_COOKIE)) {
      clearSessionCookie(ctx);
      renderEntMessage(ctx, MESSAGES.expired, 401);
    } else {
      ctx.redirect('/');
    }
    return undefined;
  };

  /** Where a logged-in user goes: the establishment being viewed, the only one, or the chooser. */
  const landingPath = (session: EntSession): string => {
    const user = session.user!;
    const only = landingEstablishment(user);
    if (only) session.establishmentUai = only.uai;
    if (session.establishmentUai) return '/etablissement';
    return user.establishments.length > 1 ? '/etablissements' : '/etablissement';
  };

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  router.get('/', (ctx) => {
    const session = sessionOf(ctx);
    if (session?.user) return ctx.redirect(landingPath(session));
    const notice =
      ctx.query.state === LOGGED_OUT_STATE ? 'Vous êtes déconnecté de l’ENT et d’ÉduConnect.' : undefined;
    renderPage(ctx, createElement(EntLoginPage, { csrf: csrf.token(ctx), notice }));
  });

  router.post('/auth/login', parseForm, async (ctx) => {
    csrf.check(ctx, textField(ctx.request.body, '_csrf', 100));
    let session = sessionOf(ctx);
    if (session?.user) return ctx.redirect(landingPath(session));
    try {
      const { url, pending } = await client.startLogin();
      session ??= sessions.create();
      sessions.beginLogin(session, pending);
      setSessionCookie(ctx, session);
      ctx.status = 303;
      ctx.redirect(url);
    } catch (error) {
      if (!(error instanceof IdpUnavailableError)) throw error;
      logger.warn({ err: error.cause }, 'EduConnect discovery failed');
      renderEntMessage(ctx, MESSAGES.idpDown, 503);
    }
  });

  router.get('/auth/callback', async (ctx) => {
    const session = sessionOf(ctx);
    const pending = session?.pendingLogin;
    if (!session || !pending || sessions.pendingLoginExpired(pending)) {
      if (session?.user) return ctx.redirect(landingPath(session));
      if (session) session.pendingLogin = undefined;
      return renderEntMessage(ctx, MESSAGES.expired, 400);
    }
    // One answer per login: whatever happens next, this state is spent.
    session.pendingLogin = undefined;
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    if (state !== pending.state) {
      logger.warn({ reqId: ctx.state.requestId }, 'ENT callback with a state that does not match');
      return renderEntMessage(ctx, MESSAGES.stateMismatch, 400);
    }
    if (typeof ctx.query.error === 'string') {
      const cancelled = ctx.query.error === 'access_denied';
      return renderEntMessage(ctx, cancelled ? MESSAGES.cancelled : MESSAGES.refused, cancelled ? 200 : 400);
    }
    let completed: Awaited<ReturnType<EduConnectClient['completeLogin']>>;
    try {
      completed = await client.completeLogin(new URL(ctx.originalUrl, client.redirectUri), pending);
    } catch (error) {
      if (error instanceof IdpUnavailableError) {
        logger.warn({ err: error.cause }, 'EduConnect unreachable during the callback');
        return renderEntMessage(ctx, MESSAGES.idpDown, 503);
      }
      logger.warn({ err: error }, 'EduConnect login rejected');
      return renderEntMessage(ctx, MESSAGES.refused, 400);
    }
    let user: ReturnType<typeof portalUserFromClaims>;
    try {
      user = portalUserFromClaims(completed.userinfo);
    } catch (error) {
      if (error instanceof UnsupportedProfileError)
        return renderEntMessage(ctx, MESSAGES.unsupportedProfile, 403);
      throw error;
    }
    const loggedIn = sessions.rotate(session);
    Object.assign(loggedIn, {
      user,
      subject: completed.subject,
      idpSessionId: completed.idpSessionId,
      idToken: completed.idToken,
      loggedInAt: sessions.clock(),
      establishmentUai: undefined,
    });
    setSessionCookie(ctx, loggedIn);
    ctx.status = 303;
    ctx.redirect(landingPath(loggedIn));
  });

  router.get('/etablissements', (ctx) => {
    const session = requireUser(ctx);
    if (!session) return;
    const user = session.user!;
    if (user.establishments.length < 2) return ctx.redirect('/etablissement');
    renderPage(
      ctx,
      createElement(EntChooserPage, {
        user: headerUser(ctx, session),
        establishments: user.establishments.map((e) => ({
          uai: e.uai,
          name: e.name,
          place: e.town ? `${kindName(e.kind)} · ${e.town}` : `${kindName(e.kind)} · UAI ${e.uai}`,
          children: childrenIn(user, e.uai).map((c) => `${c.givenName} ${c.familyName}`),
        })),
      }),
    );
  });

  router.post('/etablissements', parseForm, (ctx) => {
    csrf.check(ctx, textField(ctx.request.body, '_csrf', 100));
    const session = requireUser(ctx);
    if (!session) return;
    const uai = textField(ctx.request.body, 'uai', 16);
    if (!session.user!.establishments.some((e) => e.uai === uai)) {
      ctx.status = 303;
      return ctx.redirect('/etablissements');
    }
    session.establishmentUai = uai;
    ctx.status = 303;
    ctx.redirect('/etablissement');
  });

  router.get('/etablissement', (ctx) => {
    const session = requireUser(ctx);
    if (!session) return;
    const user = session.user!;
    const establishment = user.establishments.find((e) => e.uai === session.establishmentUai);
    if (!establishment) {
      if (user.establishments.length > 1) return ctx.redirect('/etablissements');
      if (user.establishments.length === 1) {
        session.establishmentUai = user.establishments[0]!.uai;
        return ctx.redirect('/etablissement');
      }
      return renderEntMessage(
        ctx,
        {
          title: 'Aucun établissement',
          paragraphs: [
            user.profile === 'eleve'
              ? 'Votre compte n’est rattaché à aucun établissement. Adressez-vous au secrétariat de votre établissement.'
              : 'Aucun élève n’est rattaché à votre compte. Reconnectez-vous pour rattacher vos enfants, ou adressez-vous au secrétariat de leur établissement.',
          ],
          user: headerUser(ctx, session),
        },
        200,
      );
    }
    renderPage(
      ctx,
      createElement(EntEstablishmentPage, {
        user: headerUser(ctx, session),
        establishment: { ...establishment, kind: kindName(establishment.kind) },
        children: childrenIn(user, establishment.uai).map((c) => ({
          name: `${c.givenName} ${c.familyName}`,
          level: c.level,
        })),
        level: user.level,
      }),
    );
  });

  router.post('/deconnexion', parseForm, async (ctx) => {
    csrf.check(ctx, textField(ctx.request.body, '_csrf', 100));
    const session = sessionOf(ctx);
    clearSessionCookie(ctx);
    if (!session?.user) return ctx.redirect('/');
    sessions.destroy(session.id);
    try {
      const url = await client.logoutUrl(session.idToken, LOGGED_OUT_STATE);
      ctx.status = 303;
      ctx.redirect(url);
    } catch (error) {
      if (!(error instanceof IdpUnavailableError)) throw error;
      renderEntMessage(
        ctx,
        {
          title: 'Vous êtes déconnecté de l’ENT',
          paragraphs: [
            'ÉduConnect ne répond pas : votre session ÉduConnect sur cet appareil se terminera d’elle-même.',
          ],
          action: { href: '/', label: 'Revenir à l’accueil' },
        },
        200,
      );
    }
  });

  router.post('/auth/backchannel-logout', parseForm, async (ctx) => {
    const token = textField(ctx.request.body, 'logout_token', 8192);
    try {
      const claims = await client.verifyLogoutToken(token);
      const ended = sessions.destroyMatching(claims.subject, claims.idpSessionId);
      logger.info({ ended }, 'back-channel logout');
      ctx.status = 200;
      ctx.body = '';
    } catch (error) {
      if (error instanceof InvalidLogoutTokenError) {
        logger.warn({ reason: error.message }, 'back-channel logout token rejected');
        ctx.status = 400;
        ctx.body = { error: 'invalid_request', error_description: 'invalid logout token' };
        return;
      }
      if (error instanceof IdpUnavailableError) {
        ctx.status = 503;
        ctx.body = { error: 'temporarily_unavailable' };
        return;
      }
      throw error;
    }
  });

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  return router;
}
