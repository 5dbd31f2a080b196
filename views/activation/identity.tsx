import { CsrfInput, type FieldErrors, IdentityFields, TextField } from '../ui/components.js';
import { StepFrame } from './step-frame.js';

export interface IdentityPageProps {
  profileLabel: string;
  uid: string;
  csrf: string;
  values?: { familyName?: string; givenName?: string; mobile?: string };
  errors?: FieldErrors;
  message?: string;
}

/** Step 1: "Je confirme mon identité". */
export function ActivationIdentityPage({
  profileLabel,
  uid,
  csrf,
  values,
  errors,
  message,
}: IdentityPageProps) {
  return (
    <StepFrame
      profileLabel={profileLabel}
      step={1}
      heading="L'activation est réservée aux représentants légaux"
      errors={errors}
      message={message}
    >
      <p>
        Pour avoir accès aux services concernant vos enfants, vous devez confirmer votre identité, puis que
        vous êtes bien représentant(e) légal(e) de ces élèves en renseignant leur date de naissance.
      </p>
      <form method="post" action={`/interaction/${uid}/activation/identite`} novalidate>
        <CsrfInput token={csrf} />
        <h2>Je confirme mon identité</h2>
        <IdentityFields values={values} errors={errors} />
        <h2>Je renseigne mon n° de téléphone portable</h2>
        <p>
          Indiquez le numéro de téléphone portable communiqué à l'école ou à l'établissement scolaire. Il est
          indispensable pour activer votre compte.
        </p>
        <MobileField value={values?.mobile} error={errors?.telephone} />
        <div class="button-row">
          <button type="submit" form="activation-precedent" class="button-secondary">
            Précédent
          </button>
          <button type="submit" class="button-primary">
            Suivant
          </button>
        </div>
      </form>
      <form method="get" action={`/interaction/${uid}/login/responsable_legal`} id="activation-precedent" />
      <p>
        <a href={`/interaction/${uid}/activation/sans-portable`}>
          Je ne souhaite pas utiliser de téléphone portable
        </a>
      </p>
    </StepFrame>
  );
}

/**
 * « N° de téléphone portable », as the activation asks it (FranceConnect's first login too). +33 is
 * typed in advance, as on the seeds' page: most parents only add their number after it.
 */
export function MobileField({ value, error }: { value?: string; error?: string }) {
  return (
    <TextField
      name="telephone"
      label="N° de téléphone portable"
      type="tel"
      inputMode="tel"
      value={value || '+33 '}
      autocomplete="tel"
      hint="Pour les numéros hors France métropolitaine, merci d'indiquer l'indicatif régional. Exemple : +33 6 12 34 56 78"
      error={error}
      maxLength={30}
    />
  );
}
