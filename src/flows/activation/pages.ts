import type { Context } from 'koa';
import { createElement } from 'preact';
import { ActivationCodePage, type CodePageProps } from '../../../views/activation/code.js';
import { ActivationDonePage } from '../../../views/activation/done.js';
import { ActivationEndedPage } from '../../../views/activation/ended.js';
import { ActivationIdentityPage, type IdentityPageProps } from '../../../views/activation/identity.js';
import { NoMobilePage } from '../../../views/activation/no-mobile.js';
import { ActivationPasswordPage } from '../../../views/activation/password.js';
import { ActivationPupilsPage } from '../../../views/activation/pupils.js';
import type { PupilLinksFormProps } from '../../../views/pupil-binding/pupil-fieldsets.js';
import type { RegistryFlow } from '../../db/schema.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { PASSWORD_RULES } from '../../domain/accounts/password-policy.js';
import { maskPhone } from '../../domain/registry/phone.js';
import type { Csrf } from '../../http/csrf.js';
import { renderPage } from '../../http/render.js';
import { recoveryPath } from '../recovery/state.js';

type Errors = { errors?: Record<string, string>; message?: string };

export const activationPath = (uid: string) => `/interaction/${uid}/activation`;

/** The pages of the activation, with what every one of them carries (banner, CSRF token). */
export class ActivationPages {
  private readonly profileLabel = PROFILE_LABELS.responsable_legal;

  constructor(
    private readonly csrf: Csrf,
    private readonly codeTtlSeconds: number,
  ) {}

  identity(ctx: Context, uid: string, props: Partial<IdentityPageProps> = {}, status = 200): void {
    const page = { profileLabel: this.profileLabel, uid, csrf: this.csrf.token(ctx), ...props };
    renderPage(ctx, createElement(ActivationIdentityPage, page), status);
  }

  noMobile(ctx: Context, uid: string): void {
    renderPage(ctx, createElement(NoMobilePage, { profileLabel: this.profileLabel, uid }));
  }

  code(
    ctx: Context,
    uid: string,
    flow: RegistryFlow,
    props: Pick<CodePageProps, 'errors' | 'message' | 'notice'>,
    status = 200,
  ): void {
    const page = {
      profileLabel: this.profileLabel,
      uid,
      csrf: this.csrf.token(ctx),
      maskedPhone: maskPhone(flow.mobile ?? ''),
      ttlMinutes: Math.round(this.codeTtlSeconds / 60),
      forgottenIdentifierHref: recoveryPath(uid, 'identifier'),
      ...props,
    };
    renderPage(ctx, createElement(ActivationCodePage, page), status);
  }

  password(ctx: Context, uid: string, props: Errors = {}, status = 200): void {
    const page = { profileLabel: this.profileLabel, uid, csrf: this.csrf.token(ctx), rules: PASSWORD_RULES };
    renderPage(ctx, createElement(ActivationPasswordPage, { ...page, ...props }), status);
  }

  pupils(
    ctx: Context,
    uid: string,
    props: Pick<PupilLinksFormProps, 'pupils' | 'answers'> & Errors & { noneConfirmed?: boolean },
    status = 200,
  ): void {
    const page = {
      profileLabel: this.profileLabel,
      csrf: this.csrf.token(ctx),
      action: `${activationPath(uid)}/eleves`,
    };
    renderPage(ctx, createElement(ActivationPupilsPage, { ...page, ...props }), status);
  }

  done(ctx: Context, uid: string, identifier: string): void {
    const page = { profileLabel: this.profileLabel, uid, csrf: this.csrf.token(ctx), identifier };
    renderPage(ctx, createElement(ActivationDonePage, page));
  }

  /** "Activation interrompue": why, and the way forward (log in, or start again). */
  ended(ctx: Context, uid: string, reason: string): void {
    renderPage(
      ctx,
      createElement(ActivationEndedPage, {
        uid,
        reason,
        forgottenIdentifierHref: recoveryPath(uid, 'identifier'),
      }),
      reason === 'already_activated' ? 409 : 403,
    );
  }
}
