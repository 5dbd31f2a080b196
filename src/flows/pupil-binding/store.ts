import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { FLOW_TTL_SECONDS } from '../registry-flows.js';
import { type BindingState, FAILED_BINDING_PAUSE_HOURS } from './state.js';

/** `failed` while a binding of this account failed within the pause; `pending` otherwise. */
export async function bindingState(db: Db, accountId: string): Promise<BindingState> {
  const row = await db
    .selectFrom('registry_flows')
    .select('id')
    .where('account_id', '=', accountId)
    .where('type', '=', 'binding')
    .where('state', '=', 'failed')
    .where('updated_at', '>', sql<Date>`now() - make_interval(hours => ${FAILED_BINDING_PAUSE_HOURS})`)
    .limit(1)
    .executeTakeFirst();
  return row ? 'failed' : 'pending';
}

/** The binding flow of this login, created at its first wrong birth date (it counts the failures). */
export async function bindingFlowId(db: Db, interactionUid: string, accountId: string): Promise<string> {
  const existing = await db
    .selectFrom('registry_flows')
    .select('id')
    .where('interaction_uid', '=', interactionUid)
    .where('type', '=', 'binding')
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (existing) return existing.id;
  const id = randomUUID();
  await db
    .insertInto('registry_flows')
    .values({
      id,
      type: 'binding',
      interaction_uid: interactionUid,
      state: 'pending',
      expires_at: sql`now() + make_interval(secs => ${FLOW_TTL_SECONDS})`,
      account_id: accountId,
    })
    .execute();
  return id;
}
