import type { Context } from 'koa';
import { checkNewPassword } from '../../domain/accounts/password-policy.js';
import { normalizePhone } from '../../domain/registry/phone.js';
import type { FlowEntrance } from '../../http/admission.js';
import { FORM_ERROR, textField } from '../../http/form.js';
import type { Interactions } from '../interaction/interactions.js';
import type { LoginLinks } from '../login/routes.js';
import { readPupilAnswers } from '../pupil-binding/pupil-answers.js';
import {
  type ActivationDeps,
  type CodeResult,
  choosePassword,
  confirmPupils,
  pupilsOfFlow,
  resendCode,
  startActivation,
  verifyCode,
} from './activation.js';
import type { Refusal } from './limits.js';
import { ActivationPages, activationPath } from './pages.js';
import { ACTIVATION_STATES, type ActivationState } from './state.js';
import { createdIdentifier, currentActivation } from './store.js';

function inMinutes(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  return minutes >= 60 ? 'une heure' : `${minutes} minute${minutes > 1 ? 's' : ''}`;
}
/** The number (and name) reached its SMS limit. The same words whether or not the person exists. */
export const cappedMessage = (seconds: number) =>
  `Trop de codes de sécurité ont été demandés pour ce numéro. Réessayez dans ${inMinutes(seconds)}.`;
/** The client address reached its limit (many different identities asked from it). */
export const busyMessage = (seconds: number) =>
  `Trop de demandes ont été envoyées depuis votre connexion internet. Réessayez dans ${inMinutes(seconds)}.`;
export const FLOW_CAPPED_MESSAGE =
  "Le nombre maximal d'envois de SMS pour cette activation est atteint. Saisissez le dernier code reçu, ou recommencez l'activation plus tard.";

export function refusalMessage(refusal: Refusal): string {
  return refusal.status === 'busy'
    ? busyMessage(refusal.retryAfterSeconds)
    : cappedMessage(refusal.retryAfterSeconds);
}
const LETTER = /\p{L}/u;

/** The entrance of an activation: admission control refuses new ones while the server is overloaded. */
export const isActivationEntrance: FlowEntrance = (method, path) =>
  method === 'GET' && /^\/interaction\/[^/]+\/activation\/?$/.test(path);

/** "Je n'ai pas de compte" under the parents' login form. */
export const activationLoginLinks: LoginLinks = (uid, profile) =>
  profile === 'responsable_legal' ? [{ href: activationPath(uid), label: "Je n'ai pas de compte" }] : [];

/** The parent activation flow, steps 1 to 5, under /interaction/:uid/activation. */
export function activationRoutes(interactions: Interactions, deps: ActivationDeps): void {
  const steps = new ActivationSteps(interactions, deps);
  const { router, parseForm } = interactions;
  router.get('/activation', (ctx) => steps.showIdentity(ctx));
  router.get('/activation/sans-portable', (ctx) => steps.showNoMobile(ctx));
  router.post('/activation/identite', parseForm, (ctx) => steps.confirmIdentity(ctx));
  router.get('/activation/code', (ctx) => steps.showCode(ctx));
  router.post('/activation/code', parseForm, (ctx) => steps.enterCode(ctx));
  router.post('/activation/renvoi', parseForm, (ctx) => steps.resendCode(ctx));
  router.get('/activation/mot-de-passe', (ctx) => steps.showPassword(ctx));
  router.post('/activation/mot-de-passe', parseForm, (ctx) => steps.choosePassword(ctx));
  router.get('/activation/eleves', (ctx) => steps.showPupils(ctx));
  router.post('/activation/eleves', parseForm, (ctx) => steps.confirmPupils(ctx));
  router.get('/activation/terminee', (ctx) => steps.showDone(ctx));
  router.post('/activation/acces', parseForm, (ctx) => steps.enterServices(ctx));
}

/** One handler per page and form of the activation. */
class ActivationSteps {
  private readonly pages: ActivationPages;

