import type Router from '@koa/router';
import type { Context } from 'koa';
import { createElement } from 'preact';
import {
  ActivationCodePage,
  ActivationDonePage,
  ActivationIdentityPage,
  ActivationPasswordPage,
  NoMobilePage,
  PupilLinksPage,
} from '../../../views/activation/activation.js';
import type { RegistryFlow } from '../../db/schema.js';
import { checkPassword } from '../../domain/accounts/password-policy.js';
import { maskPhone, normalizePhone } from '../../domain/registry/phone.js';
import type { PupilChoice } from '../../domain/registry/registry.js';
import { textField } from '../../http/form.js';
import { renderMessage, renderPage } from '../../http/render.js';
import type { InteractionTools } from '../interaction/routes.js';
import { continueLogin, loadInteraction } from '../interaction/session.js';
import { checkPupilAnswers, type PupilAnswer } from '../pupil-binding/pupil-answers.js';
import {
  type ActivationDeps,
  choosePassword,
  completeActivation,
  currentFlow,
  pupilsOfFlow,
  recordWrongBirthDates,
  resendCode,
  startActivation,
  verifyCode,
} from './activation.js';

export const FORM_ERROR = 'Le formulaire contient des erreurs.';
export const CAPPED_MESSAGE =
  'Trop de codes de sécurité ont été demandés pour ce numéro. Réessayez dans une heure.';
const LETTER = /\p{L}/u;

/** Reads the radios and birth dates of the pupil fieldsets. */
export function readPupilAnswers(body: unknown, pupils: PupilChoice[]): Map<string, PupilAnswer> {
  const answers = new Map<string, PupilAnswer>();
  for (const pupil of pupils) {
    const link = textField(body, `lien_${pupil.id}`, 3);
    answers.set(pupil.id, {
      link: link === 'oui' || link === 'non' ? link : '',
      day: textField(body, `naissance-${pupil.id}_jour`, 2).trim(),
      month: textField(body, `naissance-${pupil.id}_mois`, 2).trim(),
      year: textField(body, `naissance-${pupil.id}_annee`, 4).trim(),
    });
  }
  return answers;
}

const STEP_PATHS: Partial<Record<RegistryFlow['state'], string>> = {
  code_sent: 'code',
  code_verified: 'mot-de-passe',
  password_chosen: 'eleves',
  completed: 'terminee',
};

const ENDED_REASONS: Record<string, string> = {
  code_attempts: 'Vous avez saisi 5 codes de sécurité erronés.',
  birth_dates: 'Vous avez saisi 5 dates de naissance erronées.',
  already_activated:
    'Un compte ÉduConnect a déjà été activé pour ce représentant légal. Connectez-vous avec votre identifiant ; il vous a été donné lors de l’activation.',
};

