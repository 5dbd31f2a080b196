import type { ComponentChildren } from 'preact';
import { CsrfInput } from '../ui/components.js';

/** The local FranceConnect's frame: another site than ÉduConnect, same accessibility rules. */
function FcLayout({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <html lang="fr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} - FranceConnect (démonstration)`}</title>
        <link rel="stylesheet" href="/static/styles.css" />
      </head>
      <body>
        <a class="skip-link" href="#contenu">
          Aller au contenu
        </a>
        <header class="site-header">
          <div class="container">
            <p class="brand">
              FranceConnect
              <span class="brand-tagline">Service de démonstration : aucune donnée réelle</span>
            </p>
          </div>
        </header>
        <main id="contenu" class="container" tabIndex={-1}>
          {children}
        </main>
      </body>
    </html>
  );
}

export interface ChoicePageProps {
  uid: string;
  csrf: string;
  clientName: string;
  providers: { id: string; name: string }[];
  identities: { id: string; label: string }[];
  error?: string;
}

/** « Je choisis un compte pour me connecter sur : <service> », with « Se souvenir de mon choix ». */
export function FcChoicePage({ uid, csrf, clientName, providers, identities, error }: ChoicePageProps) {
  return (
    <FcLayout title={error ? 'Erreur - Choix du compte' : 'Choix du compte'}>
      <h1>
        Je choisis un compte pour me connecter sur : <strong>{clientName}</strong>
      </h1>
      {error && (
        <div class="alert alert-error" role="alert">
          <p class="alert-title">{error}</p>
        </div>
      )}
      <form method="post" action={`/interaction/${uid}/choix`}>
        <CsrfInput token={csrf} />
        <fieldset>
          <legend>Compte</legend>
          {providers.map((provider, i) => (
            <div class="radio" key={provider.id}>
              <input
                type="radio"
                id={`fournisseur-${provider.id}`}
                name="fournisseur"
                value={provider.id}
                checked={i === 0}
              />
              <label for={`fournisseur-${provider.id}`}>{provider.name}</label>
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>Identité de démonstration</legend>
          {identities.map((identity, i) => (
            <div class="radio" key={identity.id}>
              <input
                type="radio"
                id={`identite-${identity.id}`}
                name="identite"
                value={identity.id}
                checked={i === 0}
              />
              <label for={`identite-${identity.id}`}>{identity.label}</label>
            </div>
          ))}
        </fieldset>
        <div class="checkbox">
          <input type="checkbox" id="souvenir" name="souvenir" value="oui" />
          <label for="souvenir">Se souvenir de mon choix</label>
        </div>
        <div class="button-row">
          <button type="submit" class="button-primary">
            Se connecter
          </button>
        </div>
      </form>
      <form method="post" action={`/interaction/${uid}/abandon`}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-link">
          Revenir sur {clientName}
        </button>
      </form>
    </FcLayout>
  );
}

export interface WelcomePageProps {
  uid: string;
  csrf: string;
  clientName: string;
  identityId: string;
  name: string;
  /** The data the service asked for, by French label. */
  data: string[];
}

/** « Bienvenue … », « Ce n'est pas vous ? », « Continuer sur <service> ». */
export function FcWelcomePage({ uid, csrf, clientName, identityId, name, data }: WelcomePageProps) {
  return (
    <FcLayout title="Bienvenue">
      <h1>
        Bienvenue <span class="fc-name">{name}</span>
      </h1>
      <p>
        <a href={`/interaction/${uid}/autre`}>Ce n'est pas vous ?</a>
      </p>
      <form method="post" action={`/interaction/${uid}/continuer`}>
        <CsrfInput token={csrf} />
        <input type="hidden" name="identite" value={identityId} />
        <button type="submit" class="button-primary">
          Continuer sur {clientName}
        </button>
      </form>
      <p>À la demande du service auquel vous souhaitez accéder, certaines données vont être transmises.</p>
      <details>
        <summary>Voir le détail des données</summary>
        <ul>
          {data.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
      </details>
    </FcLayout>
  );
}

/** FranceConnect's logout: the provider's form, sent at once by a same-origin script (a button without JS). */
export function FcLogoutPage({ formHtml }: { formHtml: string }) {
  return (
    <html lang="fr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Déconnexion - FranceConnect (démonstration)</title>
        <link rel="stylesheet" href="/static/styles.css" />
        <script src="/static/fc-logout.js" defer />
      </head>
      <body>
        <main id="contenu" class="container">
          <h1>Déconnexion de FranceConnect</h1>
          <div dangerouslySetInnerHTML={{ __html: formHtml }} />
          <button type="submit" form="op.logoutForm" class="button-primary">
            Continuer
          </button>
        </main>
      </body>
    </html>
  );
}

/** An error of the local FranceConnect (its own, or the provider's). */
export function FcErrorPage({ message }: { message: string }) {
  return (
    <FcLayout title="Erreur">
      <h1>Une erreur est survenue</h1>
      <p>{message}</p>
    </FcLayout>
  );
}
