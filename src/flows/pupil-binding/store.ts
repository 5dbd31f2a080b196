import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { MAX_BIRTH_DATE_FAILURES } from './pupil-answers.js';

// Every statement of « Ajout d'élèves » on its own table, `pupil_binding_failures` (the bindings and
// reports themselves are the registry's: domain/registry).

export interface BindingFailure {
  pupilId: string;
  failures: number;
  blocked: boolean;
}

/** Failures so far of these pupils for this account (pupils never failed are absent). */
export async function bindingFailures(
  db: Db,
  accountId: string,
  pupilIds: string[],
): Promise<Map<string, BindingFailure>> {
  if (pupilIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('pupil_binding_failures')
    .select(['pupil_id', 'failures', 'blocked_at'])
    .where('account_id', '=', accountId)
    .where('pupil_id', 'in', pupilIds)
    .execute();
  return new Map(
    rows.map((r) => [
      r.pupil_id,
      { pupilId: r.pupil_id, failures: r.failures, blocked: r.blocked_at !== null },
    ]),
  );
}

/** One more failure for each pupil, in one statement; the MAX_BIRTH_DATE_FAILURES-th blocks it. */
export async function recordBindingFailures(
  db: Db,
  accountId: string,
  pupilIds: string[],
): Promise<BindingFailure[]> {
  if (pupilIds.length === 0) return [];
  const rows = await db
    .insertInto('pupil_binding_failures')
    .values(pupilIds.map((pupilId) => ({ account_id: accountId, pupil_id: pupilId, failures: 1 })))
    .onConflict((oc) =>
      oc.columns(['account_id', 'pupil_id']).doUpdateSet({
        failures: sql`pupil_binding_failures.failures + 1`,
        blocked_at: sql`case when pupil_binding_failures.failures + 1 >= ${MAX_BIRTH_DATE_FAILURES}
          then coalesce(pupil_binding_failures.blocked_at, now()) else pupil_binding_failures.blocked_at end`,
        updated_at: sql`now()`,
      }),
    )
    .returning(['pupil_id', 'failures', 'blocked_at'])
    .execute();
  return rows.map((r) => ({
    pupilId: r.pupil_id,
    failures: r.failures,
    blocked: r.blocked_at !== null,
  }));
}
