import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { AuditLog } from '../domain/audit/audit-log.js';

// What the self-service flows (activation, pupil binding) do alike to their `registry_flows` rows:
// the move to `failed`, and the count of wrong birth dates that both ask for.

/** A flow must be finished within this time (the OIDC interaction lives one hour too). */
export const FLOW_TTL_SECONDS = 3600;
export const MAX_BIRTH_DATE_FAILURES = 5;

/** The move to `failed`: the flow ends for `reason`, and the secrets it held are dropped. */
export async function failFlow(db: Db, flowId: string, reason: string): Promise<void> {
  await db
    .updateTable('registry_flows')
    .set({
      state: 'failed',
      failure_reason: reason,
      code_hmac: null,
      password_hash: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', flowId)
    .execute();
}

/** Counts wrong birth dates; the 5th ends the flow. Returns true when it ended. */
export async function recordWrongBirthDates(
  { db, audit }: { db: Db; audit: AuditLog },
  flowId: string,
  wrong: number,
  ip: string,
): Promise<boolean> {
  if (wrong <= 0) return false;
  const row = await db
    .updateTable('registry_flows')
    .set({ birth_date_failures: sql`birth_date_failures + ${wrong}`, updated_at: sql`now()` })
    .where('id', '=', flowId)
    .returning('birth_date_failures')
    .executeTakeFirst();
  if (!row || row.birth_date_failures < MAX_BIRTH_DATE_FAILURES) return false;
  await failFlow(db, flowId, 'birth_dates');
  await audit.record({ event: 'activation.failed', ip, detail: { flowId, reason: 'birth_dates' } });
  return true;
}
