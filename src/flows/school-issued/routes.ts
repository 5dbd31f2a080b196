import type { Context } from 'koa';
import { createElement } from 'preact';
import { PupilBirthDatePage } from '../../../views/school-issued/birth-date.js';
import { ConfirmEmailGatePage, ParentEmailPage } from '../../../views/school-issued/email.js';
import { PhoneChangePage, type PhoneChangeValues } from '../../../views/school-issued/phone-change.js';
import type { Account } from '../../db/schema.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { normaliseEmail } from '../../domain/accounts/email-address.js';
import {
  pendingEmailConfirmation,
  requestEmailConfirmation,
} from '../../domain/accounts/email-confirmation.js';
import { throttleKey } from '../../domain/accounts/throttle.js';
import { clientNetwork, takeHit } from '../../domain/rate-limits.js';
import { normalizePhone } from '../../domain/registry/phone.js';
import {
  checkPupilBirthDate,
  completeNotification,
  pendingNotification,
} from '../../domain/school/notifications.js';
import { submitPhoneChange } from '../../domain/school/phone-requests.js';
import type { SecretBox } from '../../domain/secrets.js';
import { FORM_ERROR, textField } from '../../http/form.js';
import { renderMessage, renderPage } from '../../http/render.js';
import type { Interactions } from '../interaction/interactions.js';
import type { LoginStep } from '../interaction/steps.js';
import { LOCKED_MESSAGE } from './state.js';

/** `JJ`/`MM`/`AAAA` -> `AAAA-MM-JJ` for a real calendar date; undefined otherwise. */
export function readBirthDate(day: string, month: string, year: string): string | undefined {
  if (!/^[0-9]{1,2}$/.test(day) || !/^[0-9]{1,2}$/.test(month) || !/^[0-9]{4}$/.test(year)) return undefined;
  const [d, m, y] = [Number(day), Number(month), Number(year)];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export interface SchoolIssuedDeps {
  /** Seals outbox messages (the confirmation email). */
  messageBox: SecretBox;
  /** Wakes the outbox dispatcher once a message is committed. */
  messageQueued: () => void;
}

/**
 * First login with a notification, after the forced password change: a pupil's « Né(e) le » against
 * the registry (5 tries, then locked until the school issues a new notification); a parent's email
 * address, confirmed by its link before the login returns to any service.
 */
export function schoolIssuedRoutes(interactions: Interactions, deps: SchoolIssuedDeps): void {
  const { router, parseForm, services } = interactions;
  const { db, csrf, audit } = services;
  const pupilStep: LoginStep = {
    name: 'naissance',
    async isNeeded(account: Account) {
      return account.profile === 'eleve' && Boolean(await pendingNotification(db, account.id));
    },
  };
  interactions.addStep(pupilStep);

  const page = (
    ctx: Context,
    uid: string,
    props: { values?: { day: string; month: string; year: string }; error?: string } = {},
    status = 200,
  ) =>
    renderPage(
      ctx,
      createElement(PupilBirthDatePage, {
        uid,
        csrf: csrf.token(ctx),
        profileLabel: PROFILE_LABELS.eleve,
        ...props,
      }),
      status,
    );
  const locked = (ctx: Context) =>
    renderMessage(ctx, { title: 'Compte bloqué', paragraphs: [LOCKED_MESSAGE], tone: 'error' }, 403);

  router.get('/naissance', async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (!at) return;
    const notification = await pendingNotification(db, at.account.id);
    if (!notification || at.account.profile !== 'eleve')
      return interactions.continueLogin(ctx, at.interaction, at.pending);
    if (notification.locked_at) return locked(ctx);
    page(ctx, at.interaction.uid);
  });

  router.post('/naissance', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    interactions.requireCsrf(ctx);
    const at = await interactions.pendingAccount(ctx, interaction);
    if (!at) return;
    const body = ctx.request.body;
    const values = {
      day: textField(body, 'naissance_jour', 2).trim(),
      month: textField(body, 'naissance_mois', 2).trim(),
      year: textField(body, 'naissance_annee', 4).trim(),
    };
    const birthDate = readBirthDate(values.day, values.month, values.year);
    if (!birthDate)
      return page(
        ctx,
        interaction.uid,
        { values, error: 'Saisissez une date de naissance valide (jour, mois, année).' },
        400,
      );
    const result = await checkPupilBirthDate(db, audit, at.account, birthDate, ctx.ip);
    if (result.status === 'locked') return locked(ctx);
    if (result.status === 'wrong')
      return page(
        ctx,
        interaction.uid,
        {
          values,
          error: `La date de naissance ne correspond pas. Il vous reste ${result.triesLeft} essai${result.triesLeft > 1 ? 's' : ''}.`,
        },
        400,
      );
    await interactions.continueLogin(ctx, interaction, at.pending);
  });

  parentEmailRoutes(interactions, deps);
  phoneChangeRoutes(interactions);
}

