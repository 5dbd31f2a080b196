import { MessagePage } from '../ui/message.js';

/** After logout, when the service gave no address to return to. */
export function LoggedOutPage() {
  return MessagePage({
    title: 'Vous êtes déconnecté',
    paragraphs: ['Vous êtes déconnecté d’ÉduConnect sur cet appareil. Vous pouvez fermer cette page.'],
    tone: 'success',
  });
}
