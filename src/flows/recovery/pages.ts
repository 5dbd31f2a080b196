import type { Context } from 'koa';
import { createElement } from 'preact';
import { RecoveryCodePage, type RecoveryCodePageProps } from '../../../views/recovery/code.js';
import {
  EmailSentPage,
  NewPasswordPage,
  PasswordChangedPage,
  RecoveredIdentifierPage,
} from '../../../views/recovery/done.js';
import { RecoveryEndedPage } from '../../../views/recovery/ended.js';
import { PupilRecoveryPage } from '../../../views/recovery/pupil.js';
import { RecoveryRequestPage, type RecoveryRequestPageProps } from '../../../views/recovery/request.js';
import type { OutboxChannel, RecoveryFlow, RecoveryKind } from '../../db/schema.js';
import { PROFILE_LABELS } from '../../domain/accounts/accounts.js';
import { PASSWORD_RULES } from '../../domain/accounts/password-policy.js';
import { maskPhone } from '../../domain/registry/phone.js';
import type { Csrf } from '../../http/csrf.js';
import { renderMessage, renderPage } from '../../http/render.js';
import { recoveryPath } from './state.js';

type Errors = { errors?: Record<string, string>; message?: string };

export const RECOVERY_TITLES: Record<RecoveryKind, string> = {
  identifier: 'Identifiant oublié',
  password: 'Mot de passe oublié',
};

/** The parents' login page, with the identifier filled in when there is one to give. */
export function parentLoginPath(uid: string, identifier?: string): string {
  const base = `/interaction/${uid}/login/responsable_legal`;
  return identifier ? `${base}?identifiant=${encodeURIComponent(identifier)}` : base;
}

/** The pages of both recoveries, with what every one of them carries (banner, title, CSRF token). */
export class RecoveryPages {
  private readonly profileLabel = PROFILE_LABELS.responsable_legal;

  constructor(
    private readonly csrf: Csrf,
    private readonly codeTtlSeconds: number,
  ) {}

  request(
    ctx: Context,
    uid: string,
    kind: RecoveryKind,
    channel: OutboxChannel,
    props: Pick<RecoveryRequestPageProps, 'values' | 'errors' | 'message'> = {},
    status = 200,
  ): void {
    const sms = recoveryPath(uid, kind);
    const email = `${sms}/courriel`;
    const page: RecoveryRequestPageProps = {
      profileLabel: this.profileLabel,
      flowTitle: RECOVERY_TITLES[kind],
      csrf: this.csrf.token(ctx),
      channel,
      action: channel === 'sms' ? sms : email,
      otherChannelHref: channel === 'sms' ? email : sms,
      loginHref: parentLoginPath(uid),
      asks: kind === 'identifier' ? 'identity' : 'identifier',
      ...props,
    };
    renderPage(ctx, createElement(RecoveryRequestPage, page), status);
  }

  code(
    ctx: Context,
    uid: string,
    flow: RecoveryFlow,
    props: Pick<RecoveryCodePageProps, 'errors' | 'message' | 'notice'>,
    status = 200,
  ): void {
    const page: RecoveryCodePageProps = {
      profileLabel: this.profileLabel,
      flowTitle: RECOVERY_TITLES[flow.kind],
      csrf: this.csrf.token(ctx),
      base: recoveryPath(uid, flow.kind),
      maskedPhone: maskPhone(flow.recipient),
      ttlMinutes: Math.round(this.codeTtlSeconds / 60),
      ...props,
    };
    renderPage(ctx, createElement(RecoveryCodePage, page), status);
  }

  identifier(ctx: Context, uid: string, identifier: string): void {
    const page = {
      profileLabel: this.profileLabel,
      flowTitle: RECOVERY_TITLES.identifier,
      identifier,
      loginHref: parentLoginPath(uid, identifier),
    };
    renderPage(ctx, createElement(RecoveredIdentifierPage, page));
  }

  /** « Je change mon mot de passe », after the SMS code, or from the email link (`link`). */
  newPassword(
    ctx: Context,
    uid: string,
    props: Errors = {},
    status = 200,
    link?: { flowId: string; token: string },
  ): void {
    const base = recoveryPath(uid, 'password');
    const page = {
      profileLabel: this.profileLabel,
      flowTitle: RECOVERY_TITLES.password,
      csrf: this.csrf.token(ctx),
      action: link ? `${base}/lien` : `${base}/nouveau`,
      hidden: link ? { flux: link.flowId, jeton: link.token } : undefined,
      rules: PASSWORD_RULES,
      ...props,
    };
    renderPage(ctx, createElement(NewPasswordPage, page), status);
  }

  /** `toService`: the browser holds the interaction and may go straight on to the service. */
  passwordChanged(ctx: Context, uid: string, identifier: string, toService = true): void {
    const page = {
      profileLabel: this.profileLabel,
      flowTitle: RECOVERY_TITLES.password,
      csrf: this.csrf.token(ctx),
      identifier,
      servicesAction: toService ? `${recoveryPath(uid, 'password')}/acces` : undefined,
      loginHref: parentLoginPath(uid, identifier),
    };
    renderPage(ctx, createElement(PasswordChangedPage, page));
  }

  emailSent(ctx: Context, uid: string, flow: RecoveryFlow): void {
    const page = {
      profileLabel: this.profileLabel,
      flowTitle: RECOVERY_TITLES[flow.kind],
      maskedEmail: maskEmail(flow.recipient),
      sends: flow.kind === 'identifier' ? ('identifier' as const) : ('link' as const),
      restartHref: `${recoveryPath(uid, flow.kind)}/courriel`,
    };
    renderPage(ctx, createElement(EmailSentPage, page));
  }

  /** A used, expired or unknown email link. */
  linkInvalid(ctx: Context, uid: string): void {
    renderMessage(
      ctx,
      {
        title: 'Ce lien n’est plus valable',
        paragraphs: [
          'Ce lien pour changer votre mot de passe a déjà servi, a expiré (il est valable 30 minutes) ou est incomplet.',
          'Faites une nouvelle demande depuis la page de connexion, avec « Mot de passe oublié ? ».',
        ],
        link: { href: parentLoginPath(uid), label: 'Revenir à la page de connexion' },
        tone: 'error',
      },
      410,
    );
  }

  ended(ctx: Context, uid: string, kind: RecoveryKind, reason: string): void {
    const page = { flowTitle: RECOVERY_TITLES[kind], reason, restartHref: recoveryPath(uid, kind) };
    renderPage(ctx, createElement(RecoveryEndedPage, page), 403);
  }

  pupil(ctx: Context, uid: string, kind: RecoveryKind): void {
    const page = {
      profileLabel: PROFILE_LABELS.eleve,
      flowTitle: RECOVERY_TITLES[kind],
      loginHref: `/interaction/${uid}/login/eleve`,
    };
    renderPage(ctx, createElement(PupilRecoveryPage, page));
  }
}

/** `c•••@example.fr`: enough to recognise one's address, not enough to learn it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}
