import type { Context } from 'koa';
import { createElement } from 'preact';
import { AddPupilsPage } from '../../../views/pupil-binding/add-pupils.js';
import { BindingFailedPage } from '../../../views/pupil-binding/binding-failed.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { type PupilChoice, unansweredPupils } from '../../domain/registry/registry.js';
import { FORM_ERROR } from '../../http/form.js';
import { renderPage } from '../../http/render.js';
import type { Interactions } from '../interaction/interactions.js';
import { answerPupils, bindingStep } from './binding.js';
import { type PupilAnswer, readPupilAnswers } from './pupil-answers.js';
import { BINDING_STATES } from './state.js';
import { bindingState } from './store.js';

const PROFILE_LABEL = PROFILE_LABELS.responsable_legal;

/** "Ajout d'élèves", a step of a parent's login: `/interaction/:uid/eleves`. */
export function pupilBindingRoutes(interactions: Interactions): void {
  const { router, parseForm, services } = interactions;
  const { db, csrf } = services;
  interactions.addStep(bindingStep(db));

  const renderFailed = (ctx: Context, uid: string) =>
    renderPage(
      ctx,
      createElement(BindingFailedPage, { profileLabel: PROFILE_LABEL, uid, csrf: csrf.token(ctx) }),
      BINDING_STATES.failed.status,
    );
  const renderPupils = (
    ctx: Context,
    uid: string,
    pupils: PupilChoice[],
    answered?: { answers: Map<string, PupilAnswer>; errors: Record<string, string> },
  ) =>
    renderPage(
      ctx,
      createElement(AddPupilsPage, {
        profileLabel: PROFILE_LABEL,
        csrf: csrf.token(ctx),
        action: `/interaction/${uid}/eleves`,
        pupils,
        ...(answered && { ...answered, message: FORM_ERROR }),
      }),
      answered ? 400 : BINDING_STATES.pending.status,
    );

  router.get('/eleves', async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (!at) return;
    const { interaction, account } = at;
    if ((await bindingState(db, account.id)) === 'failed') return renderFailed(ctx, interaction.uid);
    const pupils = await unansweredPupils(db, account);
    if (pupils.length === 0) return interactions.continueLogin(ctx, interaction, at.pending);
    renderPupils(ctx, interaction.uid, pupils);
  });

  router.post('/eleves', parseForm, async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (!at) return;
    interactions.requireCsrf(ctx);
    const { interaction, account } = at;
    if ((await bindingState(db, account.id)) === 'failed') return renderFailed(ctx, interaction.uid);
    const pupils = await unansweredPupils(db, account);
    const answers = readPupilAnswers(ctx.request.body, pupils);
    const outcome = await answerPupils(services, interaction.uid, account, pupils, answers, ctx.ip);
    if (outcome.status === 'failed') return renderFailed(ctx, interaction.uid);
    if (outcome.status === 'invalid')
      return renderPupils(ctx, interaction.uid, pupils, { answers, errors: outcome.check.errors });
    await interactions.continueLogin(ctx, interaction, at.pending);
  });

  router.post('/eleves/continuer', parseForm, async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (!at) return;
    interactions.requireCsrf(ctx);
    await interactions.continueLogin(ctx, at.interaction, at.pending);
  });
}
