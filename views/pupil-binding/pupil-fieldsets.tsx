import { BirthDateFieldset, CsrfInput, type FieldErrors } from '../ui/components.js';

/** A pupil the person may be the legal representative of. */
export interface PupilOption {
  id: string;
  familyName: string;
  givenName: string;
  establishmentName: string;
}

/** What was answered for one pupil, shown again after an error. */
export interface PupilAnswerValues {
  link: 'oui' | 'non' | '';
  day: string;
  month: string;
  year: string;
}

export const PUPIL_LINKS_INTRO =
  'Pour avoir accès aux services concernant les élèves ci-dessous, vous devez confirmer que vous êtes bien représentant(e) légal(e) de ces élèves et renseigner leur date de naissance.';

/** One fieldset per pupil: the radios and "Né(e) le". Shared by activation and "Ajout d'élèves". */
export function PupilFieldsets({
  pupils,
  answers,
  errors,
}: {
  pupils: PupilOption[];
  answers?: Map<string, PupilAnswerValues>;
  errors?: FieldErrors;
}) {
  return (
    <>
      {pupils.map((pupil) => {
        const answer = answers?.get(pupil.id);
        const linkError = errors?.[`lien-${pupil.id}`];
        const dateError = errors?.[`naissance-${pupil.id}-jour`];
        return (
          <fieldset key={pupil.id} class="pupil-fieldset">
            <legend>
              {pupil.givenName} {pupil.familyName} – {pupil.establishmentName}
            </legend>
            <fieldset
              id={`lien-${pupil.id}`}
              tabIndex={-1}
              aria-describedby={linkError ? `lien-${pupil.id}-erreur` : undefined}
            >
              <legend class="visually-hidden">
                Lien avec {pupil.givenName} {pupil.familyName}
              </legend>
              {linkError && (
                <p class="error-text" id={`lien-${pupil.id}-erreur`}>
                  {linkError}
                </p>
              )}
              <div class="radio">
                <input
                  type="radio"
                  id={`lien-${pupil.id}-oui`}
                  name={`lien_${pupil.id}`}
                  value="oui"
                  checked={answer?.link === 'oui'}
                />
                <label for={`lien-${pupil.id}-oui`}>Je suis le représentant légal de cet élève</label>
              </div>
              <div class="radio">
                <input
                  type="radio"
                  id={`lien-${pupil.id}-non`}
                  name={`lien_${pupil.id}`}
                  value="non"
                  checked={answer?.link === 'non'}
                />
                <label for={`lien-${pupil.id}-non`}>Je ne suis pas le représentant légal de cet élève</label>
              </div>
            </fieldset>
            <BirthDateFieldset
              prefix={`naissance-${pupil.id}`}
              values={answer && { day: answer.day, month: answer.month, year: answer.year }}
              error={dateError}
            />
          </fieldset>
        );
      })}
    </>
  );
}

export interface PupilLinksFormProps {
  csrf: string;
  action: string;
  pupils: PupilOption[];
  answers?: Map<string, PupilAnswerValues>;
  errors?: FieldErrors;
}

/** The form of activation step 4 and of "Ajout d'élèves". */
export function PupilLinksForm({ csrf, action, pupils, answers, errors }: PupilLinksFormProps) {
  return (
    <form method="post" action={action} novalidate>
      <CsrfInput token={csrf} />
      <PupilFieldsets pupils={pupils} answers={answers} errors={errors} />
      <button type="submit" class="button-primary">
        Confirmer
      </button>
    </form>
  );
}
