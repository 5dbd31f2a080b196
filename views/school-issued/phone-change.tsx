import {
  BirthDateFieldset,
  CsrfInput,
  ErrorSummary,
  type FieldErrors,
  IdentityFields,
  TextField,
} from '../ui/components.js';
import { Layout } from '../ui/layout.js';

export interface PhoneChangeValues {
  nom?: string;
  prenom?: string;
  telephone?: string;
  eleve_nom?: string;
  eleve_prenom?: string;
  day?: string;
  month?: string;
  year?: string;
}

/** « Signaler à l'établissement que mon numéro a changé »: who I am, my new number, one of my children. */
export function PhoneChangePage({
  uid,
  csrf,
  profileLabel,
  values,
  errors,
  message,
}: {
  uid: string;
  csrf: string;
  profileLabel: string;
  values?: PhoneChangeValues;
  errors?: FieldErrors;
  message?: string;
}) {
  return (
    <Layout title={errors ? 'Erreur - Mon numéro a changé' : 'Mon numéro a changé'} banner={profileLabel}>
      <h1>Signaler à l'établissement que mon numéro a changé</h1>
      <p>
        L'établissement de votre enfant vérifiera votre demande avant de mettre à jour votre numéro de
        téléphone portable. Vous pourrez ensuite activer votre compte par SMS avec ce numéro.
      </p>
      <ErrorSummary message={message} errors={errors} />
      <form method="post" action={`/interaction/${uid}/numero-change`} novalidate>
        <CsrfInput token={csrf} />
        <IdentityFields values={{ familyName: values?.nom, givenName: values?.prenom }} errors={errors} />
        <TextField
          name="telephone"
          label="Nouveau n° de téléphone portable"
          type="tel"
          inputMode="tel"
          value={values?.telephone}
          autocomplete="tel"
          hint="Pour les numéros hors France métropolitaine, merci d'indiquer l'indicatif régional."
          error={errors?.telephone}
          maxLength={30}
        />
        <fieldset class="pupil-fieldset">
          <legend>Un de vos enfants</legend>
          <TextField
            name="eleve_nom"
            label="Nom de l'élève"
            value={values?.eleve_nom}
            error={errors?.eleve_nom}
            maxLength={100}
          />
          <TextField
            name="eleve_prenom"
            label="Prénom de l'élève"
            value={values?.eleve_prenom}
            error={errors?.eleve_prenom}
            maxLength={100}
          />
          <BirthDateFieldset
            prefix="eleve-naissance"
            values={{ day: values?.day, month: values?.month, year: values?.year }}
            error={errors?.['eleve-naissance-jour']}
          />
        </fieldset>
        <button type="submit" class="button-primary">
          Envoyer la demande
        </button>
      </form>
      <p>
        <a href={`/interaction/${uid}/login/responsable_legal`}>Revenir à la page de connexion</a>
      </p>
    </Layout>
  );
}