  constructor(
    private readonly interactions: Interactions,
    private readonly deps: ActivationDeps,
  ) {
    this.pages = new ActivationPages(interactions.services.csrf, deps.config.smsCodeTtlSeconds);
  }

  /** The interaction and its activation when the activation is in `state`; else the page of its state. */
  private async flowAt(ctx: Context, state: ActivationState) {
    const interaction = await this.interactions.load(ctx);
    const flow = await currentActivation(this.deps.db, interaction.uid);
    if (flow?.state === state) return { interaction, flow };
    const base = activationPath(interaction.uid);
    if (!flow) ctx.redirect(base);
    else if (flow.state === 'failed') this.pages.ended(ctx, interaction.uid, flow.failure_reason ?? '');
    else ctx.redirect(`${base}/${ACTIVATION_STATES[flow.state as ActivationState].page}`);
    return undefined;
  }

  private seeOther(ctx: Context, uid: string, page: string) {
    ctx.status = 303;
    ctx.redirect(`${activationPath(uid)}/${page}`);
  }

  async showIdentity(ctx: Context) {
    const interaction = await this.interactions.load(ctx);
    this.pages.identity(ctx, interaction.uid);
  }

  async showNoMobile(ctx: Context) {
    const interaction = await this.interactions.load(ctx);
    this.pages.noMobile(ctx, interaction.uid);
  }

  async confirmIdentity(ctx: Context) {
    const interaction = await this.interactions.load(ctx);
    this.interactions.requireCsrf(ctx);
    const { identity, values, errors } = readIdentity(ctx.request.body);
    if (!identity)
      return this.pages.identity(ctx, interaction.uid, { values, errors, message: FORM_ERROR }, 400);
    const started = await startActivation(this.deps, interaction.uid, identity, ctx.ip);
    if (started.status !== 'started') {
      ctx.set('Retry-After', String(started.retryAfterSeconds));
      return this.pages.identity(ctx, interaction.uid, { values, message: refusalMessage(started) }, 429);
    }
    this.seeOther(ctx, interaction.uid, 'code');
  }

  async showCode(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_sent');
    if (!at) return;
    const notice = ctx.query.renvoye === '1' ? 'Un nouveau code de sécurité vous a été envoyé.' : undefined;
    this.pages.code(ctx, at.interaction.uid, at.flow, { notice });
  }

