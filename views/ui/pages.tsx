import { Layout } from './layout.js';

export interface MessagePageProps {
  title: string;
  heading?: string;
  paragraphs: string[];
  link?: { href: string; label: string };
  tone?: 'error' | 'info' | 'success';
}

/** A plain page with a heading, a few paragraphs and at most one way forward. */
export function MessagePage({ title, heading, paragraphs, link, tone = 'info' }: MessagePageProps) {
  return (
    <Layout title={title}>
      <div class={`notice notice-${tone}`}>
        <h1>{heading ?? title}</h1>
        {paragraphs.map((p) => (
          <p key={p}>{p}</p>
        ))}
      </div>
      {link && (
        <p>
          <a class="button-primary" href={link.href}>
            {link.label}
          </a>
        </p>
      )}
    </Layout>
  );
}

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
