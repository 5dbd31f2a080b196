import type { Context } from 'koa';
import type { errors, InteractionResults } from 'oidc-provider';
import type { Account } from '../../db/schema.js';
import { findAccountById } from '../../domain/accounts/accounts.js';
import type { Services } from '../../services.js';
import type { LoginStep, PendingLogin } from './steps.js';

export type Interaction = Awaited<ReturnType<Services['provider']['interactionDetails']>>;

/** Loads the interaction bound to this browser (throws SessionNotFound when expired or foreign). */
export async function loadInteraction(services: Services, ctx: Context): Promise<Interaction> {
  const interaction = await services.provider.interactionDetails(ctx.req, ctx.res);
  if (interaction.uid !== ctx.params.uid) {
    throw Object.assign(new Error('interaction mismatch'), {
      name: 'SessionNotFound',
    }) as errors.SessionNotFound;
  }
  return interaction;
}

export function pendingLogin(interaction: Interaction): PendingLogin | undefined {
  const pending = (interaction.result as { pendingLogin?: PendingLogin } | undefined)?.pendingLogin;
  return pending && typeof pending.accountId === 'string' ? pending : undefined;
}

/** Ends the interaction with `result` and sends the browser back to the provider (303). */
export async function finishInteraction(
  services: Services,
  ctx: Context,
  result: InteractionResults,
  merge = false,
): Promise<void> {
  const returnTo = await services.provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: merge,
  });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/** Sends the user to the first login step still needed, or completes the login. */
export async function continueLogin(
  services: Services,
  steps: LoginStep[],
  ctx: Context,
  interaction: Interaction,
  pending: PendingLogin,
  /** The account when the caller just read it (the login POST): saves reading it again. */
  known?: Account,
): Promise<void> {
  const account = known ?? (await findAccountById(services.db, pending.accountId));
  for (const step of account ? steps : []) {
    if (await step.isNeeded(account!)) {
      interaction.result = { ...(interaction.result ?? {}), pendingLogin: pending };
      await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
      ctx.status = 303;
      ctx.redirect(`/interaction/${interaction.uid}/${step.name}`);
      return;
    }
  }
  await finishInteraction(services, ctx, {
    login: { accountId: pending.accountId, amr: pending.amr, remember: true },
  });
}
