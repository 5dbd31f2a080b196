import type { Context } from 'koa';
import type { Account, OutboxChannel, RecoveryKind, RecoveryState } from '../../db/schema.js';
import { normaliseEmail } from '../../domain/accounts/email-address.js';
import { checkNewPassword } from '../../domain/accounts/password-policy.js';
import { normalizePhone } from '../../domain/registry/phone.js';
import { FORM_ERROR, textField } from '../../http/form.js';
import { codeError, FLOW_CAPPED_MESSAGE, readIdentity, refusalMessage } from '../activation/routes.js';
import type { Interactions } from '../interaction/interactions.js';
import type { LoginLinks } from '../login/routes.js';
import { parentLoginPath, RecoveryPages } from './pages.js';
import {
  type EmailRecoveryRequest,
  type RecoveryDeps,
  type RecoveryRequest,
  recoveredAccount,
  recoveryLinkState,
  resendRecoveryCode,
  resetPassword,
  startEmailRecovery,
  startRecovery,
  verifyRecoveryCode,
} from './recovery.js';
import { RECOVERY_SEGMENTS, RECOVERY_STATES, recoveryPath } from './state.js';
import { currentRecovery } from './store.js';

const KINDS: RecoveryKind[] = ['identifier', 'password'];

/** « Identifiant oublié ? » beside the identifier and « Mot de passe oublié ? » beside the password. */
export const recoveryLoginLinks: LoginLinks = (uid, profile) => {
  const suffix = profile === 'eleve' ? '/eleve' : '';
  return [
    {
      href: `${recoveryPath(uid, 'identifier')}${suffix}`,
      label: 'Identifiant oublié ?',
      beside: 'identifier',
    },
    { href: `${recoveryPath(uid, 'password')}${suffix}`, label: 'Mot de passe oublié ?', beside: 'password' },
  ];
};

/** Both recoveries under /interaction/:uid/identifiant-oublie and /interaction/:uid/mot-de-passe-oublie. */
export function recoveryRoutes(interactions: Interactions, deps: RecoveryDeps): void {
  const steps = new RecoverySteps(interactions, deps);
  const { router, parseForm } = interactions;
  for (const kind of KINDS) {
    const segment = `/${RECOVERY_SEGMENTS[kind]}`;
    router.get(segment, (ctx) => steps.showRequest(ctx, kind, 'sms'));
    router.post(segment, parseForm, (ctx) => steps.request(ctx, kind, 'sms'));
    router.get(`${segment}/courriel`, (ctx) => steps.showRequest(ctx, kind, 'email'));
    router.post(`${segment}/courriel`, parseForm, (ctx) => steps.request(ctx, kind, 'email'));
    router.get(`${segment}/courriel-envoye`, (ctx) => steps.showEmailSent(ctx, kind));
    router.get(`${segment}/code`, (ctx) => steps.showCode(ctx, kind));
    router.post(`${segment}/code`, parseForm, (ctx) => steps.enterCode(ctx, kind));
    router.post(`${segment}/renvoi`, parseForm, (ctx) => steps.resendCode(ctx, kind));
    router.get(`${segment}/eleve`, (ctx) => steps.showPupil(ctx, kind));
  }
  router.get('/identifiant-oublie/identifiant', (ctx) => steps.showIdentifier(ctx));
  router.get('/mot-de-passe-oublie/nouveau', (ctx) => steps.showNewPassword(ctx));
  router.post('/mot-de-passe-oublie/nouveau', parseForm, (ctx) => steps.chooseNewPassword(ctx));
  router.get('/mot-de-passe-oublie/modifie', (ctx) => steps.showChanged(ctx));
  router.post('/mot-de-passe-oublie/acces', parseForm, (ctx) => steps.enterServices(ctx));
  // The email link works in any browser: it does not need this interaction's cookies.
  router.get('/mot-de-passe-oublie/lien', (ctx) => steps.openLink(ctx));
  router.post('/mot-de-passe-oublie/lien', parseForm, (ctx) => steps.resetByLink(ctx));
}

/** One handler per page and form of the recoveries. */
class RecoverySteps {
  private readonly pages: RecoveryPages;

