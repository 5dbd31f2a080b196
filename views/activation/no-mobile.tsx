import { Layout } from '../ui/layout.js';
import { FLOW_TITLE } from './step-frame.js';

/** "Je ne souhaite pas utiliser de téléphone portable": how to get credentials from the school. */
export function NoMobilePage({ profileLabel, uid }: { profileLabel: string; uid: string }) {
  return (
    <Layout title={`Activer mon compte sans téléphone portable - ${FLOW_TITLE}`} banner={profileLabel}>
      <h1>Activer mon compte sans téléphone portable</h1>
      <p>
        Sans téléphone portable, l'école ou l'établissement scolaire de votre enfant vous remet vos
        identifiants ÉduConnect.
      </p>
      <ol class="bullets">
        <li>
          Contactez le secrétariat de l'école ou de l'établissement d'un de vos enfants (par téléphone, par le
          carnet de liaison ou sur place).
        </li>
        <li>
          L'établissement vous remet une notification avec votre identifiant et un mot de passe provisoire,
          valable 3 mois.
        </li>
        <li>
          À votre première connexion, vous choisissez votre mot de passe, confirmez la date de naissance de
          vos enfants, puis indiquez une adresse électronique que vous confirmez avec le lien reçu par
          courriel.
        </li>
      </ol>
      <p>
        Si votre numéro de téléphone portable a changé, demandez aussi à l'établissement de le mettre à jour :
        vous pourrez ensuite activer votre compte vous-même par SMS.
      </p>
      <p>
        <a href={`/interaction/${uid}/numero-change`}>Signaler à l'établissement que mon numéro a changé</a>
      </p>
      <p>
        <a href={`/interaction/${uid}/login/responsable_legal`}>Revenir à la page de connexion</a>
      </p>
    </Layout>
  );
}
