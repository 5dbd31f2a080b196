import { Layout } from '../ui/layout.js';

/** A pupil's forgotten identifier or password: only the establishment (or a parent) can help. */
export function PupilRecoveryPage({
  profileLabel,
  flowTitle,
  loginHref,
}: {
  profileLabel: string;
  flowTitle: string;
  loginHref: string;
}) {
  return (
    <Layout title={`${flowTitle} - Élève`} banner={profileLabel}>
      <h1>{flowTitle}</h1>
      <p>
        Votre compte ÉduConnect d’élève est géré par votre établissement : adressez-vous à son secrétariat ou
        à votre professeur principal, qui peut vous redonner votre identifiant et vous remettre un nouveau mot
        de passe provisoire. Vous pouvez aussi demander à l’un de vos parents (représentants légaux) de
        contacter l’établissement pour vous.
      </p>
      <p>
        <a href={loginHref}>Revenir à la page de connexion</a>
      </p>
    </Layout>
  );
}
