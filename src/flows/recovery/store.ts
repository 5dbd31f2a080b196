import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Account, OutboxChannel, RecoveryFlow, RecoveryKind, RecoveryState } from '../../db/schema.js';
import { matchName } from '../../domain/registry/matching.js';
import { MAX_CODE_ATTEMPTS } from './state.js';

// Every statement of the recovery flows: the `recovery_flows` rows and the accounts they look for.

/** The latest unexpired recovery of this kind in the interaction. */
export function currentRecovery(
  db: Db,
  interactionUid: string,
  kind: RecoveryKind,
): Promise<RecoveryFlow | undefined> {
  return db
    .selectFrom('recovery_flows')
    .selectAll()
    .where('interaction_uid', '=', interactionUid)
    .where('kind', '=', kind)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Active parent accounts whose known mobile is `mobile`: the account's own number (set at activation,
 * changed in « Mon compte »), or the number the school's registry gives for a representative bound to
 * the account (a parent whose account came from the school, or from before numbers were kept).
 */
function parentsWithMobile(db: Db, mobile: string) {
  return db
    .selectFrom('accounts as a')
    .selectAll('a')
    .where('a.profile', '=', 'responsable_legal')
    .where('a.status', '=', 'active')
    .where((eb) =>
      eb.or([
        eb('a.phone', '=', mobile),
        eb.exists(
          eb
            .selectFrom('representatives as r')
            .select('r.id')
            .whereRef('r.account_id', '=', 'a.id')
            .where('r.mobile', '=', mobile),
        ),
      ]),
    );
}

/**
 * The parent account with this known mobile and this name (compared as the registry does: case,
 * accents, hyphens and spaces ignored). The same statement whether or not anyone matches.
 */
export async function parentByNameAndMobile(
  db: Db,
  name: { familyName: string; givenName: string },
  mobile: string,
): Promise<Account | undefined> {
  const candidates = await parentsWithMobile(db, mobile).orderBy('a.created_at').execute();
  const wanted = matchName(name.familyName, name.givenName);
  return candidates.find((a) => matchName(a.family_name, a.given_name) === wanted);
}

/** The parent account with this identifier, when `mobile` is its known mobile. */
export function parentByIdentifierAndMobile(
  db: Db,
  identifier: string,
  mobile: string,
): Promise<Account | undefined> {
  return parentsWithMobile(db, mobile).where('a.identifier', '=', identifier).executeTakeFirst();
}

/** Active parent accounts whose confirmed email address is `email` (case-insensitive). */
function parentsWithEmail(db: Db, email: string) {
  return db
    .selectFrom('accounts as a')
    .selectAll('a')
    .where('a.profile', '=', 'responsable_legal')
    .where('a.status', '=', 'active')
    .where('a.email_verified', '=', true)
    .where(sql<string>`lower(a.email)`, '=', email.toLowerCase());
}

/** As parentByNameAndMobile, by the confirmed email address. */
export async function parentByNameAndEmail(
  db: Db,
  name: { familyName: string; givenName: string },
  email: string,
): Promise<Account | undefined> {
  const candidates = await parentsWithEmail(db, email).orderBy('a.created_at').execute();
  const wanted = matchName(name.familyName, name.givenName);
  return candidates.find((a) => matchName(a.family_name, a.given_name) === wanted);
}

/** The parent account with this identifier, when `email` is its confirmed address. */
export function parentByIdentifierAndEmail(
  db: Db,
  identifier: string,
  email: string,
): Promise<Account | undefined> {
  return parentsWithEmail(db, email).where('a.identifier', '=', identifier).executeTakeFirst();
}

/** A recovery by its id (the email link carries it), whatever its interaction. */
export function findRecovery(db: Db, id: string): Promise<RecoveryFlow | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return Promise.resolve(undefined);
  return db.selectFrom('recovery_flows').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface NewRecovery {
  id: string;
  kind: RecoveryKind;
  channel: OutboxChannel;
  interactionUid: string;
  typedName: string;
  recipient: string;
  accountId: string | null;
  /** Null for a flow that waits for nothing (an identifier sent by email). */
  codeHmac: string | null;
  codeTtlSeconds: number;
  flowTtlSeconds: number;
}

export async function insertRecovery(trx: Db, flow: NewRecovery): Promise<void> {
  await trx
    .insertInto('recovery_flows')
    .values({
      id: flow.id,
      kind: flow.kind,
      channel: flow.channel,
      interaction_uid: flow.interactionUid,
      state: 'code_sent',
      expires_at: sql`now() + make_interval(secs => ${flow.flowTtlSeconds})`,
      typed_name: flow.typedName,
      recipient: flow.recipient,
      account_id: flow.accountId,
      code_hmac: flow.codeHmac,
      code_expires_at: sql`now() + make_interval(secs => ${flow.codeTtlSeconds})`,
      sends: 1,
      last_sent_at: sql`now()`,
    })
    .execute();
}

/** code_sent -> `to` (the code verified), unless the flow moved meanwhile or spent its tries. */
export async function markCodeVerified(db: Db, flowId: string, to: RecoveryState): Promise<boolean> {
  const moved = await db
    .updateTable('recovery_flows')
    .set({
      state: to,
      // A verified code is spent: it can never verify again.
      code_hmac: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', flowId)
    .where('state', '=', 'code_sent')
    .where('code_attempts', '<', MAX_CODE_ATTEMPTS)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows) === 1;
}

/** Counts a wrong code; the tries spent so far, or undefined when the flow is no longer waiting for one. */
export async function countWrongCode(trx: Db, flowId: string): Promise<number | undefined> {
  const row = await trx
    .updateTable('recovery_flows')
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
  flow: RecoveryFlow,
  codeHmac: string,
  codeTtlSeconds: number,
): Promise<boolean> {
  const updated = await trx
    .updateTable('recovery_flows')
    .set({
      code_hmac: codeHmac,
      code_expires_at: sql`now() + make_interval(secs => ${codeTtlSeconds})`,
      sends: sql`sends + 1`,
      last_sent_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', '=', flow.id)
    .where('state', '=', 'code_sent')
    // `sends` as a version: two resends racing send one message.
    .where('sends', '=', flow.sends)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** The flow, locked until the end of the transaction that completes it. */
export function lockRecovery(trx: Db, flowId: string): Promise<RecoveryFlow | undefined> {
  return trx.selectFrom('recovery_flows').selectAll().where('id', '=', flowId).forUpdate().executeTakeFirst();
}

/** -> completed. */
export async function markCompleted(trx: Db, flowId: string): Promise<void> {
  await trx
    .updateTable('recovery_flows')
    .set({ state: 'completed', code_hmac: null, updated_at: sql`now()` })
    .where('id', '=', flowId)
    .execute();
}

/** The move to `failed`: the recovery ends for `reason`, and the code it held is dropped. */
export async function failFlow(db: Db, flowId: string, reason: string): Promise<void> {
  await db
    .updateTable('recovery_flows')
    .set({ state: 'failed', failure_reason: reason, code_hmac: null, updated_at: sql`now()` })
    .where('id', '=', flowId)
    .execute();
}

/** Forgets the account's failed logins: whoever locked it out by guessing no longer keeps the owner out. */
export async function clearLoginThrottle(trx: Db, throttleKey: string): Promise<void> {
  await trx.deleteFrom('login_throttle').where('key', '=', throttleKey).execute();
}

/** Expired flows, a day after they ended (called with the other housekeeping). */
export async function purgeRecoveryFlows(db: Db): Promise<void> {
  await db
    .deleteFrom('recovery_flows')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}
