import { CsrfInput, ErrorSummary, type FieldErrors, PasswordInput, TextField } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

export const CONSOLE_BANNER = 'Console établissement';

/** « Connexion à la console de l'établissement »: identifier and password (step 1 of 2). */
export function StaffSignInPage({
  csrf,
  identifier,
  message,
  errors,
}: {
  csrf: string;
  identifier?: string;
  message?: string;
  errors?: FieldErrors;
}) {
  return (
    <Layout
      title={message || errors ? 'Erreur - Connexion à la console' : 'Connexion à la console'}
      banner={CONSOLE_BANNER}
      scripts={['/static/password.js']}
    >
      <h1>Connexion à la console de l'établissement</h1>
      <p>Réservée aux personnels de l'établissement. Étape 1 sur 2 : identifiant et mot de passe.</p>
      <ErrorSummary message={message} errors={errors} />
      <form method="post" action="/etablissement/connexion" novalidate>
        <CsrfInput token={csrf} />
        <TextField
          name="identifier"
          label="Identifiant"
          value={identifier}
          autocomplete="username"
          error={errors?.identifier}
          maxLength={64}
        />
        <PasswordInput
          name="password"
          label="Mot de passe"
          autocomplete="current-password"
          error={errors?.password}
        />
        <button type="submit" class="button-primary">
          Se connecter
        </button>
      </form>
    </Layout>
  );
}

/** Step 2 of 2: the 6-digit code of the authenticator application. */
export function StaffSecondFactorPage({
  csrf,
  message,
  errors,
}: {
  csrf: string;
  message?: string;
  errors?: FieldErrors;
}) {
  return (
    <Layout
      title={message || errors ? 'Erreur - Code de vérification' : 'Code de vérification'}
      banner={CONSOLE_BANNER}
    >
      <h1>Code de vérification</h1>
      <p>Étape 2 sur 2 : saisissez le code à 6 chiffres affiché par votre application d'authentification.</p>
      <ErrorSummary message={message} errors={errors} />
      <form method="post" action="/etablissement/verification" novalidate>
        <CsrfInput token={csrf} />
        <TextField
          name="code"
          label="Code de vérification"
          hint="6 chiffres, renouvelés toutes les 30 secondes."
          inputMode="numeric"
          autocomplete="one-time-code"
          error={errors?.code}
          maxLength={6}
          pattern="[0-9]{6}"
        />
        <button type="submit" class="button-primary">
          Valider
        </button>
      </form>
    </Layout>
  );
}