/**
 * A parent's first login with a notification, after the children's binding step: « J'indique mon
 * adresse électronique », then « Confirmez votre adresse électronique » (« Renvoyer le mail ») until
 * the link is opened; only then does the login return to the service.
 */
function parentEmailRoutes(interactions: Interactions, deps: SchoolIssuedDeps): void {
  const { router, parseForm, services } = interactions;
  const { db, csrf, audit, config } = services;
  const profileLabel = PROFILE_LABELS.responsable_legal;
  interactions.addStep({
    name: 'courriel',
    async isNeeded(account: Account) {
      return account.profile === 'responsable_legal' && Boolean(await pendingNotification(db, account.id));
    },
  });

  const addressPage = (
    ctx: Context,
    uid: string,
    props: { value?: string; error?: string } = {},
    status = 200,
  ) =>
    renderPage(
      ctx,
      createElement(ParentEmailPage, { uid, csrf: csrf.token(ctx), profileLabel, ...props }),
      status,
    );
  const gatePage = (
    ctx: Context,
    uid: string,
    email: string,
    props: { notice?: string; message?: string } = {},
    status = 200,
  ) =>
    renderPage(
      ctx,
      createElement(ConfirmEmailGatePage, { uid, csrf: csrf.token(ctx), profileLabel, email, ...props }),
      status,
    );
  /** Seconds before another link may be sent (« Renvoyer le mail » has a cooldown). */
  const cooldownLeft = (pending: { createdAt: Date } | undefined) =>
    pending
      ? Math.ceil(config.emailResendCooldownSeconds - (Date.now() - pending.createdAt.getTime()) / 1000)
      : 0;
  async function sendLink(ctx: Context, account: Account, email: string) {
    await db.transaction().execute(async (trx) => {
      await requestEmailConfirmation(trx, deps.messageBox, {
        accountId: account.id,
        email,
        issuer: config.issuer,
        ttlHours: config.emailConfirmationTtlHours,
      });
      await audit.record({ event: 'school.email_link_sent', accountId: account.id, ip: ctx.ip }, trx);
    });
    deps.messageQueued();
  }

  router.get('/courriel', async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (!at) return;
    const { interaction, account } = at;
    if (account.profile !== 'responsable_legal' || !(await pendingNotification(db, account.id)))
      return interactions.continueLogin(ctx, interaction, at.pending);
    if (account.email_verified && account.email) {
      await completeNotification(db, audit, account.id, ctx.ip);
      return interactions.continueLogin(ctx, interaction, at.pending);
    }
    const pending = await pendingEmailConfirmation(db, account.id);
    if (!pending || ctx.query.modifier === '1')
      return addressPage(ctx, interaction.uid, { value: pending?.email });
    gatePage(ctx, interaction.uid, pending.email);
  });

  router.post('/courriel', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    interactions.requireCsrf(ctx);
    const at = await interactions.pendingAccount(ctx, interaction);
    if (!at) return;
    const typed = textField(ctx.request.body, 'courriel', 254).trim();
    const email = normaliseEmail(typed);
    if (!email)
      return addressPage(
        ctx,
        interaction.uid,
        { value: typed, error: 'Saisissez une adresse électronique valide, par exemple nom@exemple.fr.' },
        400,
      );
    const pending = await pendingEmailConfirmation(db, at.account.id);
    const wait = cooldownLeft(pending);
    if (wait > 0 && pending) {
      ctx.set('Retry-After', String(wait));
      return gatePage(
        ctx,
        interaction.uid,
        pending.email,
        { message: `Patientez ${wait} secondes avant de demander un nouveau lien.` },
        429,
      );
    }
    await sendLink(ctx, at.account, email);
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}/courriel`);
  });

  router.post('/courriel/renvoi', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    interactions.requireCsrf(ctx);
    const at = await interactions.pendingAccount(ctx, interaction);
    if (!at) return;
    const pending = await pendingEmailConfirmation(db, at.account.id);
    if (!pending) {
      ctx.status = 303;
      return ctx.redirect(`/interaction/${interaction.uid}/courriel`);
    }
    const wait = cooldownLeft(pending);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      return gatePage(
        ctx,
        interaction.uid,
        pending.email,
        { message: `Patientez ${wait} secondes avant de demander un nouveau lien.` },
        429,
      );
    }
    await sendLink(ctx, at.account, pending.email);
    gatePage(ctx, interaction.uid, pending.email, {
      notice: `Un nouveau lien a été envoyé à ${pending.email}.`,
    });
  });
}

const LETTER = /\p{L}/u;

/**
 * « Signaler à l'établissement que mon numéro a changé », offered beside the activation: the request
 * reaches the establishment of the child named, when the registry links them; the answer is the same
 * whether or not it does (nothing about the registry is revealed). Limited per client address.
 */
function phoneChangeRoutes(interactions: Interactions): void {
  const { router, parseForm, services } = interactions;
  const { db, csrf, audit, config, throttleSecret } = services;
  const page = (
    ctx: Context,
    uid: string,
    props: { values?: PhoneChangeValues; errors?: Record<string, string>; message?: string } = {},
    status = 200,
  ) =>
    renderPage(
      ctx,
      createElement(PhoneChangePage, {
        uid,
        csrf: csrf.token(ctx),
        profileLabel: PROFILE_LABELS.responsable_legal,
        ...props,
      }),
      status,
    );

  router.get('/numero-change', async (ctx) => {
    const interaction = await interactions.load(ctx);
    page(ctx, interaction.uid);
  });

  router.post('/numero-change', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    interactions.requireCsrf(ctx);
    const body = ctx.request.body;
    const values: PhoneChangeValues = {
      nom: textField(body, 'nom', 100).trim(),
      prenom: textField(body, 'prenom', 100).trim(),
      telephone: textField(body, 'telephone', 30).trim(),
      eleve_nom: textField(body, 'eleve_nom', 100).trim(),
      eleve_prenom: textField(body, 'eleve_prenom', 100).trim(),
      day: textField(body, 'eleve-naissance_jour', 2).trim(),
      month: textField(body, 'eleve-naissance_mois', 2).trim(),
      year: textField(body, 'eleve-naissance_annee', 4).trim(),
    };
    const errors: Record<string, string> = {};
    if (!LETTER.test(values.nom ?? '')) errors.nom = 'Saisissez votre nom.';
    if (!LETTER.test(values.prenom ?? '')) errors.prenom = 'Saisissez votre prénom.';
    const mobile = normalizePhone(values.telephone ?? '');
    if (!mobile) errors.telephone = 'Saisissez un numéro de téléphone portable valide.';
    if (!LETTER.test(values.eleve_nom ?? '')) errors.eleve_nom = "Saisissez le nom de l'élève.";
    if (!LETTER.test(values.eleve_prenom ?? '')) errors.eleve_prenom = "Saisissez le prénom de l'élève.";
    const birthDate = readBirthDate(values.day ?? '', values.month ?? '', values.year ?? '');
    if (!birthDate)
      errors['eleve-naissance-jour'] = 'Saisissez une date de naissance valide (jour, mois, année).';
    if (Object.keys(errors).length > 0)
      return page(ctx, interaction.uid, { values, errors, message: FORM_ERROR }, 400);
    const key = `phone-change:${throttleKey(throttleSecret, 'ip', clientNetwork(ctx.ip))}`;
    const hit = await takeHit(db, key, { limit: config.activationIpHourlyLimit, seconds: 3600 });
    if (!hit.taken) {
      ctx.set('Retry-After', String(hit.retryAfterSeconds));
      return page(
        ctx,
        interaction.uid,
        {
          values,
          message: 'Trop de demandes ont été envoyées depuis votre connexion internet. Réessayez plus tard.',
        },
        429,
      );
    }
    await submitPhoneChange(db, audit, {
      familyName: values.nom!,
      givenName: values.prenom!,
      mobile: mobile!,
      pupilFamilyName: values.eleve_nom!,
      pupilGivenName: values.eleve_prenom!,
      pupilBirthDate: birthDate!,
      ip: ctx.ip,
    });
    renderMessage(ctx, {
      title: 'Demande envoyée',
      paragraphs: [
        "Votre demande est transmise à l'établissement si elle correspond à un élève inscrit et à son représentant légal.",
        "L'établissement vérifiera votre demande. Une fois votre numéro mis à jour, vous pourrez activer votre compte par SMS.",
      ],
      link: {
        href: `/interaction/${interaction.uid}/login/responsable_legal`,
        label: 'Revenir à la page de connexion',
      },
      tone: 'success',
    });
  });
}
