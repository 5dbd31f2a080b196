import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { randomNonce, randomState } from 'openid-client';
import { createElement } from 'preact';
import { ActivationCodePage } from '../../../views/activation/code.js';
import { ActivationPupilsPage } from '../../../views/activation/pupils.js';
import { FranceConnectErrorPage, LinkingEndedPage } from '../../../views/franceconnect/messages.js';
import { FranceConnectPhonePage, type PhonePageProps } from '../../../views/franceconnect/phone.js';
import type { PupilLinksFormProps } from '../../../views/pupil-binding/pupil-fieldsets.js';
import type { FranceConnectLogin, RegistryFlow } from '../../db/schema.js';
import { findAccountById, PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { maskPhone } from '../../domain/registry/phone.js';
import { FORM_ERROR, textField } from '../../http/form.js';
import { renderMessage, renderPage } from '../../http/render.js';
import {
  type ActivationDeps,
  type CodeResult,
  pupilsOfFlow,
  resendCode,
  verifyCode,
} from '../activation/activation.js';
import { codeError, FLOW_CAPPED_MESSAGE, readMobile, refusalMessage } from '../activation/routes.js';
import { currentActivation } from '../activation/store.js';
import type { Interaction, Interactions } from '../interaction/interactions.js';
import type { LoginFlow } from '../login/routes.js';
import { readPupilAnswers } from '../pupil-binding/pupil-answers.js';
import { confirmLinking, startLinking } from './linking.js';
import { FRANCECONNECT_STATES, type FranceConnectState, LINKING_STEPS, LINKING_TITLE } from './state.js';
import {
  consumeLogin,
  finishLogout,
  identifiedLogin,
  insertLogin,
  interactionOfState,
  linkedAccountId,
  markLoggedIn,
  purgeLogins,
  sessionLogin,
  startLogout,
  storeIdentity,
} from './store.js';
import { CALLBACK_PATH, type FranceConnectClient, FranceConnectError, POST_LOGOUT_PATH } from './upstream.js';

/** Binds the return from FranceConnect to the browser that left for it (login CSRF). */
const STATE_COOKIE = 'ec_fc_state';
/** The FranceConnect login behind this browser's session: its logout ends FranceConnect's too. */
const SESSION_COOKIE = 'ec_fc';

const PROFILE_LABEL = PROFILE_LABELS.responsable_legal;
const position = (step: number) => ({ flowTitle: LINKING_TITLE, step, total: LINKING_STEPS });
const basePath = (uid: string) => `/interaction/${uid}/franceconnect`;

/**
 * « S'identifier avec FranceConnect » on the parent login page, the return from FranceConnect, the
 * first login (phone, SMS code, birth dates) and the logout through FranceConnect. Returns the router
 * of the two addresses FranceConnect sends browsers to (outside any interaction).
 */
export function franceConnectRoutes(
  interactions: Interactions,
  login: LoginFlow,
  deps: ActivationDeps,
  client: FranceConnectClient,
): Router {
  const steps = new FranceConnectSteps(interactions, deps, client);
  const { router, parseForm } = interactions;
  login.offerFranceConnect((uid, profile) => (profile === 'responsable_legal' ? basePath(uid) : undefined));
  router.post('/franceconnect', parseForm, (ctx) => steps.leave(ctx));
  router.get('/franceconnect/retour', (ctx) => steps.back(ctx));
  router.get('/franceconnect/telephone', (ctx) => steps.showPhone(ctx));
  router.post('/franceconnect/telephone', parseForm, (ctx) => steps.enterPhone(ctx));
  router.get('/franceconnect', (ctx) => steps.showPhone(ctx));
  router.get('/franceconnect/code', (ctx) => steps.showCode(ctx));
  router.post('/franceconnect/code', parseForm, (ctx) => steps.enterCode(ctx));
  router.post('/franceconnect/renvoi', parseForm, (ctx) => steps.resendCode(ctx));
  router.get('/franceconnect/eleves', (ctx) => steps.showPupils(ctx));
  router.post('/franceconnect/eleves', parseForm, (ctx) => steps.confirmPupils(ctx));
  endFranceConnectWithOurs(interactions.services.provider, deps, client);

  const outside = new Router();
  outside.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  outside.get(CALLBACK_PATH, (ctx) => steps.callback(ctx));
  outside.get(POST_LOGOUT_PATH, async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state.slice(0, 200) : '';
    const returnTo = state ? await finishLogout(deps.db, state) : undefined;
    if (returnTo) return ctx.redirect(returnTo);
    renderMessage(ctx, { title: 'Vous êtes déconnecté', paragraphs: ['Vous êtes déconnecté d’ÉduConnect.'] });
  });
  return outside;
}

