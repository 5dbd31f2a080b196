import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { FranceConnectLogin } from '../../db/schema.js';

// Every statement of the FranceConnect flow on `franceconnect_logins` and `franceconnect_links`
// (the first login's SMS flow is a `registry_flows` row: the activation's store).

/** States are looked up by their SHA-256: a database read never yields one that could be replayed. */
export const stateHash = (state: string) => createHash('sha256').update(state).digest('base64url');

/** Time allowed between the button and the return from FranceConnect. */
const LOGIN_TTL_SECONDS = 600;
/** A FranceConnect login is kept this long for its logout (our sessions last 12 h). */
const SESSION_TTL_SECONDS = 12 * 3600;

export async function insertLogin(
  db: Db,
  login: { interactionUid: string; state: string; nonce: string },
): Promise<void> {
  await db
    .insertInto('franceconnect_logins')
    .values({
      interaction_uid: login.interactionUid,
      state_hash: stateHash(login.state),
      nonce: login.nonce,
      expires_at: sql`now() + make_interval(secs => ${LOGIN_TTL_SECONDS})`,
    })
    .execute();
}

/** The login of this state, marked consumed: a second return with the same state finds nothing. */
export function consumeLogin(db: Db, state: string): Promise<FranceConnectLogin | undefined> {
  return db
    .updateTable('franceconnect_logins')
    .set({ consumed_at: sql`now()` })
    .where('state_hash', '=', stateHash(state))
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** The interaction of a state, consumed or not (to offer the way back from an error page). */
export async function interactionOfState(db: Db, state: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('franceconnect_logins')
    .select('interaction_uid')
    .where('state_hash', '=', stateHash(state))
    .executeTakeFirst();
  return row?.interaction_uid;
}

export async function storeIdentity(
  db: Db,
  id: string,
  identity: { sub: string; givenName: string; familyName: string; birthdate: string; idToken: string },
): Promise<void> {
  await db
    .updateTable('franceconnect_logins')
    .set({
      sub: identity.sub,
      given_name: identity.givenName,
      family_name: identity.familyName,
      birthdate: identity.birthdate,
      id_token: identity.idToken,
      expires_at: sql`now() + make_interval(secs => ${SESSION_TTL_SECONDS})`,
    })
    .where('id', '=', id)
    .execute();
}

/** The identity FranceConnect returned for this interaction (the latest), while it is valid. */
export function identifiedLogin(db: Db, interactionUid: string): Promise<FranceConnectLogin | undefined> {
  return db
    .selectFrom('franceconnect_logins')
    .selectAll()
    .where('interaction_uid', '=', interactionUid)
    .where('sub', 'is not', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The active account linked to a FranceConnect `sub`. */
export async function linkedAccountId(db: Db, sub: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('franceconnect_links as l')
    .innerJoin('accounts as a', 'a.id', 'l.account_id')
    .select('a.id')
    .where('l.sub', '=', sub)
    .where('a.status', '=', 'active')
    .executeTakeFirst();
  return row?.id;
}

/** Links `sub` to the account (inside the caller's transaction); false when it already leads elsewhere. */
export async function insertLink(trx: Db, sub: string, accountId: string): Promise<boolean> {
  await trx
    .insertInto('franceconnect_links')
    .values({ sub, account_id: accountId, last_login_at: sql`now()` })
    .onConflict((oc) => oc.column('sub').doNothing())
    .execute();
  const row = await trx
    .selectFrom('franceconnect_links')
    .select('account_id')
    .where('sub', '=', sub)
    .executeTakeFirst();
  return row?.account_id === accountId;
}

/** The FranceConnect login now carries our session: its account, for the logout. */
export async function markLoggedIn(db: Db, loginId: string, accountId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('franceconnect_logins')
      .set({ account_id: accountId })
      .where('id', '=', loginId)
      .execute();
    await trx
      .updateTable('franceconnect_links')
      .set({ last_login_at: sql`now()` })
      .where('account_id', '=', accountId)
      .execute();
  });
}

/** The session's FranceConnect login, by the id our cookie carries. */
export function sessionLogin(db: Db, id: string): Promise<FranceConnectLogin | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return Promise.resolve(undefined);
  return db
    .selectFrom('franceconnect_logins')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', 'is not', null)
    .where('id_token', 'is not', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Our logout is going through FranceConnect's: remember where to go back, under a new state. */
export async function startLogout(db: Db, id: string, state: string, returnTo: string): Promise<void> {
  await db
    .updateTable('franceconnect_logins')
    .set({ logout_state_hash: stateHash(state), logout_return: returnTo })
    .where('id', '=', id)
    .execute();
}

/** Back from FranceConnect's logout: where to go, once; the ID token is dropped. */
export async function finishLogout(db: Db, state: string): Promise<string | undefined> {
  const row = await db
    .updateTable('franceconnect_logins')
    .set({ logout_state_hash: null, id_token: null, expires_at: sql`now()` })
    .where('logout_state_hash', '=', stateHash(state))
    .returning('logout_return')
    .executeTakeFirst();
  return row?.logout_return ?? undefined;
}

/** Expired logins (the purge of compose.ts calls it with the other expired rows). */
export async function purgeLogins(db: Db): Promise<void> {
  await db.deleteFrom('franceconnect_logins').where('expires_at', '<', sql<Date>`now()`).execute();
}
