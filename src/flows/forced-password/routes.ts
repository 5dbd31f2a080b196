import type { Context } from 'koa';
import { createElement } from 'preact';
import { ChangePasswordPage } from '../../../views/forced-password/change-password.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { checkNewPassword, PASSWORD_RULES } from '../../domain/accounts/password-policy.js';
import { textField } from '../../http/form.js';
import { renderPage } from '../../http/render.js';
import type { Interactions, PendingAccount } from '../interaction/interactions.js';
import { SAME_AS_TEMPORARY_MESSAGE } from '../school-issued/state.js';
import { forcedPasswordStep, replaceTemporaryPassword } from './forced-password.js';

/** "Je choisis mon nouveau mot de passe" after a login with a temporary password: `/password`. */
export function forcedPasswordRoutes(interactions: Interactions): void {
  const { router, parseForm, services } = interactions;
  interactions.addStep(forcedPasswordStep);

  const page = (ctx: Context, { interaction, account }: PendingAccount, errors?: Record<string, string>) =>
    createElement(ChangePasswordPage, {
      uid: interaction.uid,
      csrf: services.csrf.token(ctx),
      profileLabel: PROFILE_LABELS[account.profile],
      rules: PASSWORD_RULES,
      ...(errors && { message: 'Le formulaire contient des erreurs.', errors }),
    });

  router.get('/password', async (ctx) => {
    const at = await interactions.pendingAccount(ctx, await interactions.load(ctx));
    if (at) renderPage(ctx, page(ctx, at));
  });

  router.post('/password', parseForm, async (ctx) => {
    const interaction = await interactions.load(ctx);
    interactions.requireCsrf(ctx);
    const at = await interactions.pendingAccount(ctx, interaction);
    if (!at) return;
    const { account } = at;
    const password = textField(ctx.request.body, 'password', 200);
    const confirmation = textField(ctx.request.body, 'confirmation', 200);
    const errors = checkNewPassword(password, confirmation, [
      account.given_name,
      account.family_name,
      account.identifier,
    ]);
    // The temporary (or flagged) password itself is no new password.
    if (
      Object.keys(errors).length === 0 &&
      account.password_hash &&
      (await services.hasher.verify(account.password_hash, password))
    )
      errors.password = SAME_AS_TEMPORARY_MESSAGE;
    if (Object.keys(errors).length > 0) return renderPage(ctx, page(ctx, at, errors), 400);
    await replaceTemporaryPassword(services, account, password, ctx.ip);
    await interactions.continueLogin(ctx, at.interaction, at.pending);
  });
}
