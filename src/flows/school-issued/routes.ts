import type { Context } from 'koa';
import { createElement } from 'preact';
import { PupilBirthDatePage } from '../../../views/school-issued/birth-date.js';
import type { Account } from '../../db/schema.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { checkPupilBirthDate, pendingNotification } from '../../domain/school/notifications.js';
import { textField } from '../../http/form.js';
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

/**
 * First login of a pupil with a notification, after the forced password change: « Né(e) le » against
 * the registry (5 tries, then locked until the school issues a new notification).
 */
export function schoolIssuedRoutes(interactions: Interactions): void {
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
}
