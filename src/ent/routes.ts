import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import { createElement } from 'preact';
import type { EntHeaderUser } from '../../views/ent/layout.js';
import { EntChooserPage, EntEstablishmentPage, EntLoginPage } from '../../views/ent/pages.js';
import type { Csrf } from '../http/csrf.js';
import { formParser, textField } from '../http/form.js';
import { renderPage } from '../http/render.js';
import {
  type CompletedLogin,
  type EduConnectClient,
  IdpUnavailableError,
  InvalidLogoutTokenError,
} from './educonnect-client.js';
import { MESSAGES, noEstablishmentMessage, renderEntMessage } from './messages.js';
import {
  childrenIn,
  establishmentsTagline,
  kindName,
  landingEstablishment,
  levelName,
  type PortalUser,
  PROFILE_NAMES,
  placeLine,
  portalUserFromClaims,
  UnsupportedProfileError,
} from './portal.js';
import { SessionCookie } from './session-cookie.js';
import type { EntSession, PendingLogin, SessionStore } from './sessions.js';

/** Sent back by the IdP after RP-initiated logout, so the login page can say so. */
const LOGGED_OUT_STATE = 'deconnecte';

export interface EntRouteDeps {
  client: EduConnectClient;
  sessions: SessionStore;
  csrf: Csrf;
  logger: Logger;
  secureCookies: boolean;
  /** Seed 001's « Je dispose d'un compte Educonnect » / « Je n'ai pas de compte Educonnect ». */
  atenTransition?: boolean;
}

/** The ENT's pages: login with EduConnect, the callback, the establishments, logout (both ways). */
export function entRoutes(deps: EntRouteDeps): Router {
  const portal = new Portal(deps);
  const router = new Router();
  const parseForm = formParser('16kb');
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.get('/', (ctx) => portal.home(ctx));
  router.post('/auth/login', parseForm, (ctx) => portal.login(ctx));
  router.get('/auth/callback', (ctx) => portal.callback(ctx));
  router.get('/etablissements', (ctx) => portal.chooser(ctx));
  router.post('/etablissements', parseForm, (ctx) => portal.choose(ctx));
  router.get('/etablissement', (ctx) => portal.establishment(ctx));
  router.post('/deconnexion', parseForm, (ctx) => portal.logout(ctx));
  router.post('/auth/backchannel-logout', parseForm, (ctx) => portal.backchannelLogout(ctx));
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  return router;
}

class Portal {
  private readonly cookie: SessionCookie;

  constructor(private readonly deps: EntRouteDeps) {
    this.cookie = new SessionCookie(deps.sessions, deps.secureCookies);
  }

  private headerUser(ctx: Context, session: EntSession): EntHeaderUser {
    const user = session.user!;
    return {
      name: `${user.givenName} ${user.familyName}`,
      profile: PROFILE_NAMES[user.profile],
      canSwitchEstablishment: user.establishments.length > 1,
      csrf: this.deps.csrf.token(ctx),
      tagline: establishmentsTagline(user.establishments.map((e) => e.kind)),
      accountUrl: this.deps.client.accountUrl,
    };
  }

  /** The logged-in session, or a response: the login page without a cookie, "expired" with a stale one. */
  private requireUser(ctx: Context): EntSession | undefined {
    const session = this.cookie.sessionOf(ctx);
    if (session?.user) return session;
    if (this.cookie.present(ctx)) {
      this.cookie.clear(ctx);
      renderEntMessage(ctx, MESSAGES.expired, 401);
    } else {
      ctx.redirect('/');
    }
    return undefined;
  }

  /** Where a logged-in user goes: the establishment being viewed, the only one, or the chooser. */
  private landingPath(session: EntSession): string {
    const user = session.user!;
    const only = landingEstablishment(user);
    if (only) session.establishmentUai = only.uai;
    if (session.establishmentUai) return '/etablissement';
    return user.establishments.length > 1 ? '/etablissements' : '/etablissement';
  }

  private checkCsrf(ctx: Context): void {
    this.deps.csrf.check(ctx, textField(ctx.request.body, '_csrf', 100));
  }

  async home(ctx: Context) {
    const session = this.cookie.sessionOf(ctx);
    if (session?.user) return ctx.redirect(this.landingPath(session));
    const loggedOut = ctx.query.state === LOGGED_OUT_STATE;
    // « Me déconnecter uniquement de ce service » at ÉduConnect: its session lives on, say so.
    const idpSessionActive = loggedOut && ctx.query.educonnect_session === 'active';
    let notice: string | undefined;
    let idpLogout: string | undefined;
    if (idpSessionActive) {
      notice = 'Vous êtes déconnecté de l’ENT. Vous êtes toujours connecté à ÉduConnect sur cet appareil.';
      idpLogout = await this.deps.client.logoutUrl(undefined, LOGGED_OUT_STATE).catch(() => undefined);
    } else if (loggedOut) notice = 'Vous êtes déconnecté de l’ENT et d’ÉduConnect.';
    const { csrf, atenTransition } = this.deps;
    renderPage(
      ctx,
      createElement(EntLoginPage, { csrf: csrf.token(ctx), notice, idpLogout, atenTransition }),
    );
  }

