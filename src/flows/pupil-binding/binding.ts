import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { sql } from 'kysely';
import { createElement } from 'preact';
import { BindingFailedPage, PupilLinksPage } from '../../../views/activation/activation.js';
import type { Db } from '../../db/database.js';
import type { Account } from '../../db/schema.js';
import { findAccountById } from '../../domain/accounts/accounts.js';
import {
  recordPupilAnswers,
  representativesOfAccount,
  unansweredPupils,
} from '../../domain/registry/registry.js';
import { renderPage } from '../../http/render.js';
import { FLOW_TTL_SECONDS, recordWrongBirthDates } from '../activation/activation.js';
import { FORM_ERROR, readPupilAnswers } from '../activation/routes.js';
import type { InteractionTools } from '../interaction/routes.js';
import { continueLogin, type Interaction, loadInteraction, pendingLogin } from '../interaction/session.js';
import type { LoginStep } from '../interaction/steps.js';
import { checkPupilAnswers } from './pupil-answers.js';

/** After 5 wrong birth dates the step is not asked again for this long (the school can help meanwhile). */
const FAILED_BINDING_PAUSE_HOURS = 24;

async function recentlyFailed(db: Db, accountId: string): Promise<boolean> {
  const row = await db
    .selectFrom('registry_flows')
    .select('id')
    .where('account_id', '=', accountId)
    .where('type', '=', 'binding')
    .where('state', '=', 'failed')
    .where('updated_at', '>', sql<Date>`now() - make_interval(hours => ${FAILED_BINDING_PAUSE_HOURS})`)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

/**
 * "Ajout d'élèves": at a later login, a parent whose registry entry links pupils not yet bound nor
 * reported confirms them by birth date before returning to the service.
 */
export function bindingStep(db: Db): LoginStep {
  return {
    name: 'eleves',
    async isNeeded(account) {
      if (account.profile !== 'responsable_legal') return false;
      if ((await unansweredPupils(db, account)).length === 0) return false;
      return !(await recentlyFailed(db, account.id));
    },
  };
}

/** The binding flow of this login (created at the first wrong birth date: it counts the failures). */
async function bindingFlow(db: Db, interaction: Interaction, account: Account): Promise<string> {
  const existing = await db
    .selectFrom('registry_flows')
    .select('id')
    .where('interaction_uid', '=', interaction.uid)
    .where('type', '=', 'binding')
    .where('account_id', '=', account.id)
    .executeTakeFirst();
  if (existing) return existing.id;
  const id = randomUUID();
  await db
    .insertInto('registry_flows')
    .values({
      id,
      type: 'binding',
      interaction_uid: interaction.uid,
      state: 'pending',
      expires_at: sql`now() + make_interval(secs => ${FLOW_TTL_SECONDS})`,
      account_id: account.id,
    })
    .execute();
  return id;
}

export function bindingRoutes(router: Router, tools: InteractionTools): void {
  const { services, parseForm, requireCsrf, steps } = tools;
  const { db, csrf } = services;

  async function load(ctx: Context) {
    const interaction = await loadInteraction(services, ctx);
    const pending = pendingLogin(interaction);
    const account = pending && (await findAccountById(db, pending.accountId));
    if (!pending || !account) {
      ctx.redirect(`/interaction/${interaction.uid}`);
      return undefined;
    }
    return { interaction, pending, account };
  }

  function renderFailed(ctx: Context, uid: string) {
    renderPage(ctx, createElement(BindingFailedPage, { uid, csrf: csrf.token(ctx) }), 403);
  }

  router.get('/eleves', async (ctx) => {
    const at = await load(ctx);
    if (!at) return;
    if (await recentlyFailed(db, at.account.id)) return renderFailed(ctx, at.interaction.uid);
    const pupils = await unansweredPupils(db, at.account);
    if (pupils.length === 0) return continueLogin(services, steps, ctx, at.interaction, at.pending);
    renderPage(
      ctx,
      createElement(PupilLinksPage, {
        csrf: csrf.token(ctx),
        action: `/interaction/${at.interaction.uid}/eleves`,
        pupils,
        mode: 'binding',
      }),
    );
  });

  router.post('/eleves', parseForm, async (ctx) => {
    const at = await load(ctx);
    if (!at) return;
    requireCsrf(ctx);
    const { interaction, account } = at;
    if (await recentlyFailed(db, account.id)) return renderFailed(ctx, interaction.uid);
    const pupils = await unansweredPupils(db, account);
    const answers = readPupilAnswers(ctx.request.body, pupils);
    const check = checkPupilAnswers(pupils, answers, false);
    if (check.wrongDates > 0) {
      const flowId = await bindingFlow(db, interaction, account);
      if (await recordWrongBirthDates({ db, audit: services.audit }, flowId, check.wrongDates, ctx.ip))
        return renderFailed(ctx, interaction.uid);
    }
    if (Object.keys(check.errors).length > 0)
      return renderPage(
        ctx,
        createElement(PupilLinksPage, {
          csrf: csrf.token(ctx),
          action: `/interaction/${interaction.uid}/eleves`,
          pupils,
          answers,
          errors: check.errors,
          message: FORM_ERROR,
          mode: 'binding',
        }),
        400,
      );
    const representativeIds = await representativesOfAccount(db, account);
    await db.transaction().execute(async (trx) => {
      await recordPupilAnswers(trx, account.id, representativeIds, check.confirmed, check.reported);
      await services.audit.record(
        {
          event: 'pupils.bound',
          accountId: account.id,
          ip: ctx.ip,
          detail: { pupils: check.confirmed.map((p) => p.registryId), reports: check.reported.length },
        },
        trx,
      );
      for (const pupil of check.reported)
        await services.audit.record(
          {
            event: 'pupil.link_reported',
            accountId: account.id,
            ip: ctx.ip,
            detail: {
              pupilId: pupil.id,
              pupilRegistryId: pupil.registryId,
              representativeId: pupil.representativeId,
            },
          },
          trx,
        );
    });
    await continueLogin(services, steps, ctx, interaction, at.pending);
  });

  router.post('/eleves/continuer', parseForm, async (ctx) => {
    const at = await load(ctx);
    if (!at) return;
    requireCsrf(ctx);
    await continueLogin(services, steps, ctx, at.interaction, at.pending);
  });
}
