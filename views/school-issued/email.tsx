import { CsrfInput, ErrorSummary, TextField } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

/** A parent's first login with a notification: the email address to confirm before the account is active. */
export function ParentEmailPage({
  uid,
  csrf,
  profileLabel,
  value,
  error,
}: {
  uid: string;
  csrf: string;
  profileLabel: string;
  value?: string;
  error?: string;
}) {
  return (
    <Layout
      title={error ? 'Erreur - Mon adresse électronique' : 'Mon adresse électronique'}
      banner={profileLabel}
    >
      <h1>J'indique mon adresse électronique</h1>
      <p>
        Pour activer votre compte, indiquez votre adresse électronique : vous recevrez un lien pour la
        confirmer. Elle vous permettra aussi de récupérer votre compte en cas d'oubli.
      </p>
      <ErrorSummary
        message={error ? 'Le formulaire contient des erreurs.' : undefined}
        errors={error ? { courriel: error } : undefined}
      />
      <form method="post" action={`/interaction/${uid}/courriel`} novalidate>
        <CsrfInput token={csrf} />
        <TextField
          name="courriel"
          label="Adresse électronique"
          type="email"
          inputMode="email"
          autocomplete="email"
          hint="Par exemple : nom@exemple.fr"
          value={value}
          error={error}
          maxLength={254}
        />
        <button type="submit" class="button-primary">
          Recevoir le lien de confirmation
        </button>
      </form>
    </Layout>
  );
}

/** « Confirmez votre adresse électronique »: until the link is opened, no service receives the identity. */
export function ConfirmEmailGatePage({
  uid,
  csrf,
  profileLabel,
  email,
  notice,
  message,
}: {
  uid: string;
  csrf: string;
  profileLabel: string;
  email: string;
  notice?: string;
  message?: string;
}) {
  return (
    <Layout title="Confirmez votre adresse électronique" banner={profileLabel}>
      <h1>Confirmez votre adresse électronique</h1>
      <ErrorSummary message={message} />
      {notice && (
        <p class="notice notice-success" role="status">
          {notice}
        </p>
      )}
      <p>
        Un courriel a été envoyé à <strong>{email}</strong>. Ouvrez le lien qu'il contient pour confirmer
        votre adresse : votre compte sera alors activé.
      </p>
      <p>Une fois l'adresse confirmée, revenez sur cette page et cliquez sur « Continuer ».</p>
      <form method="get" action={`/interaction/${uid}/courriel`}>
        <button type="submit" class="button-primary">
          Continuer
        </button>
      </form>
      <form method="post" action={`/interaction/${uid}/courriel/renvoi`}>
        <CsrfInput token={csrf} />
        <p>Je n'ai pas reçu le courriel</p>
        <button type="submit" class="button-link">
          Renvoyer le mail
        </button>
      </form>
      <p>
        <a href={`/interaction/${uid}/courriel?modifier=1`}>Modifier mon adresse électronique</a>
      </p>
    </Layout>
  );
}
