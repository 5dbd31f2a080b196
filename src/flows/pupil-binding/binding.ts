import type { Db } from '../../db/database.js';
import type { Account } from '../../db/schema.js';
import {
  type PupilChoice,
  recordPupilAnswers,
  representativesOfAccount,
  unansweredPupils,
} from '../../domain/registry/registry.js';
import type { LoginStep } from '../interaction/steps.js';
import type { Services } from '../services.js';
import {
  checkPupilAnswers,
  MAX_BIRTH_DATE_FAILURES,
  type PupilAnswer,
  type PupilAnswersCheck,
} from './pupil-answers.js';
import { type BindingFailure, bindingFailures, recordBindingFailures } from './store.js';

/** The pupils still to answer, by state: offered for binding, or blocked after 5 wrong birth dates. */
export interface PupilsToBind {
  offered: PupilChoice[];
  blocked: PupilChoice[];
  failures: Map<string, BindingFailure>;
}

export async function pupilsToBind(db: Db, account: Account): Promise<PupilsToBind> {
  const unanswered = await unansweredPupils(db, account);
  const failures = await bindingFailures(
    db,
    account.id,
    unanswered.map((p) => p.id),
  );
  const isBlocked = (p: PupilChoice) => failures.get(p.id)?.blocked === true;
  return {
    offered: unanswered.filter((p) => !isBlocked(p)),
    blocked: unanswered.filter(isBlocked),
    failures,
  };
}

/**
 * "Ajout d'élèves": at a later login, a parent whose registry entry links pupils not yet bound nor
 * reported, nor blocked, confirms them by birth date before returning to the service.
 */
export function bindingStep(db: Db): LoginStep {
  return {
    name: 'eleves',
    async isNeeded(account) {
      if (account.profile !== 'responsable_legal') return false;
      return (await pupilsToBind(db, account)).offered.length > 0;
    },
  };
}

export type BindingOutcome =
  /** Every answer recorded: the login goes on. */
  | { status: 'recorded' }
  /** The form again, for the pupils still offered, with its errors. */
  | { status: 'invalid'; offered: PupilChoice[]; blocked: PupilChoice[]; errors: Record<string, string> }
  /** Pupils blocked by this post: the others' answers are recorded, the page names whom the school binds. */
  | { status: 'blocked'; blocked: PupilChoice[] };

/**
 * The answers for the pupils offered. Wrong birth dates count per pupil, and the 5th blocks it (with
 * a `pupil.binding_blocked` audit event); the other answers are recorded once every one is valid.
 */
export async function answerPupils(
  { db, audit }: Pick<Services, 'db' | 'audit'>,
  account: Account,
  { offered, blocked, failures }: PupilsToBind,
  answers: Map<string, PupilAnswer>,
  ip: string,
): Promise<BindingOutcome> {
  const check = checkPupilAnswers(offered, answers, false);
  if (check.wrongPupils.length > 0) {
    const counted = await db.transaction().execute(async (trx) => {
      const rows = await recordBindingFailures(
        trx,
        account.id,
        check.wrongPupils.map((p) => p.id),
      );
      for (const row of rows.filter((r) => r.failures === MAX_BIRTH_DATE_FAILURES)) {
        const pupil = offered.find((p) => p.id === row.pupilId)!;
        await audit.record(
          {
            event: 'pupil.binding_blocked',
            accountId: account.id,
            ip,
            detail: { pupilId: pupil.id, pupilRegistryId: pupil.registryId, failures: row.failures },
          },
          trx,
        );
      }
      return rows;
    });
    for (const row of counted) failures.set(row.pupilId, row);
  }
  const nowBlocked = offered.filter((p) => failures.get(p.id)?.blocked);
  const stillOffered = offered.filter((p) => !failures.get(p.id)?.blocked);
  const allBlocked = [...blocked, ...nowBlocked];
  const errors = errorsWithTriesLeft(check, stillOffered, failures);
  if (Object.keys(errors).length > 0)
    return { status: 'invalid', offered: stillOffered, blocked: allBlocked, errors };
  const { confirmed, reported } = check;
  if (confirmed.length + reported.length > 0) {
    const representativeIds = await representativesOfAccount(db, account);
    const answered = { accountId: account.id, representativeIds, confirmed, reported, ip };
    await db
      .transaction()
      .execute((trx) => recordPupilAnswers(trx, audit, answered, { event: 'pupils.bound' }));
  }
  if (nowBlocked.length > 0) return { status: 'blocked', blocked: allBlocked };
  return { status: 'recorded' };
}

/**
 * The errors of the pupils still offered, a wrong birth date saying how many tries are left for that
 * pupil; errors on pupils just blocked are replaced by the notice that names them.
 */
function errorsWithTriesLeft(
  check: PupilAnswersCheck,
  stillOffered: PupilChoice[],
  failures: Map<string, BindingFailure>,
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const pupil of stillOffered) {
    for (const field of [`lien-${pupil.id}`, `naissance-${pupil.id}-jour`]) {
      const message = check.errors[field];
      if (!message) continue;
      const left = MAX_BIRTH_DATE_FAILURES - (failures.get(pupil.id)?.failures ?? 0);
      errors[field] = check.wrongPupils.includes(pupil)
        ? `${message} Il vous reste ${left} essai${left > 1 ? 's' : ''} pour cet élève.`
        : message;
    }
  }
  return errors;
}
