import { CsrfInput } from '../ui/components.js';
import { Layout } from '../ui/layout.js';
import { pupilList } from './blocked-pupils.js';
import type { PupilOption } from './pupil-fieldsets.js';

/** After 5 wrong birth dates for pupils still to bind: nothing more is asked online, the login goes on. */
export function BindingFailedPage({
  profileLabel,
  uid,
  csrf,
  blocked,
}: {
  profileLabel: string;
  uid: string;
  csrf: string;
  blocked: PupilOption[];
}) {
  const several = blocked.length > 1;
  return (
    <Layout title="Ajout d'élèves interrompu" banner={profileLabel}>
      <div class="notice notice-error">
        <h1>Ajout d'élèves interrompu</h1>
        <p>
          Vous avez saisi 5 dates de naissance erronées pour {pupilList(blocked)}. Pour votre sécurité,{' '}
          {several ? 'ces élèves ne peuvent' : 'cet élève ne peut'} plus être{' '}
          {several ? 'rattachés' : 'rattaché'} à votre compte en ligne.
        </p>
        <p>
          Pour {several ? 'les' : 'le'} rattacher, contactez{' '}
          {several ? 'leur établissement' : 'son établissement'} : l'établissement vérifiera avec vous les
          informations de la base élèves.
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
