import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Account, NewAccount, Profile } from '../../db/schema.js';
import { identifierCandidates } from './identifier.js';
import { needsRehash, type PasswordHasher } from './password-hasher.js';

export const PROFILE_LABELS: Record<Profile, string> = {
  responsable_legal: 'Représentant légal',
  eleve: 'Élève',
};

export function isProfile(value: unknown): value is Profile {
  return value === 'responsable_legal' || value === 'eleve';
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === '23505';
}

export type AccountInput = Omit<NewAccount, 'identifier' | 'id'>;

/**
 * Inserts an account under a fresh identifier (`j.dupond25`), retrying on collisions. Works inside a
 * transaction: collisions are detected with ON CONFLICT, which does not abort the transaction.
 */
export async function insertAccountWithIdentifier(db: Db, input: AccountInput): Promise<Account> {
  for (const identifier of identifierCandidates(input.given_name, input.family_name, randomInt)) {
    const row = await db
      .insertInto('accounts')
      .values({ ...input, identifier })
      .onConflict((oc) => oc.column('identifier').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (row) return row;
  }
  throw new Error('Impossible de trouver un identifiant libre');
}

export function findAccountById(db: Db, id: string): Promise<Account | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return Promise.resolve(undefined);
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

export type AuthenticationResult = { ok: true; account: Account } | { ok: false };

export interface LoginCandidate {
  account: Account | undefined;
  /** > 0 when one of the throttle keys is blocked: seconds until it is released. */
  retryAfterSeconds: number;
}

/**
 * The account behind an identifier and the throttle state of the login attempt, in one round trip
 * (the login POST is the hot path of the first school day).
 */
export async function loadLoginCandidate(
  db: Db,
  identifier: string,
  throttleKeys: string[],
): Promise<LoginCandidate> {
  const { rows } = await sql<Account & { throttle_until: Date | null }>`
    select a.*, t.until as throttle_until
    from (select max(blocked_until) as until from login_throttle
          where key in (${sql.join(throttleKeys)}) and blocked_until > now()) as t
    left join accounts a on a.identifier = ${identifier.trim().toLowerCase()}`.execute(db);
  const row = rows[0];
  const until = row?.throttle_until ? new Date(row.throttle_until).getTime() : 0;
  let account: Account | undefined;
  if (row?.id) {
    const { throttle_until: _, ...rest } = row;
    account = rest;
  }
  return { account, retryAfterSeconds: until ? Math.max(1, Math.ceil((until - Date.now()) / 1000)) : 0 };
}

/**
 * Checks a password for a profile. Unknown identifiers, wrong profiles, disabled accounts and wrong
 * passwords all cost one argon2id verify and give the same answer.
 */
export async function authenticate(
  db: Db,
  hasher: PasswordHasher,
  account: Account | undefined,
  password: string,
  profile: Profile,
): Promise<AuthenticationResult> {
  if (!account?.password_hash) {
    await hasher.verifyDummy(password);
    return { ok: false };
  }
  const valid = await hasher.verify(account.password_hash, password);
  if (!valid || account.profile !== profile || account.status !== 'active') return { ok: false };
  if (needsRehash(account.password_hash)) {
    const rehashed = await hasher.hash(password);
    await db.updateTable('accounts').set({ password_hash: rehashed }).where('id', '=', account.id).execute();
  }
  return { ok: true, account };
}

export async function setPassword(db: Db, accountId: string, passwordHash: string): Promise<void> {
  await db
    .updateTable('accounts')
    .set({
      password_hash: passwordHash,
      must_change_password: false,
      password_changed_at: sql`now()`,
      updated_at: sql`now()`,
    })
    .where('id', '=', accountId)
    .execute();
}

export { isUniqueViolation };

const TEMPORARY_ALPHABETS = [
  'ABCDEFGHJKLMNPQRSTUVWXYZ',
  'abcdefghijkmnopqrstuvwxyz',
  '23456789',
  '!?@#$%*+=',
];

/** A 12-character temporary password meeting every rule (no look-alike characters: it is printed). */
export function generateTemporaryPassword(): string {
  const all = TEMPORARY_ALPHABETS.join('');
  const chars = TEMPORARY_ALPHABETS.map((alphabet) => alphabet[randomInt(alphabet.length)]!);
  while (chars.length < 12) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

export interface CreatedAccount {
  account: Account;
  temporaryPassword: string;
}

/** An account issued by an establishment: temporary password, to be changed at first login. */
export async function createAccountWithTemporaryPassword(
  db: Db,
  hasher: PasswordHasher,
  input: { profile: Profile; givenName: string; familyName: string; birthDate?: string },
): Promise<CreatedAccount> {
  const temporaryPassword = generateTemporaryPassword();
  const account = await insertAccountWithIdentifier(db, {
    profile: input.profile,
    given_name: input.givenName.trim(),
    family_name: input.familyName.trim(),
    birth_date: input.birthDate ?? null,
    password_hash: await hasher.hash(temporaryPassword),
    must_change_password: true,
  });
  return { account, temporaryPassword };
}
