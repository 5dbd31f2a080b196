import type { ComponentChildren } from 'preact';
import { CsrfInput, ErrorSummary, type FieldErrors, TextField } from '../ui/components.js';

/** The demo ATEN directory's frame: another site than ÉduConnect, the académie's legacy portal. */
function DirectoryLayout({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <html lang="fr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} - Portail ATEN de l'académie`}</title>
        <link rel="stylesheet" href="/static/styles.css" />
      </head>
      <body>
        <a class="skip-link" href="#contenu">
          Aller au contenu
        </a>
        <header class="site-header">
          <div class="container">
            <p class="brand">
              Portail ATEN
              <span class="brand-tagline">Authentification académique (annuaire de démonstration)</span>
            </p>
          </div>
        </header>
        <main id="contenu" class="container" tabIndex={-1}>
          {children}
        </main>
        <footer class="site-footer">
          <div class="container">
            <p>
              Annuaire ATEN de démonstration : les comptes ATEN ne servent qu'à créer un compte ÉduConnect.
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}

/** « Sur la page de connexion Aten, saisissez les identifiants habituels, puis « VALIDER » » (seed 001). */
export function DirectoryLoginPage({
  csrf,
  service,
  login,
  message,
  errors,
}: {
  csrf: string;
  service: string;
  login?: string;
  message?: string;
  errors?: FieldErrors;
}) {
  return (
    <DirectoryLayout title={message || errors ? 'Erreur - Connexion' : 'Connexion'}>
      <h1>Connexion avec votre compte ATEN</h1>
      <ErrorSummary message={message} errors={errors} />
      <form method="post" action="/login" novalidate>
        <CsrfInput token={csrf} />
        <input type="hidden" name="service" value={service} />
        <TextField
          name="identifiant"
          label="Identifiant ATEN"
          value={login}
          autocomplete="username"
          error={errors?.identifiant}
          maxLength={64}
        />
        <div class={`field${errors?.mot_de_passe ? ' field-error' : ''}`}>
          <label for="mot_de_passe">Mot de passe ATEN</label>
          {errors?.mot_de_passe && (
            <p class="error-text" id="mot_de_passe-erreur">
              {errors.mot_de_passe}
            </p>
          )}
          <input
            id="mot_de_passe"
            name="mot_de_passe"
            type="password"
            autoComplete="current-password"
            maxLength={128}
            required
            aria-invalid={errors?.mot_de_passe ? 'true' : undefined}
            aria-describedby={errors?.mot_de_passe ? 'mot_de_passe-erreur' : undefined}
          />
        </div>
        <button type="submit" class="button-primary">
          VALIDER
        </button>
      </form>
    </DirectoryLayout>
  );
}

/** The directory refuses to send a ticket to a service it does not know. */
export function DirectoryMessagePage({ title, text }: { title: string; text: string }) {
  return (
    <DirectoryLayout title={title}>
      <div class="notice notice-error">
        <h1>{title}</h1>
        <p>{text}</p>
      </div>
    </DirectoryLayout>
  );
}
