import type { PupilChoice } from '../../domain/registry/registry.js';
import { textField } from '../../http/form.js';

/** What the person answered for one pupil in "Je confirme mon lien avec les élèves". */
export interface PupilAnswer {
  link: 'oui' | 'non' | '';
  day: string;
  month: string;
  year: string;
}

/** Wrong birth dates allowed: the 5th ends an activation, and blocks a pupil in "Ajout d'élèves". */
export const MAX_BIRTH_DATE_FAILURES = 5;

export interface PupilAnswersCheck {
  /** Field id -> French message (ids used by the page: `lien-<id>`, `naissance-<id>-jour`). */
  errors: Record<string, string>;
  /** Dates given for a claimed pupil that are valid dates but not the registry's. */
  wrongDates: number;
  /** The pupils those wrong dates were given for. */
  wrongPupils: PupilChoice[];
  confirmed: PupilChoice[];
  reported: PupilChoice[];
  /** Every pupil answered « Je ne suis pas le représentant légal » where one confirmed pupil is needed. */
  noneConfirmed: boolean;
}

function isoDate(answer: PupilAnswer): string | undefined {
  if (
    !/^[0-9]{1,2}$/.test(answer.day) ||
    !/^[0-9]{1,2}$/.test(answer.month) ||
    !/^[0-9]{4}$/.test(answer.year)
  )
    return undefined;
  const [day, month, year] = [Number(answer.day), Number(answer.month), Number(answer.year)];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  return `${answer.year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Checks every pupil's answer: a claimed pupil needs the registry's birth date; "je ne suis pas"
 * needs nothing. `requireOne`: at least one pupil must be confirmed (activation).
 */
export function checkPupilAnswers(
  pupils: PupilChoice[],
  answers: Map<string, PupilAnswer>,
  requireOne: boolean,
): PupilAnswersCheck {
  const result: PupilAnswersCheck = {
    errors: {},
    wrongDates: 0,
    wrongPupils: [],
    confirmed: [],
    reported: [],
    noneConfirmed: false,
  };
  for (const pupil of pupils) {
    const answer = answers.get(pupil.id) ?? { link: '', day: '', month: '', year: '' };
    const who = `${pupil.givenName} ${pupil.familyName}`;
    if (answer.link === 'non') {
      result.reported.push(pupil);
      continue;
    }
    if (answer.link !== 'oui') {
      result.errors[`lien-${pupil.id}`] = `Indiquez si vous êtes le représentant légal de ${who}.`;
      continue;
    }
    const date = isoDate(answer);
    if (!date) {
      result.errors[`naissance-${pupil.id}-jour`] =
        `Saisissez la date de naissance de ${who} : jour, mois et année (par exemple 14 03 2011).`;
    } else if (date !== pupil.birthDate) {
      result.wrongDates++;
      result.wrongPupils.push(pupil);
      result.errors[`naissance-${pupil.id}-jour`] = `La date de naissance de ${who} est incorrecte.`;
    } else {
      result.confirmed.push(pupil);
    }
  }
  if (requireOne && Object.keys(result.errors).length === 0 && result.confirmed.length === 0) {
    const first = pupils[0];
    if (first) {
      result.noneConfirmed = true;
      result.errors[`lien-${first.id}`] =
        'Votre compte ne peut pas être créé sans au moins un élève dont vous êtes le représentant légal.';
    }
  }
  return result;
}

/** Reads the radios and birth dates of the pupil fieldsets. */
export function readPupilAnswers(body: unknown, pupils: PupilChoice[]): Map<string, PupilAnswer> {
  const answers = new Map<string, PupilAnswer>();
  for (const pupil of pupils) {
    const link = textField(body, `lien_${pupil.id}`, 3);
    answers.set(pupil.id, {
      link: link === 'oui' || link === 'non' ? link : '',
      day: textField(body, `naissance-${pupil.id}_jour`, 2).trim(),
      month: textField(body, `naissance-${pupil.id}_mois`, 2).trim(),
      year: textField(body, `naissance-${pupil.id}_annee`, 4).trim(),
    });
  }
  return answers;
}
