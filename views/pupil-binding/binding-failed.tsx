import { CsrfInput } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

/** "Ajout d'élèves" after 5 wrong birth dates: nothing is bound, the login goes on. */
export function BindingFailedPage({
  profileLabel,
  uid,
  csrf,
}: {
  profileLabel: string;
  uid: string;
  csrf: string;
}) {
  return (
    <Layout title="Ajout d'élèves interrompu" banner={profileLabel}>
      <div class="notice notice-error">
        <h1>Ajout d'élèves interrompu</h1>
        <p>
          Vous avez saisi 5 dates de naissance erronées : ces élèves ne sont pas rattachés à votre compte.
        </p>
        <p>
          Vérifiez les dates de naissance auprès de l'établissement. Vous pourrez réessayer lors d'une
          prochaine connexion.
        </p>
      </div>
      <form method="post" action={`/interaction/${uid}/eleves/continuer`}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-primary">
          Continuer vers le service
        </button>
      </form>
    </Layout>
  );
}
