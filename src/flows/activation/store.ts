import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { FlowType, RegistryFlow } from '../../db/schema.js';
import { MAX_CODE_ATTEMPTS, statesBefore } from './state.js';

// Every statement of the activation flow on its `registry_flows` row.

/** The latest unexpired activation of the interaction. */
export function currentActivation(
  db: Db,
  interactionUid: string,
  type: FlowType = 'activation',
): Promise<RegistryFlow | undefined> {
  return db
    .selectFrom('registry_flows')
    .selectAll()
    .where('interaction_uid', '=', interactionUid)
    .where('type', '=', type)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface NewActivation {
  id: string;
  /** `activation` unless another flow confirmed by SMS (FranceConnect's first login) writes it. */
  type?: FlowType;
  interactionUid: string;
  familyName: string;
  givenName: string;
  mobile: string;
  representativeIds: string[];
  existingAccountId: string | null;
  codeHmac: string;
  codeTtlSeconds: number;
  flowTtlSeconds: number;
}

export async function insertActivation(trx: Db, flow: NewActivation): Promise<void> {
  await trx
    .insertInto('registry_flows')
    .values({
      id: flow.id,
      type: flow.type ?? 'activation',
      interaction_uid: flow.interactionUid,
      state: 'code_sent',
      expires_at: sql`now() + make_interval(secs => ${flow.flowTtlSeconds})`,
      family_name: flow.familyName,
      given_name: flow.givenName,
      mobile: flow.mobile,
      representative_ids: JSON.stringify(flow.representativeIds),
      existing_account_id: flow.existingAccountId,
      code_hmac: flow.codeHmac,
      code_expires_at: sql`now() + make_interval(secs => ${flow.codeTtlSeconds})`,
      sends: 1,
      last_sent_at: sql`now()`,
    })
    .execute();
}

/** The identifier of an account; without one, the same statement runs on an id that matches nothing. */
export async function identifierOf(trx: Db, accountId: string | null): Promise<string | undefined> {
  const account = await trx
    .selectFrom('accounts')
    .select('identifier')
    .where('id', '=', accountId ?? randomUUID())
    .executeTakeFirst();
  return account?.identifier;
}

/** Stands in for queueing an SMS when there is none to send, so that a miss costs what a match does. */
export async function skipSms(trx: Db, mobile: string): Promise<void> {
  await sql`select ${mobile}::text as recipient`.execute(trx);
}

/** code_sent -> code_verified, unless the flow moved meanwhile or spent its tries. */
export async function markCodeVerified(db: Db, flowId: string): Promise<boolean> {
  const moved = await db
    .updateTable('registry_flows')
    .set({ state: 'code_verified', updated_at: sql`now()` })
    .where('id', '=', flowId)
    .where('state', 'in', statesBefore('code_verified'))
    .where('code_attempts', '<', MAX_CODE_ATTEMPTS)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1;
}

/** Counts a wrong code; the tries spent so far, or undefined when the flow is no longer waiting for one. */
export async function countWrongCode(trx: Db, flowId: string): Promise<number | undefined> {
  const row = await trx
    .updateTable('registry_flows')
    .set({ code_attempts: sql`code_attempts + 1`, updated_at: sql`now()` })
    .where('id', '=', flowId)
    .where('state', '=', 'code_sent')
    .returning('code_attempts')
    .executeTakeFirst();
  return row?.code_attempts;
}

/** A new code replaces the old one; false when another resend won the race. */
export async function renewCode(
  trx: Db,
  flow: RegistryFlow,
  codeHmac: string,
  codeTtlSeconds: number,
): Promise<boolean> {
  const updated = await trx
    .updateTable('registry_flows')
    .set({
      code_hmac: codeHmac,
      code_expires_at: sql`now() + make_interval(secs => ${codeTtlSeconds})`,
      sends: sql`sends + 1`,
      last_sent_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', '=', flow.id)
    .where('state', '=', 'code_sent')
    // `sends` as a version: two resends racing send one SMS (timestamps lose precision in JS).
    .where('sends', '=', flow.sends)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** -> password_chosen: the password is kept as its argon2id hash until the account is created. */
export async function storePasswordHash(db: Db, flowId: string, passwordHash: string): Promise<boolean> {
  const updated = await db
    .updateTable('registry_flows')
    .set({ state: 'password_chosen', password_hash: passwordHash, updated_at: sql`now()` })
    .where('id', '=', flowId)
    .where('state', 'in', statesBefore('password_chosen'))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** The flow, locked until the end of the transaction that completes it. */
export function lockActivation(trx: Db, flowId: string): Promise<RegistryFlow | undefined> {
  return trx.selectFrom('registry_flows').selectAll().where('id', '=', flowId).forUpdate().executeTakeFirst();
}

/**
 * The representative rows of the person, locked: two activations of the same person racing each
 * other wait here, and the second finds the first's account.
 */
export function lockRepresentatives(trx: Db, ids: string[]) {
  return trx
    .selectFrom('representatives')
    .select(['id', 'family_name', 'given_name', 'email', 'account_id', 'mobile'])
    .where('id', 'in', ids.length > 0 ? ids : ['00000000-0000-0000-0000-000000000000'])
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** -> completed: the account is created and the code consumed. */
export async function markCompleted(trx: Db, flowId: string, accountId: string): Promise<void> {
  await trx
    .updateTable('registry_flows')
    .set({
      state: 'completed',
      account_id: accountId,
      code_consumed_at: sql`now()`,
      code_hmac: null,
      password_hash: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', flowId)
    .execute();
}

/** The move to `failed`: the activation ends for `reason`, and the secrets it held are dropped. */
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

/** Adds wrong birth dates to the flow's count; returns the count. */
export async function countWrongBirthDates(
  db: Db,
  flowId: string,
  wrong: number,
): Promise<number | undefined> {
  const row = await db
    .updateTable('registry_flows')
    .set({ birth_date_failures: sql`birth_date_failures + ${wrong}`, updated_at: sql`now()` })
    .where('id', '=', flowId)
    .returning('birth_date_failures')
    .executeTakeFirst();
  return row?.birth_date_failures;
}

/** The identifier the activation created, for its last page. */
export async function createdIdentifier(db: Db, flow: RegistryFlow): Promise<string> {
  const account = await db
    .selectFrom('accounts')
    .select('identifier')
    .where('id', '=', flow.account_id!)
    .executeTakeFirstOrThrow();
  return account.identifier;
}

export function representativeIds(flow: RegistryFlow): string[] {
  const ids = flow.representative_ids as unknown;
  return Array.isArray(ids) ? (ids as string[]) : [];
}
