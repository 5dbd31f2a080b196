import { MessagePage } from '../ui/message.js';

const REASONS: Record<string, string> = {
  code_attempts: 'Vous avez saisi 5 codes de sécurité erronés.',
  code_guesses: 'Trop de codes de sécurité erronés ont été saisis pour ce numéro ces dernières 24 heures.',
};

/** The recovery ended (`reason`: the flow's failure reason): why, and « Recommencer ». */
export function RecoveryEndedPage({
  flowTitle,
  reason,
  restartHref,
}: {
  flowTitle: string;
  reason: string;
  restartHref: string;
}) {
  return MessagePage({
    title: `${flowTitle} : demande interrompue`,
    paragraphs: [
      REASONS[reason] ?? 'Cette demande est terminée ou a expiré.',
      'Pour votre sécurité, la demande est interrompue. Vous pouvez la recommencer depuis le début.',
    ],
    link: { href: restartHref, label: 'Recommencer' },
    tone: 'error',
  });
}
