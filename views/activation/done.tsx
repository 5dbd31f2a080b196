import { CsrfInput } from '../ui/components.js';
import { Layout } from '../ui/layout.js';
import { FLOW_TITLE } from './step-frame.js';

/** Step 5: "Votre compte a été activé avec succès". */
export function ActivationDonePage({
  profileLabel,
  uid,
  csrf,
  identifier,
}: {
  profileLabel: string;
  uid: string;
  csrf: string;
  identifier: string;
}) {
  return (
    <Layout title={`Votre compte a été activé avec succès - ${FLOW_TITLE}`} banner={profileLabel}>
      <p class="lead">{FLOW_TITLE}</p>
      <p class="hint">Étape 5 sur 5</p>
      <div class="notice notice-success">
        <h1>Votre compte a été activé avec succès</h1>
        <p>Notez votre identifiant ÉduConnect. Vous en aurez besoin pour votre prochaine connexion.</p>
        <p>Votre identifiant</p>
        <p class="identifier">{identifier}</p>
        <p>
          Vous pourrez modifier votre mot de passe, votre adresse mail et votre numéro de téléphone dans votre
          compte ÉduConnect.
        </p>
      </div>
      <form method="post" action={`/interaction/${uid}/activation/acces`}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-primary">
          Accéder à mes services
        </button>
      </form>
    </Layout>
  );
}
