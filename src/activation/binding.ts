import type Router from '@koa/router';
import type { Context } from 'koa';
import { createElement } from 'preact';
import { BindingFailedPage, PupilLinksPage } from '../../views/activation.js';
import { findAccountById } from '../accounts/accounts.js';
import type { Db } from '../db/database.js';
import type { Account } from '../db/schema.js';
import { renderPage } from '../http/render.js';
import { continueLogin, loadInteraction, pendingLogin } from '../interaction/interaction-session.js';
import type { LoginStep } from '../interaction/login-steps.js';
import type { InteractionTools } from '../interaction/routes.js';
import {
  type PupilChoice,
  recordPupilAnswers,
  representativesOfAccount,
  unansweredPupils,
} from '../registry/registry.js';
import { bindingFailures, recordBindingFailures } from './binding-failures.js';
import { checkPupilAnswers, MAX_BIRTH_DATE_FAILURES } from './pupil-answers.js';
import { FORM_ERROR, readPupilAnswers } from './routes.js';

/**
 * The pupils still to answer, split: those offered for binding, and those blocked after 5 wrong
 * birth dates (for this account, across logins) that only the establishment can bind now.
 */
async function pupilsToBind(db: Db, account: Account) {
  const unanswered = await unansweredPupils(db, account);
  const failures = await bindingFailures(
    db,
    account.id,
    unanswered.map((p) => p.id),
  );
  const isBlocked = (p: PupilChoice) => failures.get(p.id)?.blocked === true;
  return {
    offered: unanswered.filter((p) => !isBlocked(p)),
    blocked: unanswered.filter(isBlocked),
    failures,
  };
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
      return (await pupilsToBind(db, account)).offered.length > 0;
    },
  };
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

  router.get('/eleves', async (ctx) => {
    const at = await load(ctx);
    if (!at) return;
    const { offered, blocked } = await pupilsToBind(db, at.account);
    if (offered.length === 0) return continueLogin(services, steps, ctx, at.interaction, at.pending);
    renderPage(
      ctx,
      createElement(PupilLinksPage, {
        csrf: csrf.token(ctx),
        action: `/interaction/${at.interaction.uid}/eleves`,
        pupils: offered,
        blocked,
        mode: 'binding',
      }),
    );
  });

  router.post('/eleves', parseForm, async (ctx) => {
    const at = await load(ctx);
    if (!at) return;
    requireCsrf(ctx);
    const { interaction, account } = at;
    const { offered, blocked, failures } = await pupilsToBind(db, account);
    const answers = readPupilAnswers(ctx.request.body, offered);
    const check = checkPupilAnswers(offered, answers, false);
    if (check.wrongPupils.length > 0) {
      const counted = await db.transaction().execute(async (trx) => {
        const rows = await recordBindingFailures(
          trx,
          account.id,
          check.wrongPupils.map((p) => p.id),
        );
        for (const row of rows.filter((r) => r.failures === MAX_BIRTH_DATE_FAILURES)) {
          const pupil = offered.find((p) => p.id === row.pupilId)!;
          await services.audit.record(
            {
              event: 'pupil.binding_blocked',
              accountId: account.id,
              ip: ctx.ip,
              detail: { pupilId: pupil.id, pupilRegistryId: pupil.registryId, failures: row.failures },
            },
            trx,
          );
        }
        return rows;
      });
      for (const row of counted) failures.set(row.pupilId, row);
    }
    const nowBlocked = offered.filter((p) => failures.get(p.id)?.blocked);
    const stillOffered = offered.filter((p) => !failures.get(p.id)?.blocked);
    const allBlocked = [...blocked, ...nowBlocked];
    // Errors on pupils just blocked are replaced by the notice that names them.
    const errors: Record<string, string> = {};
    for (const pupil of stillOffered) {
      for (const field of [`lien-${pupil.id}`, `naissance-${pupil.id}-jour`]) {
        const message = check.errors[field];
        if (!message) continue;
        const left = MAX_BIRTH_DATE_FAILURES - (failures.get(pupil.id)?.failures ?? 0);
        errors[field] = check.wrongPupils.includes(pupil)
          ? `${message} Il vous reste ${left} essai${left > 1 ? 's' : ''} pour cet élève.`
          : message;
      }
    }
    if (Object.keys(errors).length > 0)
      return renderPage(
        ctx,
        createElement(PupilLinksPage, {
          csrf: csrf.token(ctx),
          action: `/interaction/${interaction.uid}/eleves`,
          pupils: stillOffered,
          blocked: allBlocked,
          answers,
          errors,
          message: FORM_ERROR,
          mode: 'binding',
        }),
        400,
      );
    const representativeIds = await representativesOfAccount(db, account);
    const answered = check.confirmed.length + check.reported.length > 0;
    if (answered)
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
    // Pupils just blocked: the parent is told whom the school must bind, then goes on to the service.
    if (nowBlocked.length > 0)
      return renderPage(
        ctx,
        createElement(BindingFailedPage, {
          uid: interaction.uid,
          csrf: csrf.token(ctx),
          blocked: allBlocked,
        }),
        403,
      );
    await continueLogin(services, steps, ctx, interaction, at.pending);
  });

  router.post('/eleves/continuer', parseForm, async (ctx) => {
    const at = await load(ctx);
    if (!at) return;
    requireCsrf(ctx);
    await continueLogin(services, steps, ctx, at.interaction, at.pending);
  });
}
