import type { Db } from '../../db/database.js';
import type { Account } from '../../db/schema.js';
import {
  type PupilChoice,
  recordPupilAnswers,
  representativesOfAccount,
  unansweredPupils,
} from '../../domain/registry/registry.js';
import type { LoginStep } from '../interaction/steps.js';
import { recordWrongBirthDates } from '../registry-flows.js';
import type { Services } from '../services.js';
import { checkPupilAnswers, type PupilAnswer, type PupilAnswersCheck } from './pupil-answers.js';
import { bindingFlowId, bindingState } from './store.js';

/**
 * "Ajout d'élèves": at a later login, a parent whose registry entry links pupils not yet bound nor
 * reported confirms them by birth date before returning to the service.
 */
export function bindingStep(db: Db): LoginStep {
  return {
    name: 'eleves',
    async isNeeded(account) {
      if (account.profile !== 'responsable_legal') return false;
      if ((await unansweredPupils(db, account)).length === 0) return false;
      return (await bindingState(db, account.id)) !== 'failed';
    },
  };
}

export type BindingOutcome =
  | { status: 'recorded' }
  | { status: 'invalid'; check: PupilAnswersCheck }
  | { status: 'failed' };

/** The answers for the pupils shown: recorded when all are valid; the 5th wrong birth date ends the binding. */
export async function answerPupils(
  { db, audit }: Pick<Services, 'db' | 'audit'>,
  interactionUid: string,
  account: Account,
  pupils: PupilChoice[],
  answers: Map<string, PupilAnswer>,
  ip: string,
): Promise<BindingOutcome> {
  const check = checkPupilAnswers(pupils, answers, false);
  if (check.wrongDates > 0) {
    const flowId = await bindingFlowId(db, interactionUid, account.id);
    if (await recordWrongBirthDates({ db, audit }, flowId, check.wrongDates, ip)) return { status: 'failed' };
  }
  if (Object.keys(check.errors).length > 0) return { status: 'invalid', check };
  const representativeIds = await representativesOfAccount(db, account);
  const { confirmed, reported } = check;
  const answered = { accountId: account.id, representativeIds, confirmed, reported, ip };
  await db
    .transaction()
    .execute((trx) => recordPupilAnswers(trx, audit, answered, { event: 'pupils.bound' }));
  return { status: 'recorded' };
}