/**
 * Our logout (`/session/end/confirm`, « Se déconnecter ») goes on to FranceConnect's `session/end`
 * when the session came from FranceConnect, then back where the provider was sending the browser.
 */
function endFranceConnectWithOurs(provider: Provider, deps: ActivationDeps, client: FranceConnectClient) {
  provider.use(async (ctx, next) => {
    const confirm = ctx.method === 'POST' && ctx.path === '/session/end/confirm';
    const loginId = confirm ? ctx.cookies.get(SESSION_COOKIE, { signed: true }) : undefined;
    await next();
    const ended = Boolean((ctx.oidc?.params as { logout?: string } | undefined)?.logout);
    const returnTo = ctx.response.get('Location');
    if (!loginId || !ended || !returnTo || ctx.status < 300 || ctx.status >= 400) return;
    ctx.cookies.set(SESSION_COOKIE, null, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      signed: true,
      secure: ctx.secure,
    });
    const login = await sessionLogin(deps.db, loginId);
    if (!login?.id_token) return;
    const state = randomState();
    try {
      const url = await client.logoutUrl(login.id_token, state);
      await startLogout(deps.db, login.id, state, returnTo);
      ctx.status = 303;
      ctx.redirect(url);
    } catch (error) {
      // FranceConnect unreachable: our session is ended all the same, and the browser goes back
      ctx.app.emit('error', error, ctx);
    }
  });
}

/** One handler per page and form of the FranceConnect login. */
class FranceConnectSteps {
  constructor(
    private readonly interactions: Interactions,
    private readonly deps: ActivationDeps,
    private readonly client: FranceConnectClient,
  ) {}

  private get services() {
    return this.interactions.services;
  }

  /** « S'identifier avec FranceConnect »: to FranceConnect with a fresh state and nonce. */
  async leave(ctx: Context) {
    const interaction = await this.interactions.load(ctx);
    this.interactions.requireCsrf(ctx);
    const state = randomState();
    const nonce = randomNonce();
    let url: string;
    try {
      url = await this.client.authorizationUrl(state, nonce);
    } catch (error) {
      this.services.logger.warn({ err: error }, 'FranceConnect unreachable');
      return renderMessage(
        ctx,
        {
          title: 'FranceConnect indisponible',
          paragraphs: [
            'FranceConnect est momentanément indisponible. Réessayez dans quelques instants, ou connectez-vous avec vos identifiants Education nationale.',
          ],
          link: {
            href: `/interaction/${interaction.uid}/login/responsable_legal`,
            label: 'Revenir à la page de connexion',
          },
          tone: 'error',
        },
        503,
      );
    }
    await purgeLogins(this.deps.db);
    await insertLogin(this.deps.db, { interactionUid: interaction.uid, state, nonce });
    ctx.cookies.set(STATE_COOKIE, state, {
      path: CALLBACK_PATH,
      httpOnly: true,
      sameSite: 'lax',
      signed: true,
      secure: ctx.secure,
      maxAge: 600_000,
      overwrite: true,
    });
    ctx.status = 303;
    ctx.redirect(url);
  }

  /** The return from FranceConnect: the state checked (this browser's, once), the identity verified. */
  async callback(ctx: Context) {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state.slice(0, 200) : '';
    const uid = state ? await interactionOfState(this.deps.db, state) : undefined;
    const refuse = async (reason: string, cancelled = false) => {
      await this.deps.audit.record({ event: 'franceconnect.refused', ip: ctx.ip, detail: { reason } });
      renderPage(ctx, createElement(FranceConnectErrorPage, { uid, cancelled }), cancelled ? 400 : 403);
    };
    const cookie = ctx.cookies.get(STATE_COOKIE, { signed: true });
    ctx.cookies.set(STATE_COOKIE, null, {
      path: CALLBACK_PATH,
      httpOnly: true,
      signed: true,
      secure: ctx.secure,
    });
    if (!state || !uid) return refuse('unknown_state');
    if (typeof ctx.query.error === 'string') {
      await consumeLogin(this.deps.db, state);
      return refuse(`upstream_${ctx.query.error.slice(0, 40)}`, ctx.query.error === 'access_denied');
    }
    if (cookie !== state) return refuse('state_cookie');
    const login = await consumeLogin(this.deps.db, state);
    if (!login) return refuse('state_replayed');
    const callbackUrl = new URL(`${this.services.config.issuer}${CALLBACK_PATH}?${ctx.querystring}`);
    try {
      const identity = await this.client.identity(callbackUrl, { state, nonce: login.nonce });
      await storeIdentity(this.deps.db, login.id, identity);
    } catch (error) {
      if (!(error instanceof FranceConnectError)) throw error;
      this.services.logger.warn({ err: error.cause ?? error, reason: error.reason }, 'FranceConnect refused');
      return refuse(error.reason);
    }
    ctx.status = 303;
    ctx.redirect(`${basePath(login.interaction_uid)}/retour`);
  }