  async login(ctx: Context) {
    this.checkCsrf(ctx);
    let session = this.cookie.sessionOf(ctx);
    if (session?.user) return ctx.redirect(this.landingPath(session));
    const { client, sessions, logger } = this.deps;
    try {
      const aten = this.deps.atenTransition && textField(ctx.request.body, 'parcours', 20) === 'aten';
      const { url, pending } = await client.startLogin(aten ? 'aten' : undefined);
      session ??= sessions.create();
      sessions.beginLogin(session, pending);
      this.cookie.set(ctx, session);
      ctx.status = 303;
      ctx.redirect(url);
    } catch (error) {
      if (!(error instanceof IdpUnavailableError)) throw error;
      logger.warn({ err: error.cause }, 'EduConnect discovery failed');
      renderEntMessage(ctx, MESSAGES.idpDown, 503);
    }
  }

  /** The IdP's answer: checked against the login this browser started, then the person is logged in. */
  async callback(ctx: Context) {
    const { sessions, logger } = this.deps;
    const session = this.cookie.sessionOf(ctx);
    const pending = session?.pendingLogin;
    if (!session || !pending || sessions.pendingLoginExpired(pending)) {
      if (session?.user) return ctx.redirect(this.landingPath(session));
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
    const login = await this.completeLogin(ctx, pending);
    if (!login) return;
    const loggedIn = sessions.rotate(session);
    Object.assign(loggedIn, {
      user: login.user,
      subject: login.completed.subject,
      idpSessionId: login.completed.idpSessionId,
      idToken: login.completed.idToken,
      loggedInAt: sessions.clock(),
      establishmentUai: undefined,
    });
    this.cookie.set(ctx, loggedIn);
    ctx.status = 303;
    ctx.redirect(this.landingPath(loggedIn));
  }

  /** Code exchange, ID token and userinfo, read as a portal user; a French page when any of it fails. */
  private async completeLogin(ctx: Context, pending: PendingLogin) {
    const { client, logger } = this.deps;
    let completed: CompletedLogin;
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
    let user: PortalUser;
    try {
      user = portalUserFromClaims(completed.userinfo);
    } catch (error) {
      if (error instanceof UnsupportedProfileError)
        return renderEntMessage(ctx, MESSAGES.unsupportedProfile, 403);
      throw error;
    }
    return { completed, user };
  }

  chooser(ctx: Context) {
    const session = this.requireUser(ctx);
    if (!session) return;
    const user = session.user!;
    if (user.establishments.length < 2) return ctx.redirect('/etablissement');
    renderPage(
      ctx,
      createElement(EntChooserPage, {
        user: this.headerUser(ctx, session),
        establishments: user.establishments.map((e) => ({
          uai: e.uai,
          name: e.name,
          place: placeLine(kindName(e.kind), e.town ?? `UAI ${e.uai}`),
          children: childrenIn(user, e.uai).map((c) => `${c.givenName} ${c.familyName}`),
        })),
      }),
    );
  }

  choose(ctx: Context) {
    this.checkCsrf(ctx);
    const session = this.requireUser(ctx);
    if (!session) return;
    const uai = textField(ctx.request.body, 'uai', 16);
    if (!session.user!.establishments.some((e) => e.uai === uai)) {
      ctx.status = 303;
      return ctx.redirect('/etablissements');
    }
    session.establishmentUai = uai;
    ctx.status = 303;
    ctx.redirect('/etablissement');
  }

  establishment(ctx: Context) {
    const session = this.requireUser(ctx);
    if (!session) return;
    const user = session.user!;
    const establishment = user.establishments.find((e) => e.uai === session.establishmentUai);
    if (!establishment) {
      if (user.establishments.length > 1) return ctx.redirect('/etablissements');
      if (user.establishments.length === 1) {
        session.establishmentUai = user.establishments[0]!.uai;
        return ctx.redirect('/etablissement');
      }
      const message = { ...noEstablishmentMessage(user.profile), user: this.headerUser(ctx, session) };
      return renderEntMessage(ctx, message, 200);
    }
    renderPage(
      ctx,
      createElement(EntEstablishmentPage, {
        user: this.headerUser(ctx, session),
        establishment: { ...establishment, kind: kindName(establishment.kind) },
        place: placeLine(kindName(establishment.kind), establishment.town, `UAI ${establishment.uai}`),
        children: childrenIn(user, establishment.uai).map((c) => ({
          name: `${c.givenName} ${c.familyName}`,
          level: levelName(c.level),
        })),
        level: levelName(user.level),
      }),
    );
  }

  /** "Se déconnecter": the ENT session ends, then the IdP's (RP-initiated logout). */
  async logout(ctx: Context) {
    this.checkCsrf(ctx);
    const session = this.cookie.sessionOf(ctx);
    this.cookie.clear(ctx);
    if (!session?.user) return ctx.redirect('/');
    this.deps.sessions.destroy(session.id);
    try {
      const url = await this.deps.client.logoutUrl(session.idToken, LOGGED_OUT_STATE);
      ctx.status = 303;
      ctx.redirect(url);
    } catch (error) {
      if (!(error instanceof IdpUnavailableError)) throw error;
      renderEntMessage(ctx, MESSAGES.loggedOutIdpDown, 200);
    }
  }

  /** The IdP ends the sessions of a person (or of one IdP session) from behind the scenes. */
  async backchannelLogout(ctx: Context) {
    const token = textField(ctx.request.body, 'logout_token', 8192);
    try {
      const claims = await this.deps.client.verifyLogoutToken(token);
      const ended = this.deps.sessions.destroyMatching(claims.subject, claims.idpSessionId);
      this.deps.logger.info({ ended }, 'back-channel logout');
      ctx.status = 200;
      ctx.body = '';
    } catch (error) {
      if (error instanceof InvalidLogoutTokenError) {
        this.deps.logger.warn({ reason: error.message }, 'back-channel logout token rejected');
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
  }
}