  constructor(
    private readonly interactions: Interactions,
    private readonly deps: RecoveryDeps,
  ) {
    this.pages = new RecoveryPages(interactions.services.csrf, deps.config.smsCodeTtlSeconds);
  }

  /**
   * The interaction and its recovery of `kind` when it is in `state` (and went by `channel`); else
   * the page where that recovery stands.
   */
  private async flowAt(
    ctx: Context,
    kind: RecoveryKind,
    state: RecoveryState,
    channel: OutboxChannel = 'sms',
  ) {
    const interaction = await this.interactions.load(ctx);
    const flow = await currentRecovery(this.deps.db, interaction.uid, kind);
    if (flow?.state === state && flow.channel === channel) return { interaction, flow };
    const base = recoveryPath(interaction.uid, kind);
    if (!flow) ctx.redirect(base);
    else if (flow.state === 'failed') this.pages.ended(ctx, interaction.uid, kind, flow.failure_reason ?? '');
    // An email recovery waits in the mailbox, whatever its state: the page says where it went.
    else if (flow.channel === 'email') ctx.redirect(`${base}/courriel-envoye`);
    else ctx.redirect(`${base}/${RECOVERY_STATES[kind][flow.state]?.page ?? ''}`);
    return undefined;
  }

  private seeOther(ctx: Context, uid: string, kind: RecoveryKind, page: string) {
    ctx.status = 303;
    ctx.redirect(`${recoveryPath(uid, kind)}/${page}`);
  }

  async showRequest(ctx: Context, kind: RecoveryKind, channel: OutboxChannel) {
    const interaction = await this.interactions.load(ctx);
    this.pages.request(ctx, interaction.uid, kind, channel);
  }

  async showPupil(ctx: Context, kind: RecoveryKind) {
    const interaction = await this.interactions.load(ctx);
    this.pages.pupil(ctx, interaction.uid, kind);
  }

  async request(ctx: Context, kind: RecoveryKind, channel: OutboxChannel) {
    const interaction = await this.interactions.load(ctx);
    this.interactions.requireCsrf(ctx);
    const uid = interaction.uid;
    const { request, values, errors } =
      channel === 'sms' ? readRequest(ctx.request.body, kind) : readEmailRequest(ctx.request.body, kind);
    if (!request)
      return this.pages.request(ctx, uid, kind, channel, { values, errors, message: FORM_ERROR }, 400);
    const started =
      'email' in request
        ? await startEmailRecovery(this.deps, uid, request, ctx.ip)
        : await startRecovery(this.deps, uid, request, ctx.ip);
    if (started.status !== 'started') {
      ctx.set('Retry-After', String(started.retryAfterSeconds));
      const message = refusalMessage(started);
      return this.pages.request(ctx, uid, kind, channel, { values, message }, 429);
    }
    this.seeOther(ctx, uid, kind, channel === 'sms' ? 'code' : 'courriel-envoye');
  }

  async showEmailSent(ctx: Context, kind: RecoveryKind) {
    const interaction = await this.interactions.load(ctx);
    const flow = await currentRecovery(this.deps.db, interaction.uid, kind);
    if (flow?.channel !== 'email') return ctx.redirect(`${recoveryPath(interaction.uid, kind)}/courriel`);
    this.pages.emailSent(ctx, interaction.uid, flow);
  }

  /** The email link's flow and token, from the query (GET) or the form (POST). */
  private async link(ctx: Context, source: unknown) {
    const flowId = textField(source, 'flux', 64);
    const token = textField(source, 'jeton', 100);
    const state = await recoveryLinkState(this.deps, flowId, token);
    if (state.status === 'valid') return { ...state, token };
    this.pages.linkInvalid(ctx, state.flow?.interaction_uid ?? ctx.params.uid ?? '');
    return undefined;
  }

  /** GET changes nothing (mail scanners open links): it shows the form. */
  async openLink(ctx: Context) {
    const link = await this.link(ctx, ctx.query);
    if (!link) return;
    const uid = link.flow.interaction_uid;
    this.pages.newPassword(ctx, uid, {}, 200, { flowId: link.flow.id, token: link.token });
  }

