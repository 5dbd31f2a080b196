import { MessagePage } from '../ui/message.js';

const REASONS: Record<string, string> = {
  code_attempts: 'Vous avez saisi 5 codes de sécurité erronés.',
  code_guesses: 'Trop de codes de sécurité erronés ont été saisis pour ce numéro ces dernières 24 heures.',
  birth_dates: 'Vous avez saisi 5 dates de naissance erronées.',
  already_activated:
    'Un compte ÉduConnect a déjà été activé pour ce représentant légal. Connectez-vous avec votre identifiant ; il vous a été donné lors de l’activation.',
};

/** "Activation interrompue": why (`reason`, the flow's failure reason), and the way forward. */
export function ActivationEndedPage({ uid, reason }: { uid: string; reason: string }) {
  const activated = reason === 'already_activated';
  return MessagePage({
    title: 'Activation interrompue',
    paragraphs: [
      REASONS[reason] ?? 'Cette activation est terminée ou a expiré.',
      activated
        ? 'Si vous avez oublié votre identifiant, contactez l’établissement de votre enfant.'
        : 'Pour votre sécurité, l’activation est interrompue. Vous pouvez la recommencer depuis le début.',
    ],
    link: activated
      ? { href: `/interaction/${uid}/login/responsable_legal`, label: 'Je me connecte' }
      : { href: `/interaction/${uid}/activation`, label: "Recommencer l'activation" },
    tone: 'error',
  });
}
