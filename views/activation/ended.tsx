import { Layout } from '../ui/layout.js';
import { MessagePage } from '../ui/message.js';

const REASONS: Record<string, string> = {
  code_attempts: 'Vous avez saisi 5 codes de sécurité erronés.',
  code_guesses: 'Trop de codes de sécurité erronés ont été saisis pour ce numéro ces dernières 24 heures.',
  birth_dates: 'Vous avez saisi 5 dates de naissance erronées.',
  already_activated:
    'Un compte ÉduConnect a déjà été activé pour ce représentant légal. Connectez-vous avec votre identifiant ; il vous a été donné lors de l’activation.',
};

/**
 * "Activation interrompue": why (`reason`, the flow's failure reason), and the way forward. An
 * account that already exists leads to the login, and to « Identifiant oublié » when the identifier
 * is lost (`forgottenIdentifierHref`).
 */
export function ActivationEndedPage({
  uid,
  reason,
  forgottenIdentifierHref,
}: {
  uid: string;
  reason: string;
  forgottenIdentifierHref: string;
}) {
  if (reason === 'already_activated')
    return (
      <Layout title="Activation interrompue">
        <div class="notice notice-error">
          <h1>Activation interrompue</h1>
          <p>{REASONS.already_activated}</p>
          <p>Si vous avez oublié votre identifiant, vous pouvez le recevoir par SMS.</p>
        </div>
        <p>
          <a class="button-primary" href={`/interaction/${uid}/login/responsable_legal`}>
            Je me connecte
          </a>
        </p>
        <p>
          <a href={forgottenIdentifierHref}>Identifiant oublié ?</a>
        </p>
      </Layout>
    );
  return MessagePage({
    title: 'Activation interrompue',
    paragraphs: [
      REASONS[reason] ?? 'Cette activation est terminée ou a expiré.',
      'Pour votre sécurité, l’activation est interrompue. Vous pouvez la recommencer depuis le début.',
    ],
    link: { href: `/interaction/${uid}/activation`, label: "Recommencer l'activation" },
    tone: 'error',
  });
}
