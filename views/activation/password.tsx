import { CsrfInput, type FieldErrors, NewPasswordFields, type PasswordRuleView } from '../ui/components.js';
import { StepFrame } from './step-frame.js';

/** Step 3: "Je choisis mon nouveau mot de passe". */
export function ActivationPasswordPage({
  profileLabel,
  uid,
  csrf,
  rules,
  errors,
  message,
}: {
  profileLabel: string;
  uid: string;
  csrf: string;
  rules: readonly PasswordRuleView[];
  errors?: FieldErrors;
  message?: string;
}) {
  return (
    <StepFrame
      profileLabel={profileLabel}
      step={3}
      heading="Je choisis mon nouveau mot de passe"
      errors={errors}
      message={message}
      scripts={['/static/password.js']}
    >
      <p>
        {/* a new window: the password typed so far stays in this one */}
        <a
          href="/aide/mot-de-passe"
          target="_blank"
          rel="noopener"
          title="Aide à la création de mot de passe sécurisé - nouvelle fenêtre"
        >
          Aide à la création de mot de passe sécurisé
        </a>
      </p>
      <form method="post" action={`/interaction/${uid}/activation/mot-de-passe`} novalidate>
        <CsrfInput token={csrf} />
        <NewPasswordFields rules={rules} errors={errors} />
        <div class="button-row">
          <button type="submit" form="activation-retour" class="button-secondary">
            Précédent
          </button>
          <button type="submit" class="button-primary">
            Suivant
          </button>
        </div>
      </form>
      {/* back to step 1 with what was typed: the code is spent, a change of number needs a new one */}
      <form method="get" action={`/interaction/${uid}/activation`} id="activation-retour" />
    </StepFrame>
  );
}
