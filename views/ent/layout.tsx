import type { ComponentChildren } from 'preact';

export interface EntHeaderUser {
  name: string;
  profile: string;
  /** Shown when the user has several establishments. */
  canSwitchEstablishment: boolean;
  csrf: string;
  /** The header's subtitle, from the kinds of establishment listed for this person. */
  tagline?: string;
  /** « Mon compte ÉduConnect »: the identity provider's account portal. */
  accountUrl?: string;
}

export interface EntLayoutProps {
  title: string;
  user?: EntHeaderUser;
  children: ComponentChildren;
}

/** The demo ENT's frame: its own look (another site than ÉduConnect), same accessibility rules. */
export function EntLayout({ title, user, children }: EntLayoutProps) {
  return (
    <html lang="fr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} - ENT de démonstration`}</title>
        <link rel="stylesheet" href="/static/ent.css" />
      </head>
      <body>
        <a class="skip-link" href="#contenu">
          Aller au contenu
        </a>
        <header class="ent-header">
          <div class="ent-bar">
            <p class="ent-brand">
              <a href="/">ENT de démonstration</a>
              <span class="ent-tagline">{user?.tagline ?? "Écoles, collèges et lycées de l'académie"}</span>
            </p>
            {user && (
              <nav class="ent-nav" aria-label="Mon espace">
                <p class="ent-who">
                  {user.name}
                  <span class="ent-profile">{user.profile}</span>
                </p>
                <ul>
                  {user.accountUrl && (
                    <li>
                      <a href={user.accountUrl}>Mon compte ÉduConnect</a>
                    </li>
                  )}
                  {user.canSwitchEstablishment && (
                    <li>
                      <a href="/etablissements">Changer d'établissement</a>
                    </li>
                  )}
                  <li>
                    <form method="post" action="/deconnexion">
                      <input type="hidden" name="_csrf" value={user.csrf} />
                      <button type="submit" class="ent-link-button">
                        Se déconnecter
                      </button>
                    </form>
                  </li>
                </ul>
              </nav>
            )}
          </div>
        </header>
        <main id="contenu" class="ent-main" tabIndex={-1}>
          {children}
        </main>
        <footer class="ent-footer">
          <p>
            ENT de démonstration livré avec le fournisseur d'identité : l'intégration de référence
            d'ÉduConnect.
          </p>
        </footer>
      </body>
    </html>
  );
}
