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
      <form method="post" action={`/interaction/${uid}/activation/mot-de-passe`} novalidate>
        <CsrfInput token={csrf} />
        <NewPasswordFields rules={rules} errors={errors} />
        <button type="submit" class="button-primary">
          Suivant
        </button>
      </form>
    </StepFrame>
  );
}
