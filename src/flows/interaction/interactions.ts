import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { errors, InteractionResults } from 'oidc-provider';
import type { Account } from '../../db/schema.js';
import { findAccountById } from '../../domain/accounts/accounts.js';
import { formParser } from '../../http/form.js';
import type { Services } from '../services.js';
import type { LoginStep, PendingLogin } from './steps.js';

export type Interaction = Awaited<ReturnType<Services['provider']['interactionDetails']>>;

export function pendingLogin(interaction: Interaction): PendingLogin | undefined {
  const pending = (interaction.result as { pendingLogin?: PendingLogin } | undefined)?.pendingLogin;
  return pending && typeof pending.accountId === 'string' ? pending : undefined;
}

/** A login whose password was checked, with steps left before returning to the service. */
export interface PendingAccount {
  interaction: Interaction;
  pending: PendingLogin;
  account: Account;
}

/**
 * What happens between `/auth` and the return to the service. Every page of it lives under
 * `/interaction/:uid` on one router that the flows add their routes to; a login is finished once
 * every step the flows registered (forced password change, binding new pupils...) is done.
 */
export class Interactions {
  readonly router = new Router({ prefix: '/interaction/:uid' });
  /** The body parser of the forms posted to interaction pages. */
  readonly parseForm: Middleware = formParser('32kb');
  private readonly steps: LoginStep[] = [];

  constructor(readonly services: Services) {
    this.router.use(async (ctx, next) => {
      ctx.set('Cache-Control', 'no-store');
      await next();
    });
  }

  /** A step run after the password check; steps run in the order they were added. */
  addStep(step: LoginStep): void {
    this.steps.push(step);
  }

  /** Throws CsrfError unless the posted form carries this browser's token. */
  requireCsrf(ctx: Context): void {
    this.services.csrf.checkForm(ctx);
  }

  /** The interaction bound to this browser (throws SessionNotFound when expired or foreign). */
  async load(ctx: Context): Promise<Interaction> {
    const interaction = await this.services.provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== ctx.params.uid) {
      throw Object.assign(new Error('interaction mismatch'), {
        name: 'SessionNotFound',
      }) as errors.SessionNotFound;
    }
    return interaction;
  }

  /** The account of the interaction's pending login; without one, back to the profile choice. */
  async pendingAccount(ctx: Context, interaction: Interaction): Promise<PendingAccount | undefined> {
    const pending = pendingLogin(interaction);
    const account = pending && (await findAccountById(this.services.db, pending.accountId));
    if (!pending || !account) {
      ctx.redirect(`/interaction/${interaction.uid}`);
      return undefined;
    }
    return { interaction, pending, account };
  }

  /** Ends the interaction with `result` and sends the browser back to the provider (303). */
  async finish(ctx: Context, result: InteractionResults, merge = false): Promise<void> {
    const returnTo = await this.services.provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: merge,
    });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  /** Sends the user to the first login step still needed, or completes the login. */
  async continueLogin(
    ctx: Context,
    interaction: Interaction,
    pending: PendingLogin,
    /** The account when the caller just read it (the login POST): saves reading it again. */
    known?: Account,
  ): Promise<void> {
    const account = known ?? (await findAccountById(this.services.db, pending.accountId));
    for (const step of account ? this.steps : []) {
      if (await step.isNeeded(account!)) {
        interaction.result = { ...(interaction.result ?? {}), pendingLogin: pending };
        await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
        ctx.status = 303;
        ctx.redirect(`/interaction/${interaction.uid}/${step.name}`);
        return;
      }
    }
    await this.finish(ctx, {
      login: { accountId: pending.accountId, amr: pending.amr, remember: true },
    });
  }
}
