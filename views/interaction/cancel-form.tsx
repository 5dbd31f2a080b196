import { CsrfInput } from '../ui/components.js';

/** "Annuler et revenir au service": ends the interaction with access_denied. */
export function CancelForm({ uid, csrf }: { uid: string; csrf: string }) {
  return (
    <form method="post" action={`/interaction/${uid}/abort`} class="cancel-form">
      <CsrfInput token={csrf} />
      <button type="submit" class="button-link">
        Annuler et revenir au service
      </button>
    </form>
  );
}
