import type { ComponentChildren } from 'preact';

export interface LayoutProps {
  title: string;
  /** Profile banner shown above the page title ("Représentant légal"). */
  banner?: string;
  children: ComponentChildren;
  scripts?: string[];
  /** Wider main column, for the school console's tables. */
  wide?: boolean;
}

/** The page frame: skip link, header, main landmark, footer. Styles and scripts are same-origin files (CSP). */
export function Layout({ title, banner, children, scripts = [], wide = false }: LayoutProps) {
  return (
    <html lang="fr">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} - ÉduConnect`}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        {scripts.map((src) => (
          <script key={src} src={src} defer />
        ))}
      </head>
      <body>
        <a class="skip-link" href="#contenu">
          Aller au contenu
        </a>
        <header class="site-header">
          <div class="container">
            <p class="brand">
              ÉduConnect
              <span class="brand-tagline">
                Un compte unique pour les services numériques des écoles et des établissements
              </span>
            </p>
          </div>
        </header>
        <main id="contenu" class={wide ? 'container container-wide' : 'container'} tabIndex={-1}>
          {banner && <p class="profile-banner">{banner}</p>}
          {children}
        </main>
        <footer class="site-footer">
          <div class="container">
            <p>Service d'authentification des écoles et établissements scolaires</p>
            <p>
              <a href="/aide">Page d'aide ÉduConnect</a>
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
