import { CsrfInput } from '../ui/components.js';

/**
 * « J'accède à mes services avec FranceConnect » above the parent login form (seed 002): the button
 * first, the link to what FranceConnect is (new window), then the visible « ou » separator.
 */
export function FranceConnectBlock({ action, csrf }: { action: string; csrf: string }) {
  return (
    <section class="franceconnect" aria-labelledby="franceconnect-titre">
      <h2 id="franceconnect-titre">J'accède à mes services avec FranceConnect</h2>
      <form method="post" action={action}>
        <CsrfInput token={csrf} />
        <button type="submit" class="franceconnect-button">
          <span class="franceconnect-login">S'identifier avec</span>{' '}
          <span class="franceconnect-brand">FranceConnect</span>
        </button>
      </form>
      <p class="hint">
        FranceConnect est la solution proposée par l'Etat pour simplifier votre connexion aux services en
        ligne.
      </p>
      <p>
        <a
          href="https://franceconnect.gouv.fr/"
          target="_blank"
          rel="noopener noreferrer"
          title="Qu'est-ce que FranceConnect ? - nouvelle fenêtre"
        >
          Qu'est-ce que FranceConnect ?
        </a>
      </p>
      <p class="separator">ou</p>
      <h2>J'utilise mes identifiants Education nationale</h2>
    </section>
  );
}
