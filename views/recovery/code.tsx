import { CsrfInput, type FieldErrors, ResendSmsForm, SecurityCodeField } from '../ui/components.js';
import { RecoveryFrame } from './frame.js';

export interface RecoveryCodePageProps {
  profileLabel: string;
  flowTitle: string;
  csrf: string;
  /** The flow's base path: the code posts to `${base}/code`, « Renvoyer le SMS » to `${base}/renvoi`. */
  base: string;
  maskedPhone: string;
  ttlMinutes: number;
  errors?: FieldErrors;
  message?: string;
  notice?: string;
}

/** « Un code de sécurité a été envoyé »: the same page whether or not an account matched. */
export function RecoveryCodePage({
  profileLabel,
  flowTitle,
  csrf,
  base,
  maskedPhone,
  ttlMinutes,
  errors,
  message,
  notice,
}: RecoveryCodePageProps) {
  return (
    <RecoveryFrame
      profileLabel={profileLabel}
      flowTitle={flowTitle}
      heading="Un code de sécurité a été envoyé"
      errors={errors}
      message={message}
    >
      {notice && (
        <p class="notice notice-success" role="status">
          {notice}
        </p>
      )}
      <p>
        Nous venons de vous envoyer un code de sécurité (valable {ttlMinutes} min) au{' '}
        <strong>{maskedPhone}</strong>
      </p>
      <p class="hint">
        Le code n’est envoyé que si les informations saisies correspondent à un compte ÉduConnect et à son
        numéro de téléphone portable.
      </p>
      <form method="post" action={`${base}/code`} novalidate>
        <CsrfInput token={csrf} />
        <SecurityCodeField error={errors?.code} maxLength={6} pattern="[0-9]{6}" />
        <div class="button-row">
          <button type="submit" form="recuperation-retour" class="button-secondary">
            Précédent
          </button>
          <button type="submit" class="button-primary">
            Suivant
          </button>
        </div>
      </form>
      <form method="get" action={base} id="recuperation-retour" />
      <ResendSmsForm action={`${base}/renvoi`} csrf={csrf} />
    </RecoveryFrame>
  );
}
