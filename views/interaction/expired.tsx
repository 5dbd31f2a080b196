import { MessagePage } from '../ui/message.js';

/** The interaction expired or was opened in another browser: back to the service when it is known. */
export function ExpiredInteractionPage({ returnUrl }: { returnUrl: string | undefined }) {
  return MessagePage({
    title: 'Session expirée',
    heading: 'Votre session a expiré',
    paragraphs: [
      'Pour votre sécurité, la page de connexion n’est valable qu’un temps limité, ou elle a été ouverte dans un autre navigateur.',
      returnUrl
        ? 'Retournez sur le service pour recommencer la connexion.'
        : 'Retournez sur le site du service (ENT, téléservice) et cliquez à nouveau sur le bouton de connexion.',
    ],
    link: returnUrl ? { href: returnUrl, label: 'Retourner sur le service' } : undefined,
    tone: 'error',
  });
}
