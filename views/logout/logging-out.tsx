import { Layout } from '../ui/layout.js';

/**
 * A first-party service's logout with a valid ID token: the person already clicked « Se déconnecter »
 * there, so the provider's form is sent at once (logout.js); without JavaScript, one button.
 */
export function LoggingOutPage({ formHtml }: { formHtml: string }) {
  return (
    <Layout title="Déconnexion" scripts={['/static/logout.js']}>
      <h1>Déconnexion en cours</h1>
      {/* the provider's own hidden form (its xsrf field), built without user input */}
      <div dangerouslySetInnerHTML={{ __html: formHtml }} />
      <input type="hidden" name="logout" value="yes" form="op.logoutForm" />
      <noscript>
        <button type="submit" form="op.logoutForm" name="logout" value="yes" class="button-primary">
          Se déconnecter
        </button>
      </noscript>
    </Layout>
  );
}