  async enterCode(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_sent');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const code = textField(ctx.request.body, 'code', 20).replace(/\s/g, '');
    const result: CodeResult | undefined = code ? await verifyCode(this.deps, flow, code, ctx.ip) : undefined;
    if (result?.status === 'verified') return this.seeOther(ctx, interaction.uid, 'mot-de-passe');
    if (result?.status === 'guess_ceiling') return this.pages.ended(ctx, interaction.uid, 'code_guesses');
    const error = codeError(result);
    if (!error) return this.pages.ended(ctx, interaction.uid, 'code_attempts');
    this.pages.code(ctx, interaction.uid, flow, { message: FORM_ERROR, errors: { code: error } }, 400);
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
      return this.pages.code(ctx, interaction.uid, flow, { message }, 429);
    }
    if (result.status === 'flow_capped')
      return this.pages.code(ctx, interaction.uid, flow, { message: FLOW_CAPPED_MESSAGE }, 429);
    if (result.status === 'busy' || result.status === 'capped') {
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      return this.pages.code(ctx, interaction.uid, flow, { message: refusalMessage(result) }, 429);
    }
    ctx.redirect(`${activationPath(interaction.uid)}/code`);
  }

  async showPassword(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_verified');
    if (at) this.pages.password(ctx, at.interaction.uid);
  }

  async choosePassword(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_verified');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const password = textField(ctx.request.body, 'password', 200);
    const confirmation = textField(ctx.request.body, 'confirmation', 200);
    const errors = checkNewPassword(password, confirmation, [flow.given_name ?? '', flow.family_name ?? '']);
    if (Object.keys(errors).length > 0)
      return this.pages.password(ctx, interaction.uid, { errors, message: FORM_ERROR }, 400);
    await choosePassword(this.deps, flow, await this.interactions.services.hasher.hash(password));
    this.seeOther(ctx, interaction.uid, 'eleves');
  }

  async showPupils(ctx: Context) {
    const at = await this.flowAt(ctx, 'password_chosen');
    if (!at) return;
    this.pages.pupils(ctx, at.interaction.uid, { pupils: await pupilsOfFlow(this.deps.db, at.flow) });
  }

  async confirmPupils(ctx: Context) {
    const at = await this.flowAt(ctx, 'password_chosen');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const pupils = await pupilsOfFlow(this.deps.db, flow);
    const answers = readPupilAnswers(ctx.request.body, pupils);
    const result = await confirmPupils(this.deps, flow, pupils, answers, ctx.ip);
    if (result.status === 'failed') return this.pages.ended(ctx, interaction.uid, 'birth_dates');
    if (result.status === 'invalid') {
      const props = { pupils, answers, errors: result.check.errors, message: FORM_ERROR };
      return this.pages.pupils(ctx, interaction.uid, props, 400);
    }
    if (result.status === 'already_activated')
      return this.pages.ended(ctx, interaction.uid, 'already_activated');
    this.seeOther(ctx, interaction.uid, 'terminee');
  }

  async showDone(ctx: Context) {
    const at = await this.flowAt(ctx, 'completed');
    if (!at) return;
    this.pages.done(ctx, at.interaction.uid, await createdIdentifier(this.deps.db, at.flow));
  }

  /** "Accéder à mes services": the new account is logged in, and the login goes on to the service. */
  async enterServices(ctx: Context) {
    const at = await this.flowAt(ctx, 'completed');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const accountId = at.flow.account_id!;
    await this.deps.audit.record({
      event: 'login.success',
      accountId,
      clientId: at.interaction.params.client_id as string,
      ip: ctx.ip,
      detail: { profile: 'responsable_legal', method: 'activation' },
    });
    await this.interactions.continueLogin(ctx, at.interaction, { accountId, amr: ['sms', 'pwd'] });
  }
}

/** What the code page says for a code that did not verify; undefined when the activation ended. */
export function codeError(result: CodeResult | undefined): string | undefined {
  if (!result) return 'Saisissez le code de sécurité reçu par SMS.';
  if (result.status === 'wrong')
    return `Le code de sécurité est incorrect. Il vous reste ${result.remaining} essai${result.remaining > 1 ? 's' : ''}.`;
  if (result.status === 'expired')
    return 'Le code de sécurité a expiré. Cliquez sur « Renvoyer le SMS » pour en recevoir un nouveau.';
  return undefined;
}

/** Step 1's form: Nom, Prénom, N° de téléphone portable. `identity` only when all three are valid. */
export function readIdentity(body: unknown) {
  const familyName = textField(body, 'nom', 100).trim();
  const givenName = textField(body, 'prenom', 100).trim();
  const phone = textField(body, 'telephone', 30).trim();
  const errors: Record<string, string> = {};
  if (!familyName) errors.nom = 'Saisissez votre nom.';
  else if (!LETTER.test(familyName)) errors.nom = 'Le nom doit contenir au moins une lettre.';
  if (!givenName) errors.prenom = 'Saisissez votre prénom.';
  else if (!LETTER.test(givenName)) errors.prenom = 'Le prénom doit contenir au moins une lettre.';
  const mobile = phone ? normalizePhone(phone) : undefined;
  if (!phone) errors.telephone = 'Saisissez votre numéro de téléphone portable.';
  else if (!mobile)
    errors.telephone =
      'Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78, ou avec l’indicatif régional hors métropole : +596 696 12 34 56.';
  const values = { familyName, givenName, mobile: phone };
  const valid = Object.keys(errors).length === 0 && mobile;
  return { identity: valid ? { familyName, givenName, mobile } : undefined, values, errors };
}
