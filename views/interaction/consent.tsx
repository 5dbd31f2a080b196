import { CsrfInput } from '../ui/components.js';
import { Layout } from '../ui/layout.js';
import { CancelForm } from './cancel-form.js';

/** Consent of a service that is not first-party: what it will receive. */
export function ConsentPage({
  uid,
  csrf,
  clientName,
  items,
}: {
  uid: string;
  csrf: string;
  clientName: string;
  items: string[];
}) {
  return (
    <Layout title="Autorisation">
      <h1>Autorisez-vous la transmission de vos données ?</h1>
      <p>
        Le service <strong>{clientName}</strong> demande à recevoir les informations suivantes :
      </p>
      <ul class="bullets">
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
      <form method="post" action={`/interaction/${uid}/consent`}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-primary">
          J'autorise
        </button>
      </form>
      <CancelForm uid={uid} csrf={csrf} />
    </Layout>
  );
}
