import { CancelForm } from '../interaction/cancel-form.js';
import { Layout } from '../ui/layout.js';

/** "Je sélectionne mon profil": the first page of a login. */
export function ProfileChoicePage({
  uid,
  csrf,
  clientName,
}: {
  uid: string;
  csrf: string;
  /** Absent on the EduConnect portal itself (« Mon compte »), which is no service. */
  clientName?: string;
}) {
  return (
    <Layout title="Sélection du profil">
      <p class="lead">Le compte ÉduConnect peut donner accès :</p>
      <ul class="bullets">
        <li>aux démarches en ligne, comme la fiche de renseignements, la demande de bourse, etc ;</li>
        <li>à l'espace numérique de travail (ENT) ;</li>
        <li>au livret scolaire.</li>
      </ul>
      {clientName && (
        <p class="client-note">
          Vous vous connectez au service : <strong>{clientName}</strong>
        </p>
      )}
      <h1>Je sélectionne mon profil</h1>
      <ul class="profile-choice">
        <li>
          <a class="profile-tile" href={`/interaction/${uid}/login/responsable_legal`}>
            Représentant légal
          </a>
        </li>
        <li>
          <a class="profile-tile" href={`/interaction/${uid}/login/eleve`}>
            Élève
          </a>
        </li>
      </ul>
      <CancelForm uid={uid} csrf={csrf} />
    </Layout>
  );
}
