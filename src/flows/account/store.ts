import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { PhoneChange } from '../../db/schema.js';
import { ACCOUNT_PORTAL_CLIENT_ID } from '../../oidc/account-portal.js';

/** Every query of « Mon compte ». */

export async function boundPupils(db: Db, accountId: string) {
  return db
    .selectFrom('account_pupils as ap')
    .innerJoin('pupils as p', 'p.id', 'ap.pupil_id')
    .innerJoin('establishments as e', 'e.uai', 'p.establishment_uai')
    .select(['p.given_name', 'p.family_name', 'p.level', 'e.name as establishment'])
    .where('ap.account_id', '=', accountId)
    .orderBy('p.birth_date')
    .orderBy('p.given_name')
    .execute();
}

export async function pupilEstablishment(db: Db, accountId: string): Promise<string | null> {
  const row = await db
    .selectFrom('pupils as p')
    .innerJoin('establishments as e', 'e.uai', 'p.establishment_uai')
    .select('e.name')
    .where('p.account_id', '=', accountId)
    .executeTakeFirst();
  return row?.name ?? null;
}

export interface ConnectedService {
  clientId: string;
  name: string;
  grantedAt: Date;
  lastUse: Date | null;
  scopes: string[];
}

/** The services holding a grant of this account (the portal itself aside), with their scopes. */
export async function connectedServices(db: Db, accountId: string): Promise<ConnectedService[]> {
  const grants = await db
    .selectFrom('oidc_payloads as g')
    .innerJoin('oidc_clients as c', (join) => join.on(sql<boolean>`c.client_id = g.payload->>'clientId'`))
    .select([
      'c.client_id',
      'c.name',
      sql<string | null>`g.payload->'openid'->>'scope'`.as('scope'),
      sql<number | null>`(g.payload->>'iat')::bigint`.as('iat'),
    ])
    .where('g.kind', '=', 'Grant')
    .where(sql<string>`g.payload->>'accountId'`, '=', accountId)
    .where('c.client_id', '<>', ACCOUNT_PORTAL_CLIENT_ID)
    .where((eb) => eb.or([eb('g.expires_at', 'is', null), eb('g.expires_at', '>', sql<Date>`now()`)]))
    .execute();
  const byClient = new Map<string, ConnectedService>();
  for (const g of grants) {
    const known = byClient.get(g.client_id);
    const grantedAt = new Date(Number(g.iat ?? 0) * 1000);
    const scopes = (g.scope ?? '').split(' ').filter(Boolean);
    if (known) {
      known.scopes = [...new Set([...known.scopes, ...scopes])];
      if (grantedAt < known.grantedAt) known.grantedAt = grantedAt;
    } else
      byClient.set(g.client_id, { clientId: g.client_id, name: g.name, grantedAt, lastUse: null, scopes });
  }
  if (byClient.size === 0) return [];
  const uses = await db
    .selectFrom('audit_events')
    .select(['client_id', sql<Date>`max(at)`.as('last')])
    .where('account_id', '=', accountId)
    .where('event', '=', 'tokens.issued')
    .where('client_id', 'in', [...byClient.keys()])
    .groupBy('client_id')
    .execute();
  for (const use of uses) {
    const service = byClient.get(use.client_id ?? '');
    if (service) service.lastUse = new Date(use.last);
  }
  return [...byClient.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr'));
}

// Changes of mobile number (phone_changes, migration 0006)

export async function currentPhoneChange(db: Db, accountId: string): Promise<PhoneChange | undefined> {
  return db
    .selectFrom('phone_changes')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('state', '=', 'code_sent')
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertPhoneChange(
  trx: Db,
  change: {
    id: string;
    accountId: string;
    mobile: string;
    codeHmac: string;
    codeTtlSeconds: number;
    ttlSeconds: number;
  },
): Promise<void> {
  // a new number replaces a change still waiting for its code
  await trx
    .updateTable('phone_changes')
    .set({ state: 'failed' })
    .where('account_id', '=', change.accountId)
    .where('state', '=', 'code_sent')
    .execute();
  await trx
    .insertInto('phone_changes')
    .values({
      id: change.id,
      account_id: change.accountId,
      mobile: change.mobile,
      code_hmac: change.codeHmac,
      code_expires_at: sql<Date>`now() + make_interval(secs => ${change.codeTtlSeconds})`,
      expires_at: sql<Date>`now() + make_interval(secs => ${change.ttlSeconds})`,
    })
    .execute();
}

/** One more wrong code; undefined when the change is no longer waiting for one. */
export async function countWrongPhoneCode(trx: Db, id: string): Promise<number | undefined> {
  const row = await trx
    .updateTable('phone_changes')
    .set((eb) => ({ code_attempts: eb('code_attempts', '+', 1) }))
    .where('id', '=', id)
    .where('state', '=', 'code_sent')
    .returning('code_attempts')
    .executeTakeFirst();
  return row?.code_attempts;
}

export async function endPhoneChange(db: Db, id: string, state: 'completed' | 'failed'): Promise<boolean> {
  const result = await db
    .updateTable('phone_changes')
    .set({ state })
    .where('id', '=', id)
    .where('state', '=', 'code_sent')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A new code for « Renvoyer le SMS » (the tries already used stay counted). */
export async function renewPhoneCode(trx: Db, id: string, codeHmac: string, codeTtlSeconds: number) {
  const result = await trx
    .updateTable('phone_changes')
    .set((eb) => ({
      code_hmac: codeHmac,
      code_expires_at: sql<Date>`now() + make_interval(secs => ${codeTtlSeconds})`,
      sends: eb('sends', '+', 1),
      last_sent_at: sql<Date>`now()`,
    }))
    .where('id', '=', id)
    .where('state', '=', 'code_sent')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setAccountPhone(trx: Db, accountId: string, mobile: string): Promise<void> {
  await trx
    .updateTable('accounts')
    .set({ phone: mobile, updated_at: sql<Date>`now()` })
    .where('id', '=', accountId)
    .execute();
}

/** Housekeeping: finished or abandoned changes a day after they expired, old confirmation links. */
export async function purgeAccountChanges(db: Db): Promise<void> {
  await db
    .deleteFrom('phone_changes')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
  await db
    .deleteFrom('email_confirmations')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}
