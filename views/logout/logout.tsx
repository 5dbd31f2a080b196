import { Layout } from '../ui/layout.js';

/** RP-initiated logout confirmation; `formHtml` is the provider's hidden form (it carries its own xsrf). */
export function LogoutPage({ formHtml, clientName }: { formHtml: string; clientName?: string }) {
  return (
    <Layout title="Déconnexion">
      <h1>Souhaitez-vous vous déconnecter d'ÉduConnect ?</h1>
      {clientName && <p>Vous quittez le service {clientName}.</p>}
      <p>
        Vous serez déconnecté de tous les services auxquels vous accédez avec ÉduConnect sur cet appareil.
      </p>
      {/* the provider's own hidden form (its xsrf field), built without user input */}
      <div dangerouslySetInnerHTML={{ __html: formHtml }} />
      <div class="button-row">
        <button type="submit" form="op.logoutForm" name="logout" value="yes" class="button-primary">
          Se déconnecter
        </button>
        <button type="submit" form="op.logoutForm" class="button-secondary">
          Me déconnecter uniquement de ce service
        </button>
      </div>
    </Layout>
  );
}