  async resetByLink(ctx: Context) {
    this.interactions.requireCsrf(ctx);
    const link = await this.link(ctx, ctx.request.body);
    if (!link) return;
    const { flow, account, token } = link;
    const uid = flow.interaction_uid;
    const again = { flowId: flow.id, token };
    const errors = readNewPassword(ctx.request.body, account);
    if (errors) return this.pages.newPassword(ctx, uid, { errors, message: FORM_ERROR }, 400, again);
    const password = textField(ctx.request.body, 'password', 200);
    const result = await resetPassword(this.deps, flow, account, password, ctx.ip);
    if (result.status === 'same')
      return this.pages.newPassword(ctx, uid, { errors: SAME_PASSWORD, message: FORM_ERROR }, 400, again);
    if (result.status === 'ended') return this.pages.linkInvalid(ctx, uid);
    // This browser may not hold the interaction (another device): no « Accéder à mes services ».
    this.pages.passwordChanged(ctx, uid, account.identifier, false);
  }

  async showCode(ctx: Context, kind: RecoveryKind) {
    const at = await this.flowAt(ctx, kind, 'code_sent');
    if (!at) return;
    const notice = ctx.query.renvoye === '1' ? 'Un nouveau code de sécurité vous a été envoyé.' : undefined;
    this.pages.code(ctx, at.interaction.uid, at.flow, { notice });
  }

  async enterCode(ctx: Context, kind: RecoveryKind) {
    const at = await this.flowAt(ctx, kind, 'code_sent');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const code = textField(ctx.request.body, 'code', 20).replace(/\s/g, '');
    const result = code ? await verifyRecoveryCode(this.deps, flow, code, ctx.ip) : undefined;
    if (result?.status === 'verified')
      return this.seeOther(ctx, interaction.uid, kind, kind === 'identifier' ? 'identifiant' : 'nouveau');
    if (result?.status === 'guess_ceiling')
      return this.pages.ended(ctx, interaction.uid, kind, 'code_guesses');
    const error = codeError(result);
    if (!error) return this.pages.ended(ctx, interaction.uid, kind, 'code_attempts');
    this.pages.code(ctx, interaction.uid, flow, { message: FORM_ERROR, errors: { code: error } }, 400);
  }

  async resendCode(ctx: Context, kind: RecoveryKind) {
    const at = await this.flowAt(ctx, kind, 'code_sent');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const result = await resendRecoveryCode(this.deps, flow, ctx.ip);
    if (result.status === 'sent') return this.seeOther(ctx, interaction.uid, kind, 'code?renvoye=1');
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
    ctx.redirect(`${recoveryPath(interaction.uid, kind)}/code`);
  }

  async showIdentifier(ctx: Context) {
    const at = await this.flowAt(ctx, 'identifier', 'completed');
    if (!at) return;
    const account = await recoveredAccount(this.deps.db, at.flow);
    if (!account) return ctx.redirect(recoveryPath(at.interaction.uid, 'identifier'));
    this.pages.identifier(ctx, at.interaction.uid, account.identifier);
  }

  async showNewPassword(ctx: Context) {
    const at = await this.flowAt(ctx, 'password', 'code_verified');
    if (at) this.pages.newPassword(ctx, at.interaction.uid);
  }

  async chooseNewPassword(ctx: Context) {
    const at = await this.flowAt(ctx, 'password', 'code_verified');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const { interaction, flow } = at;
    const account = await recoveredAccount(this.deps.db, flow);
    if (!account) return ctx.redirect(recoveryPath(interaction.uid, 'password'));
    const errors = readNewPassword(ctx.request.body, account);
    if (errors) return this.pages.newPassword(ctx, interaction.uid, { errors, message: FORM_ERROR }, 400);
    const password = textField(ctx.request.body, 'password', 200);
    const result = await resetPassword(this.deps, flow, account, password, ctx.ip);
    if (result.status === 'same')
      return this.pages.newPassword(
        ctx,
        interaction.uid,
        { errors: SAME_PASSWORD, message: FORM_ERROR },
        400,
      );
    if (result.status === 'ended') return ctx.redirect(recoveryPath(interaction.uid, 'password'));
    this.seeOther(ctx, interaction.uid, 'password', 'modifie');
  }

  async showChanged(ctx: Context) {
    const at = await this.flowAt(ctx, 'password', 'completed');
    if (!at) return;
    const account = await recoveredAccount(this.deps.db, at.flow);
    if (!account) return ctx.redirect(parentLoginPath(at.interaction.uid));
    this.pages.passwordChanged(ctx, at.interaction.uid, account.identifier);
  }

