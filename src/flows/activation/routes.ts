import type { Context } from 'koa';
import type { IdentityPageProps } from '../../../views/activation/identity.js';
import { checkNewPassword } from '../../domain/accounts/password-policy.js';
import { formatPhone, normalizePhone } from '../../domain/registry/phone.js';
import { deriveSecret, SecretBox } from '../../domain/secrets.js';
import type { FlowEntrance } from '../../http/admission.js';
import { FORM_ERROR, textField } from '../../http/form.js';
import { FormFlash } from '../../http/form-flash.js';
import type { Interactions } from '../interaction/interactions.js';
import type { LoginLinks } from '../login/routes.js';
import { type PupilAnswer, readPupilAnswers } from '../pupil-binding/pupil-answers.js';
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

/** The wait in whole minutes, as the page says it and `Retry-After` repeats it (they must agree). */
export function wholeMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}
function inMinutes(seconds: number): string {
  const minutes = wholeMinutes(seconds);
  return minutes === 60 ? 'une heure' : `${minutes} minute${minutes > 1 ? 's' : ''}`;
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

/** A form sent back with errors: the page's props, kept across the redirect (post/redirect/get). */
type Sent = {
  values?: IdentityPageProps['values'];
  errors?: Record<string, string>;
  message?: string;
  /** The pupils step's answers, as entries (a Map does not survive JSON). */
  answers?: [string, PupilAnswer][];
  noneConfirmed?: boolean;
};

/** One handler per page and form of the activation. */
class ActivationSteps {
  private readonly pages: ActivationPages;
  private readonly flash: FormFlash;

  constructor(
    private readonly interactions: Interactions,
    private readonly deps: ActivationDeps,
  ) {
    this.pages = new ActivationPages(interactions.services.csrf, deps.config.smsCodeTtlSeconds);
    this.flash = new FormFlash(new SecretBox(deriveSecret(deps.config.secretKey, 'form-flash')));
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

  private pagePath(uid: string, page: string) {
    return page ? `${activationPath(uid)}/${page}` : activationPath(uid);
  }

  /** After a POST, always a redirect: the page of the next step, or this step's page with its errors. */
  private seeOther(ctx: Context, uid: string, page: string) {
    ctx.status = 303;
    ctx.redirect(this.pagePath(uid, page));
  }

  private sendBack(
    ctx: Context,
    uid: string,
    page: string,
    props: Sent,
    status: number,
    retryAfter?: number,
  ) {
    const form = { status, retryAfterSeconds: retryAfter, props };
    this.flash.redirect(ctx, activationPath(uid), this.pagePath(uid, page), form);
  }

  /** What a POST of this page sent back, once; with its status (and Retry-After) set. */
  private sentBack(ctx: Context, uid: string, page: string) {
    const form = this.flash.take<Sent>(ctx, activationPath(uid), this.pagePath(uid, page));
    if (form?.retryAfterSeconds) ctx.set('Retry-After', String(form.retryAfterSeconds));
    return form;
  }

  /** Step 1; « Précédent » from a later step comes back here with what was typed. */
  async showIdentity(ctx: Context) {
    const interaction = await this.interactions.load(ctx);
    const sent = this.sentBack(ctx, interaction.uid, '');
    if (sent) return this.pages.identity(ctx, interaction.uid, sent.props, sent.status);
    const flow = await currentActivation(this.deps.db, interaction.uid);
    const values = flow
      ? {
          familyName: flow.family_name ?? '',
          givenName: flow.given_name ?? '',
          mobile: flow.mobile ? formatPhone(flow.mobile) : '',
        }
      : undefined;
    this.pages.identity(ctx, interaction.uid, { values });
  }

  async showNoMobile(ctx: Context) {
    const interaction = await this.interactions.load(ctx);
    this.pages.noMobile(ctx, interaction.uid);
  }

  async confirmIdentity(ctx: Context) {
    const interaction = await this.interactions.load(ctx);
    this.interactions.requireCsrf(ctx);
    const { uid } = interaction;
    const { identity, values, errors } = readIdentity(ctx.request.body);
    if (!identity) return this.sendBack(ctx, uid, '', { values, errors, message: FORM_ERROR }, 400);
    const started = await startActivation(this.deps, uid, identity, ctx.ip);
    if (started.status !== 'started') {
      const wait = wholeMinutes(started.retryAfterSeconds) * 60;
      return this.sendBack(ctx, uid, '', { values, message: refusalMessage(started) }, 429, wait);
    }
    this.seeOther(ctx, uid, 'code');
  }

  async showCode(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_sent');
    if (!at) return;
    const { uid } = at.interaction;
    const sent = this.sentBack(ctx, uid, 'code');
    if (sent) return this.pages.code(ctx, uid, at.flow, sent.props, sent.status);
    const notice = ctx.query.renvoye === '1' ? 'Un nouveau code de sécurité vous a été envoyé.' : undefined;
    this.pages.code(ctx, uid, at.flow, { notice });
  }

  async enterCode(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_sent');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const { uid } = interaction;
    // "585 265" as the SMS shows it, pasted: spaces do not count.
    const code = textField(ctx.request.body, 'code', 20).replace(/[\s\u00a0\u202f]/g, '');
    if (code && !/^[0-9]{6}$/.test(code)) {
      // A typing slip, not a guess: it does not cost one of the tries.
      const errors = { code: 'Le code de sécurité comporte 6 chiffres.' };
      return this.sendBack(ctx, uid, 'code', { message: FORM_ERROR, errors }, 400);
    }
    const result: CodeResult | undefined = code ? await verifyCode(this.deps, flow, code, ctx.ip) : undefined;
    if (result?.status === 'verified') return this.seeOther(ctx, uid, 'mot-de-passe');
    const error = codeError(result);
    // The activation ended (tries, daily ceiling): its page says why.
    if (!error) return this.seeOther(ctx, uid, 'code');
    this.sendBack(ctx, uid, 'code', { message: FORM_ERROR, errors: { code: error } }, 400);
  }

  async resendCode(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_sent');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const { uid } = interaction;
    const result = await resendCode(this.deps, flow, ctx.ip);
    if (result.status === 'sent') return this.seeOther(ctx, uid, 'code?renvoye=1');
    if (result.status === 'cooldown') {
      const message = `Vous pourrez demander un nouveau SMS dans ${result.seconds} seconde${result.seconds > 1 ? 's' : ''}.`;
      return this.sendBack(ctx, uid, 'code', { message }, 429, result.seconds);
    }
    if (result.status === 'flow_capped')
      return this.sendBack(ctx, uid, 'code', { message: FLOW_CAPPED_MESSAGE }, 429);
    if (result.status === 'busy' || result.status === 'capped') {
      const wait = wholeMinutes(result.retryAfterSeconds) * 60;
      return this.sendBack(ctx, uid, 'code', { message: refusalMessage(result) }, 429, wait);
    }
    this.seeOther(ctx, uid, 'code');
  }

  async showPassword(ctx: Context) {
    const at = await this.flowAt(ctx, 'code_verified');
    if (!at) return;
    const sent = this.sentBack(ctx, at.interaction.uid, 'mot-de-passe');
    this.pages.password(ctx, at.interaction.uid, sent?.props, sent?.status);
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
      return this.sendBack(ctx, interaction.uid, 'mot-de-passe', { errors, message: FORM_ERROR }, 400);
    await choosePassword(this.deps, flow, await this.interactions.services.hasher.hash(password));
    this.seeOther(ctx, interaction.uid, 'eleves');
  }

  async showPupils(ctx: Context) {
    const at = await this.flowAt(ctx, 'password_chosen');
    if (!at) return;
    const { uid } = at.interaction;
    const pupils = await pupilsOfFlow(this.deps.db, at.flow);
    const sent = this.sentBack(ctx, uid, 'eleves');
    if (!sent) return this.pages.pupils(ctx, uid, { pupils });
    const { answers, ...props } = sent.props;
    this.pages.pupils(ctx, uid, { ...props, pupils, answers: new Map(answers) }, sent.status);
  }

  async confirmPupils(ctx: Context) {
    const at = await this.flowAt(ctx, 'password_chosen');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const { uid } = interaction;
    const pupils = await pupilsOfFlow(this.deps.db, flow);
    const answers = readPupilAnswers(ctx.request.body, pupils);
    const result = await confirmPupils(this.deps, flow, pupils, answers, ctx.ip);
    if (result.status === 'invalid') {
      const { remainingTries, check } = result;
      const message =
        remainingTries === undefined
          ? FORM_ERROR
          : `${FORM_ERROR} Il vous reste ${remainingTries} essai${remainingTries > 1 ? 's' : ''} pour les dates de naissance.`;
      const props = {
        answers: [...answers],
        errors: check.errors,
        message,
        noneConfirmed: check.noneConfirmed,
      };
      return this.sendBack(ctx, uid, 'eleves', props, 400);
    }
    // Completed, or ended (wrong dates, already activated): the page of the flow's new state says so.
    this.seeOther(ctx, uid, result.status === 'completed' ? 'terminee' : 'eleves');
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
  const errors: Record<string, string> = {};
  if (!familyName) errors.nom = 'Saisissez votre nom.';
  else if (!LETTER.test(familyName)) errors.nom = 'Le nom doit contenir au moins une lettre.';
  if (!givenName) errors.prenom = 'Saisissez votre prénom.';
  else if (!LETTER.test(givenName)) errors.prenom = 'Le prénom doit contenir au moins une lettre.';
  const { raw: phone, mobile, error } = readMobile(body);
  if (error) errors.telephone = error;
  const values = { familyName, givenName, mobile: phone };
  const valid = Object.keys(errors).length === 0 && mobile;
  return { identity: valid ? { familyName, givenName, mobile } : undefined, values, errors };
}

/** The « N° de téléphone portable » field in E.164, or its French error. */
export function readMobile(body: unknown): { raw: string; mobile?: string; error?: string } {
  const raw = textField(body, 'telephone', 30).trim();
  // The field comes with "+33 " typed in: a country code alone is no number.
  const phone = /^\+\d{1,3}$/.test(raw) ? '' : raw;
  const mobile = phone ? normalizePhone(phone) : undefined;
  if (!phone) return { raw, error: 'Saisissez votre numéro de téléphone portable.' };
  if (!mobile)
    return {
      raw,
      error:
        'Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78, ou avec l’indicatif régional hors métropole : +596 696 12 34 56.',
    };
  return { raw, mobile };
}
