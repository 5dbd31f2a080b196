import { BirthDateFieldset, CsrfInput, ErrorSummary } from '../ui/components.js';
import { Layout } from '../ui/layout.js';

/** A pupil's first login with a notification: « Né(e) le » checked against the school registry. */
export function PupilBirthDatePage({
  uid,
  csrf,
  profileLabel,
  values,
  error,
}: {
  uid: string;
  csrf: string;
  profileLabel: string;
  values?: { day?: string; month?: string; year?: string };
  error?: string;
}) {
  return (
    <Layout
      title={error ? 'Erreur - Je confirme mon identité' : 'Je confirme mon identité'}
      banner={profileLabel}
    >
      <h1>Je confirme mon identité</h1>
      <p>Pour terminer l'activation de votre compte, indiquez votre date de naissance.</p>
      <ErrorSummary
        message={error ? 'Le formulaire contient des erreurs.' : undefined}
        errors={error ? { 'naissance-jour': error } : undefined}
      />
      <form method="post" action={`/interaction/${uid}/naissance`} novalidate>
        <CsrfInput token={csrf} />
        <BirthDateFieldset prefix="naissance" values={values} error={error} />
        <button type="submit" class="button-primary">
          Valider
        </button>
      </form>
    </Layout>
  );
}