  /** « Accéder à mes services »: the person proved the phone and chose the password; the login goes on. */
  async enterServices(ctx: Context) {
    const at = await this.flowAt(ctx, 'password', 'completed');
    if (!at) return;
    this.interactions.requireCsrf(ctx);
    const accountId = at.flow.account_id;
    if (!accountId) return ctx.redirect(parentLoginPath(at.interaction.uid));
    await this.deps.audit.record({
      event: 'login.success',
      accountId,
      clientId: at.interaction.params.client_id as string,
      ip: ctx.ip,
      detail: { profile: 'responsable_legal', method: 'recovery' },
    });
    await this.interactions.continueLogin(ctx, at.interaction, { accountId, amr: ['sms', 'pwd'] });
  }
}

const SAME_PASSWORD = { password: 'Le nouveau mot de passe doit être différent de l’ancien.' };

/** The new password and its confirmation: the errors by field, or undefined when they are accepted. */
function readNewPassword(body: unknown, account: Account): Record<string, string> | undefined {
  const password = textField(body, 'password', 200);
  const confirmation = textField(body, 'confirmation', 200);
  const errors = checkNewPassword(password, confirmation, [
    account.given_name,
    account.family_name,
    account.identifier,
  ]);
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** Step 1 by email: Nom, Prénom or Identifiant, and the confirmed address. */
function readEmailRequest(body: unknown, kind: RecoveryKind) {
  const typed = textField(body, 'courriel', 254).trim();
  const email = normaliseEmail(typed);
  const errors: Record<string, string> = {};
  let who: { familyName: string; givenName: string } | { identifier: string };
  if (kind === 'identifier') {
    const familyName = textField(body, 'nom', 100).trim();
    const givenName = textField(body, 'prenom', 100).trim();
    if (!familyName) errors.nom = 'Saisissez votre nom.';
    if (!givenName) errors.prenom = 'Saisissez votre prénom.';
    who = { familyName, givenName };
  } else {
    const identifier = textField(body, 'identifiant', 100).trim().toLowerCase();
    if (!identifier) errors.identifiant = 'Saisissez votre identifiant.';
    who = { identifier };
  }
  if (!typed) errors.courriel = 'Saisissez votre adresse électronique.';
  else if (!email) errors.courriel = 'Saisissez une adresse électronique valide, par exemple nom@exemple.fr.';
  const values = { ...who, email: typed };
  const request: EmailRecoveryRequest | undefined =
    Object.keys(errors).length > 0 || !email ? undefined : ({ kind, ...who, email } as EmailRecoveryRequest);
  return { request, values, errors };
}

/** The `+33 ` the phone field starts with is not a number typed. */
function withoutBarePrefix(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const phone = (body as Record<string, unknown>).telephone;
  return typeof phone === 'string' && phone.trim() === '+33' ? { ...body, telephone: '' } : body;
}

/** Step 1's form: Nom, Prénom (identifier) or Identifiant (password), and the mobile. */
function readRequest(rawBody: unknown, kind: RecoveryKind) {
  const body = withoutBarePrefix(rawBody);
  if (kind === 'identifier') {
    const { identity, values, errors } = readIdentity(body);
    const request: RecoveryRequest | undefined = identity && { kind, ...identity };
    return { request, values, errors };
  }
  const identifier = textField(body, 'identifiant', 100).trim().toLowerCase();
  const phone = textField(body, 'telephone', 30).trim();
  const errors: Record<string, string> = {};
  if (!identifier) errors.identifiant = 'Saisissez votre identifiant.';
  const mobile = phone ? normalizePhone(phone) : undefined;
  if (!phone) errors.telephone = 'Saisissez votre numéro de téléphone portable.';
  else if (!mobile)
    errors.telephone =
      'Saisissez un numéro de téléphone valide, par exemple 06 12 34 56 78, ou avec l’indicatif régional hors métropole : +596 696 12 34 56.';
  const values = { identifier, mobile: phone };
  const request: RecoveryRequest | undefined =
    Object.keys(errors).length === 0 && mobile ? { kind, identifier, mobile } : undefined;
  return { request, values, errors };
}