/** The parent activation flow, steps 1 to 5, under /interaction/:uid/activation. */
export function activationRoutes(router: Router, tools: InteractionTools, deps: ActivationDeps): void {
  const { services, parseForm, requireCsrf } = tools;
  const { db, csrf, hasher } = services;
  const base = (uid: string) => `/interaction/${uid}/activation`;
  const ttlMinutes = Math.round(deps.config.smsCodeTtlSeconds / 60);

  function renderEnded(ctx: Context, uid: string, flow: RegistryFlow | undefined) {
    const reason = flow?.failure_reason ?? '';
    renderMessage(
      ctx,
      {
        title: 'Activation interrompue',
        paragraphs: [
          ENDED_REASONS[reason] ?? 'Cette activation est terminée ou a expiré.',
          reason === 'already_activated'
            ? 'Si vous avez oublié votre identifiant, contactez l’établissement de votre enfant.'
            : 'Pour votre sécurité, l’activation est interrompue. Vous pouvez la recommencer depuis le début.',
        ],
        link:
          reason === 'already_activated'
            ? { href: `/interaction/${uid}/login/responsable_legal`, label: 'Je me connecte' }
            : { href: base(uid), label: "Recommencer l'activation" },
        tone: 'error',
      },
      reason === 'already_activated' ? 409 : 403,
    );
  }

  /** Loads the interaction and its current flow; sends the browser to the flow's step when `state` differs. */
  async function flowAt(ctx: Context, states: RegistryFlow['state'][]) {
    const interaction = await loadInteraction(services, ctx);
    const flow = await currentFlow(db, interaction.uid, 'activation');
    if (flow && states.includes(flow.state)) return { interaction, flow };
    if (!flow) ctx.redirect(base(interaction.uid));
    else if (flow.state === 'failed') renderEnded(ctx, interaction.uid, flow);
    else ctx.redirect(`${base(interaction.uid)}/${STEP_PATHS[flow.state]}`);
    return undefined;
  }

  const identityPage = (
    ctx: Context,
    uid: string,
    props: Partial<Parameters<typeof ActivationIdentityPage>[0]>,
    status = 200,
  ) =>
    renderPage(ctx, createElement(ActivationIdentityPage, { uid, csrf: csrf.token(ctx), ...props }), status);

  router.get('/activation', async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    identityPage(ctx, interaction.uid, {});
  });

  router.get('/activation/sans-portable', async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    renderPage(ctx, createElement(NoMobilePage, { uid: interaction.uid }));
  });

  router.post('/activation/identite', parseForm, async (ctx) => {
    const interaction = await loadInteraction(services, ctx);
    requireCsrf(ctx);
    const body = ctx.request.body;
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
    if (Object.keys(errors).length > 0 || !mobile)
      return identityPage(ctx, interaction.uid, { values, errors, message: FORM_ERROR }, 400);
    const started = await startActivation(deps, interaction.uid, { familyName, givenName, mobile }, ctx.ip);
    if (started.status === 'capped') {
      ctx.set('Retry-After', '3600');
      return identityPage(ctx, interaction.uid, { values, message: CAPPED_MESSAGE }, 429);
    }
    ctx.status = 303;
    ctx.redirect(`${base(interaction.uid)}/code`);
  });

  const codePage = (
    ctx: Context,
    uid: string,
    flow: RegistryFlow,
    props: { errors?: Record<string, string>; message?: string; notice?: string },
    status = 200,
  ) =>
    renderPage(
      ctx,
      createElement(ActivationCodePage, {
        uid,
        csrf: csrf.token(ctx),
        maskedPhone: maskPhone(flow.mobile ?? ''),
        ttlMinutes,
        ...props,
      }),
      status,
    );

  router.get('/activation/code', async (ctx) => {
    const at = await flowAt(ctx, ['code_sent']);
    if (!at) return;
    const notice = ctx.query.renvoye === '1' ? 'Un nouveau code de sécurité vous a été envoyé.' : undefined;
    codePage(ctx, at.interaction.uid, at.flow, { notice });
  });

  router.post('/activation/code', parseForm, async (ctx) => {
    const at = await flowAt(ctx, ['code_sent']);
    if (!at) return;
    requireCsrf(ctx);
    const { interaction, flow } = at;
    const code = textField(ctx.request.body, 'code', 20).replace(/\s/g, '');
    if (!code)
      return codePage(
        ctx,
        interaction.uid,
        flow,
        { message: FORM_ERROR, errors: { code: 'Saisissez le code de sécurité reçu par SMS.' } },
        400,
      );
    const result = await verifyCode(deps, flow, code, ctx.ip);
    switch (result.status) {
      case 'verified':
        ctx.status = 303;
        return ctx.redirect(`${base(interaction.uid)}/mot-de-passe`);
      case 'wrong':
        return codePage(
          ctx,
          interaction.uid,
          flow,
          {
            message: FORM_ERROR,
            errors: {
              code: `Le code de sécurité est incorrect. Il vous reste ${result.remaining} essai${result.remaining > 1 ? 's' : ''}.`,
            },
          },
          400,
        );
      case 'expired':
        return codePage(
          ctx,
          interaction.uid,
          flow,
          {
            message: FORM_ERROR,
            errors: {
              code: 'Le code de sécurité a expiré. Cliquez sur « Renvoyer le SMS » pour en recevoir un nouveau.',
            },
          },
          400,
        );
      default:
        return renderEnded(ctx, interaction.uid, { ...flow, failure_reason: 'code_attempts' });
    }
  });

  router.post('/activation/renvoi', parseForm, async (ctx) => {
    const at = await flowAt(ctx, ['code_sent']);
    if (!at) return;
    requireCsrf(ctx);
    const { interaction, flow } = at;
    const result = await resendCode(deps, flow);
    if (result.status === 'sent') {
      ctx.status = 303;
      return ctx.redirect(`${base(interaction.uid)}/code?renvoye=1`);
    }
    if (result.status === 'cooldown') {
      ctx.set('Retry-After', String(result.seconds));
      return codePage(
        ctx,
        interaction.uid,
        flow,
        {
          message: `Vous pourrez demander un nouveau SMS dans ${result.seconds} seconde${result.seconds > 1 ? 's' : ''}.`,
        },
        429,
      );
    }
    if (result.status === 'capped') {
      ctx.set('Retry-After', '3600');
      return codePage(ctx, interaction.uid, flow, { message: CAPPED_MESSAGE }, 429);
    }
    ctx.redirect(`${base(interaction.uid)}/code`);
  });

  router.get('/activation/mot-de-passe', async (ctx) => {
    const at = await flowAt(ctx, ['code_verified']);
    if (!at) return;
    renderPage(
      ctx,
      createElement(ActivationPasswordPage, { uid: at.interaction.uid, csrf: csrf.token(ctx) }),
    );
  });

  router.post('/activation/mot-de-passe', parseForm, async (ctx) => {
    const at = await flowAt(ctx, ['code_verified']);
    if (!at) return;
    requireCsrf(ctx);
    const { interaction, flow } = at;
    const password = textField(ctx.request.body, 'password', 200);
    const confirmation = textField(ctx.request.body, 'confirmation', 200);
    const errors: Record<string, string> = {};
    const check = checkPassword(password, [flow.given_name ?? '', flow.family_name ?? '']);
    if (!check.ok) errors.password = check.message!;
    else if (password !== confirmation)
      errors.confirmation = 'Les deux mots de passe ne sont pas identiques.';
    if (Object.keys(errors).length > 0)
      return renderPage(
        ctx,
        createElement(ActivationPasswordPage, {
          uid: interaction.uid,
          csrf: csrf.token(ctx),
          errors,
          message: FORM_ERROR,
        }),
        400,
      );
    await choosePassword(deps, flow, await hasher.hash(password));
    ctx.status = 303;
    ctx.redirect(`${base(interaction.uid)}/eleves`);
  });

  router.get('/activation/eleves', async (ctx) => {
    const at = await flowAt(ctx, ['password_chosen']);
    if (!at) return;
    const pupils = await pupilsOfFlow(db, at.flow);
    renderPage(
      ctx,
      createElement(PupilLinksPage, {
        csrf: csrf.token(ctx),
        action: `${base(at.interaction.uid)}/eleves`,
        pupils,
        mode: 'activation',
      }),
    );
  });

  router.post('/activation/eleves', parseForm, async (ctx) => {
    const at = await flowAt(ctx, ['password_chosen']);
    if (!at) return;
    requireCsrf(ctx);
    const { interaction, flow } = at;
    const pupils = await pupilsOfFlow(db, flow);
    const answers = readPupilAnswers(ctx.request.body, pupils);
    const check = checkPupilAnswers(pupils, answers, true);
    if (await recordWrongBirthDates(deps, flow.id, check.wrongDates, ctx.ip))
      return renderEnded(ctx, interaction.uid, { ...flow, failure_reason: 'birth_dates' });
    if (Object.keys(check.errors).length > 0)
      return renderPage(
        ctx,
        createElement(PupilLinksPage, {
          csrf: csrf.token(ctx),
          action: `${base(interaction.uid)}/eleves`,
          pupils,
          answers,
          errors: check.errors,
          message: FORM_ERROR,
          mode: 'activation',
        }),
        400,
      );
    const result = await completeActivation(deps, flow.id, check.confirmed, check.reported, ctx.ip);
    if (result.status === 'already_activated')
      return renderEnded(ctx, interaction.uid, { ...flow, failure_reason: 'already_activated' });
    ctx.status = 303;
    ctx.redirect(`${base(interaction.uid)}/terminee`);
  });

  router.get('/activation/terminee', async (ctx) => {
    const at = await flowAt(ctx, ['completed']);
    if (!at) return;
    const account = await db
      .selectFrom('accounts')
      .select('identifier')
      .where('id', '=', at.flow.account_id!)
      .executeTakeFirstOrThrow();
    renderPage(
      ctx,
      createElement(ActivationDonePage, {
        uid: at.interaction.uid,
        csrf: csrf.token(ctx),
        identifier: account.identifier,
      }),
    );
  });

  router.post('/activation/acces', parseForm, async (ctx) => {
    const at = await flowAt(ctx, ['completed']);
    if (!at) return;
    requireCsrf(ctx);
    const accountId = at.flow.account_id!;
    await services.audit.record({
      event: 'login.success',
      accountId,
      clientId: at.interaction.params.client_id as string,
      ip: ctx.ip,
      detail: { profile: 'responsable_legal', method: 'activation' },
    });
    await continueLogin(services, tools.steps, ctx, at.interaction, { accountId, amr: ['sms', 'pwd'] });
  });
}
