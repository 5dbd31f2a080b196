import type { Context } from 'koa';
import { createElement } from 'preact';
import { AddPupilsPage } from '../../../views/pupil-binding/add-pupils.js';
import { BindingFailedPage } from '../../../views/pupil-binding/binding-failed.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import type { PupilChoice } from '../../domain/registry/registry.js';
import { FORM_ERROR } from '../../http/form.js';
import { renderPage } from '../../http/render.js';
import type { Interactions } from '../interaction/interactions.js';
import { answerPupils, bindingStep, pupilsToBind } from './binding.js';
import { type PupilAnswer, readPupilAnswers } from './pupil-answers.js';
import { PUPIL_BINDING_STATES } from './state.js';

const PROFILE_LABEL = PROFILE_LABELS.responsable_legal;

/** "Ajout d'élèves", a step of a parent's login: `/interaction/:uid/eleves`. */
export function pupilBindingRoutes(interactions: Interactions): void {
  const { router, parseForm, services } = interactions;
  const { db, csrf } = services;
  interactions.addStep(bindingStep(db));

  const renderBlocked = (ctx: Context, uid: string, blocked: PupilChoice[]) =>
    renderPage(
      ctx,
      createElement(BindingFailedPage, { profileLabel: PROFILE_LABEL, uid, csrf: csrf.token(ctx), blocked }),
      PUPIL_BINDING_STATES.blocked.status,
    );
  const renderOffered = (
    ctx: Context,
    uid: string,
    pupils: { offered: PupilChoice[]; blocked: PupilChoice[] },
    answered?: { answers: Map<string, PupilAnswer>; errors: Record<string, string> },
  ) =>
    renderPage(
      ctx,
      createElement(AddPupilsPage, {
        profileLabel: PROFILE_LABEL,
        csrf: csrf.token(ctx),
        action: `/interaction/${uid}/eleves`,
        pupils: pupils.offered,
        blocked: pupils.blocked,
        ...(answered && { ...answered, message: FORM_ERROR }),
      }),
      answered ? 400 : PUPIL_BINDING_STATES.offered.status,
    );

  router.get('/eleves', async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (!at) return;
    const pupils = await pupilsToBind(db, at.account);
    if (pupils.offered.length === 0) return interactions.continueLogin(ctx, at.interaction, at.pending);
    renderOffered(ctx, at.interaction.uid, pupils);
  });

  router.post('/eleves', parseForm, async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (!at) return;
    interactions.requireCsrf(ctx);
    const { interaction, account } = at;
    const pupils = await pupilsToBind(db, account);
    const answers = readPupilAnswers(ctx.request.body, pupils.offered);
    const outcome = await answerPupils(services, account, pupils, answers, ctx.ip);
    if (outcome.status === 'invalid')
      return renderOffered(ctx, interaction.uid, outcome, { answers, errors: outcome.errors });
    if (outcome.status === 'blocked') return renderBlocked(ctx, interaction.uid, outcome.blocked);
    await interactions.continueLogin(ctx, interaction, at.pending);
  });

  router.post('/eleves/continuer', parseForm, async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (!at) return;
    interactions.requireCsrf(ctx);
    await interactions.continueLogin(ctx, at.interaction, at.pending);
  });
}
