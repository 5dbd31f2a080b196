import {
  CsrfInput,
  ErrorSummary,
  type FieldErrors,
  NewPasswordFields,
  type PasswordRuleView,
} from '../ui/components.js';
import { Layout } from '../ui/layout.js';

/** "Je choisis mon nouveau mot de passe" after a login with a temporary password. */
export function ChangePasswordPage({
  uid,
  csrf,
  profileLabel,
  rules,
  message,
  errors,
  action,
  intro,
}: {
  uid: string;
  csrf: string;
  /** The profile's name in the banner ("Élève"). */
  profileLabel: string;
  rules: readonly PasswordRuleView[];
  message?: string;
  errors?: FieldErrors;
  action?: string;
  intro?: string;
}) {
  return (
    <Layout
      title={message || errors ? 'Erreur - Nouveau mot de passe' : 'Nouveau mot de passe'}
      banner={profileLabel}
      scripts={['/static/password.js']}
    >
      <h1>Je choisis mon nouveau mot de passe</h1>
      <p>
        {intro ?? 'Votre mot de passe est provisoire : choisissez votre propre mot de passe pour continuer.'}
      </p>
      <ErrorSummary message={message} errors={errors} />
      <form method="post" action={action ?? `/interaction/${uid}/password`} novalidate>
        <CsrfInput token={csrf} />
        <NewPasswordFields rules={rules} errors={errors} />
        <button type="submit" class="button-primary">
          Suivant
        </button>
      </form>
    </Layout>
  );
}
