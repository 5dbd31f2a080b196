import { CsrfInput } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

export interface ConfirmEmailPageProps {
  action: string;
  csrf: string;
}

/**
 * The page a confirmation link opens. Confirming takes a click: mail scanners that follow links
 * must not consume the token.
 */
export function ConfirmEmailPage({ action, csrf }: ConfirmEmailPageProps) {
  return (
    <Layout title="Confirmation de votre adresse électronique">
      <h1>Confirmation de votre adresse électronique</h1>
      <p>
        Pour terminer, confirmez que cette adresse électronique est bien la vôtre. Elle sera alors utilisée
        pour votre compte ÉduConnect.
      </p>
      <form method="post" action={action}>
        <CsrfInput token={csrf} />
        <button type="submit" class="button-primary">
          Confirmer mon adresse électronique
        </button>
      </form>
    </Layout>
  );
}
