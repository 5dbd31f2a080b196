import { CsrfInput, type FieldErrors, ResendSmsForm, SecurityCodeField } from '../ui/components.js';
import { StepFrame, type StepPosition } from './step-frame.js';

export interface CodePageProps {
  profileLabel: string;
  uid: string;
  csrf: string;
  maskedPhone: string;
  ttlMinutes: number;
  errors?: FieldErrors;
  message?: string;
  notice?: string;
  /**
   * « Identifiant oublié ? » for a parent whose account already exists (the activation sends the
   * identifier instead of a code then); absent where the SMS always carries a code (FranceConnect).
   */
  forgottenIdentifierHref?: string;
  /** The flow's pages (default: the activation's); FranceConnect's first login reuses this page. */
  basePath?: string;
  position?: StepPosition;
}

/** Step 2: "Un code de sécurité a été envoyé". */
export function ActivationCodePage({
  profileLabel,
  uid,
  csrf,
  maskedPhone,
  ttlMinutes,
  errors,
  message,
  notice,
  forgottenIdentifierHref,
  basePath = `/interaction/${uid}/activation`,
  position,
}: CodePageProps) {
  return (
    <StepFrame
      profileLabel={profileLabel}
      step={2}
      {...position}
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
      <form method="post" action={`${basePath}/code`} novalidate>
        <CsrfInput token={csrf} />
        <SecurityCodeField error={errors?.code} maxLength={20} />
        <div class="button-row">
          <button type="submit" form="activation-retour" class="button-secondary">
            Précédent
          </button>
          <button type="submit" class="button-primary">
            Suivant
          </button>
        </div>
      </form>
      <form method="get" action={basePath} id="activation-retour" />
      <ResendSmsForm action={`${basePath}/renvoi`} csrf={csrf} />
      {forgottenIdentifierHref && (
        <>
          <p>
            Si un compte ÉduConnect existe déjà pour vous, le SMS ne contient pas de code de sécurité mais
            votre identifiant : connectez-vous avec cet identifiant et votre mot de passe.
          </p>
          <p>
            <a href={forgottenIdentifierHref}>Identifiant oublié ?</a>
          </p>
        </>
      )}
    </StepFrame>
  );
}