  /** The identity FranceConnect returned for this interaction; without one, back to the login page. */
  private async identified(ctx: Context) {
    const interaction = await this.interactions.load(ctx);
    const login = await identifiedLogin(this.deps.db, interaction.uid);
    if (!login?.sub) {
      ctx.redirect(`/interaction/${interaction.uid}/login/responsable_legal`);
      return undefined;
    }
    return { interaction, login, sub: login.sub };
  }

  /** A known FranceConnect identity goes straight through; a new one starts the first login. */
  async back(ctx: Context) {
    const at = await this.identified(ctx);
    if (!at) return;
    const accountId = await linkedAccountId(this.deps.db, at.sub);
    if (accountId) return this.logIn(ctx, at.interaction, at.login, accountId, ['fc']);
    ctx.redirect(`${basePath(at.interaction.uid)}/telephone`);
  }

  private async logIn(
    ctx: Context,
    interaction: Interaction,
    login: FranceConnectLogin,
    accountId: string,
    amr: string[],
  ) {
    const account = await findAccountById(this.deps.db, accountId);
    if (account?.status !== 'active' || account.profile !== 'responsable_legal')
      return renderPage(
        ctx,
        createElement(FranceConnectErrorPage, { uid: interaction.uid, cancelled: false }),
        403,
      );
    await markLoggedIn(this.deps.db, login.id, accountId);
    ctx.cookies.set(SESSION_COOKIE, login.id, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      signed: true,
      secure: ctx.secure,
      overwrite: true,
    });
    await this.deps.audit.record({
      event: 'login.success',
      accountId,
      clientId: interaction.params.client_id as string,
      ip: ctx.ip,
      detail: { profile: 'responsable_legal', method: 'franceconnect' },
    });
    await this.interactions.continueLogin(ctx, interaction, { accountId, amr }, account);
  }

  private phonePage(
    ctx: Context,
    uid: string,
    login: FranceConnectLogin,
    props: Partial<PhonePageProps> = {},
    status = 200,
  ) {
    const page = {
      profileLabel: PROFILE_LABEL,
      uid,
      csrf: this.services.csrf.token(ctx),
      name: `${login.given_name ?? ''} ${(login.family_name ?? '').toUpperCase()}`.trim(),
      position: position(1),
      ...props,
    };
    renderPage(ctx, createElement(FranceConnectPhonePage, page), status);
  }

  async showPhone(ctx: Context) {
    const at = await this.identified(ctx);
    if (at) this.phonePage(ctx, at.interaction.uid, at.login);
  }

  /** The mobile known to the school, matched with FranceConnect's names: the SMS flow starts. */
  async enterPhone(ctx: Context) {
    const at = await this.identified(ctx);
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, login } = at;
    const { raw, mobile, error } = readMobile(ctx.request.body);
    if (!mobile) {
      const errors = { telephone: error ?? '' };
      return this.phonePage(ctx, interaction.uid, login, { mobile: raw, errors, message: FORM_ERROR }, 400);
    }
    const identity = { familyName: login.family_name ?? '', givenName: login.given_name ?? '', mobile };
    const started = await startLinking(this.deps, interaction.uid, identity, ctx.ip);
    if (started.status !== 'started') {
      ctx.set('Retry-After', String(started.retryAfterSeconds));
      return this.phonePage(
        ctx,
        interaction.uid,
        login,
        { mobile: raw, message: refusalMessage(started) },
        429,
      );
    }
    this.seeOther(ctx, interaction.uid, 'code');
  }

  private seeOther(ctx: Context, uid: string, page: string) {
    ctx.status = 303;
    ctx.redirect(`${basePath(uid)}/${page}`);
  }

  /** The identity, and the first login's flow when it is in `state`; else the page of its state. */
  private async flowAt(ctx: Context, state: FranceConnectState) {
    const at = await this.identified(ctx);
    if (!at) return undefined;
    const uid = at.interaction.uid;
    const flow = await currentActivation(this.deps.db, uid, 'franceconnect');
    if (flow?.state === state) return { ...at, flow };
    if (!flow) ctx.redirect(`${basePath(uid)}/telephone`);
    else if (flow.state === 'failed' || flow.state === 'completed')
      this.ended(ctx, uid, flow.failure_reason ?? '');
    else ctx.redirect(`${basePath(uid)}/${FRANCECONNECT_STATES[flow.state as FranceConnectState].page}`);
    return undefined;
  }

  private ended(ctx: Context, uid: string, reason: string) {
    renderPage(ctx, createElement(LinkingEndedPage, { uid, reason }), 403);
  }

  private codePage(
    ctx: Context,
    uid: string,
    flow: RegistryFlow,
    props: { errors?: Record<string, string>; message?: string; notice?: string },
    status = 200,
  ) {
    const page = {
      profileLabel: PROFILE_LABEL,
      uid,
      csrf: this.services.csrf.token(ctx),
      maskedPhone: maskPhone(flow.mobile ?? ''),
      ttlMinutes: Math.round(this.deps.config.smsCodeTtlSeconds / 60),
      basePath: basePath(uid),
      position: position(2),
      ...props,
    };
    renderPage(ctx, createElement(ActivationCodePage, page), status);
  }

  async showCode(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_sent');
    if (!at) return;
    const notice = ctx.query.renvoye === '1' ? 'Un nouveau code de sécurité vous a été envoyé.' : undefined;
    this.codePage(ctx, at.interaction.uid, at.flow, { notice });
  }

  async enterCode(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_sent');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const code = textField(ctx.request.body, 'code', 20).replace(/\s/g, '');
    const result: CodeResult | undefined = code ? await verifyCode(this.deps, flow, code, ctx.ip) : undefined;
    if (result?.status === 'verified') return this.seeOther(ctx, interaction.uid, 'eleves');
    if (result?.status === 'guess_ceiling') return this.ended(ctx, interaction.uid, 'code_guesses');
    const error = codeError(result);
    if (!error) return this.ended(ctx, interaction.uid, 'code_attempts');
    this.codePage(ctx, interaction.uid, flow, { message: FORM_ERROR, errors: { code: error } }, 400);
  }

  async resendCode(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_sent');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const result = await resendCode(this.deps, flow, ctx.ip);
    if (result.status === 'sent') return this.seeOther(ctx, interaction.uid, 'code?renvoye=1');
    if (result.status === 'cooldown') {
      ctx.set('Retry-After', String(result.seconds));
      const message = `Vous pourrez demander un nouveau SMS dans ${result.seconds} seconde${result.seconds > 1 ? 's' : ''}.`;
      return this.codePage(ctx, interaction.uid, flow, { message }, 429);
    }
    if (result.status === 'flow_capped')
      return this.codePage(ctx, interaction.uid, flow, { message: FLOW_CAPPED_MESSAGE }, 429);
    if (result.status === 'busy' || result.status === 'capped') {
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      return this.codePage(ctx, interaction.uid, flow, { message: refusalMessage(result) }, 429);
    }
    this.seeOther(ctx, interaction.uid, 'code');
  }

  private pupilsPage(
    ctx: Context,
    uid: string,
    props: Pick<PupilLinksFormProps, 'pupils' | 'answers' | 'errors'> & { message?: string },
    status = 200,
  ) {
    const page = {
      profileLabel: PROFILE_LABEL,
      csrf: this.services.csrf.token(ctx),
      action: `${basePath(uid)}/eleves`,
      position: position(3),
      ...props,
    };
    renderPage(ctx, createElement(ActivationPupilsPage, page), status);
  }

  async showPupils(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_verified');
    if (!at) return;
    this.pupilsPage(ctx, at.interaction.uid, { pupils: await pupilsOfFlow(this.deps.db, at.flow) });
  }

  /** The children's birth dates: the FranceConnect identity is linked and the login goes on. */
  async confirmPupils(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_verified');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow, login, sub } = at;
    const pupils = await pupilsOfFlow(this.deps.db, flow);
    const answers = readPupilAnswers(ctx.request.body, pupils);
    const result = await confirmLinking(this.deps, flow, sub, pupils, answers, ctx.ip);
    if (result.status === 'failed') return this.ended(ctx, interaction.uid, 'birth_dates');
    if (result.status === 'invalid') {
      const props = { pupils, answers, errors: result.check.errors, message: FORM_ERROR };
      return this.pupilsPage(ctx, interaction.uid, props, 400);
    }
    if (result.status === 'ended') {
      const ended = await currentActivation(this.deps.db, interaction.uid, 'franceconnect');
      return this.ended(ctx, interaction.uid, ended?.failure_reason ?? '');
    }
    await this.logIn(ctx, interaction, login, result.accountId, ['fc', 'sms']);
  }
}
