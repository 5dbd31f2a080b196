import { MessagePage } from '../ui/message.js';

const ENDED: Record<string, string> = {
  code_attempts: 'Vous avez saisi 5 codes de sécurité erronés.',
  code_guesses: 'Trop de codes de sécurité erronés ont été saisis pour ce numéro ces dernières 24 heures.',
  birth_dates: 'Vous avez saisi 5 dates de naissance erronées.',
  already_linked: 'Cette identité FranceConnect est déjà reliée à un autre compte ÉduConnect.',
};

/** The first login with FranceConnect was interrupted: why, and the way back to the login page. */
export function LinkingEndedPage({ uid, reason }: { uid: string; reason: string }) {
  return MessagePage({
    title: 'Première connexion interrompue',
    paragraphs: [
      ENDED[reason] ?? 'Cette première connexion avec FranceConnect est terminée ou a expiré.',
      'Pour votre sécurité, la connexion est interrompue. Vous pouvez recommencer depuis la page de connexion.',
    ],
    link: { href: `/interaction/${uid}/login/responsable_legal`, label: 'Revenir à la page de connexion' },
    tone: 'error',
  });
}

/**
 * A return from FranceConnect we refuse (cancelled, error, a replayed or forged answer): one page,
 * with the way back to the login page when the login is known, else to the service.
 */
export function FranceConnectErrorPage({ uid, cancelled }: { uid?: string; cancelled: boolean }) {
  return MessagePage({
    title: cancelled ? 'Connexion avec FranceConnect annulée' : 'Connexion avec FranceConnect impossible',
    paragraphs: [
      cancelled
        ? 'Vous avez annulé la connexion avec FranceConnect.'
        : "La connexion avec FranceConnect n'a pas abouti : la réponse de FranceConnect n'a pas pu être vérifiée ou a déjà été utilisée.",
      uid
        ? 'Vous pouvez recommencer, ou vous connecter avec vos identifiants Education nationale.'
        : 'Retournez sur le site du service et recommencez la connexion.',
    ],
    link: uid
      ? { href: `/interaction/${uid}/login/responsable_legal`, label: 'Revenir à la page de connexion' }
      : undefined,
    tone: 'error',
  });
}
