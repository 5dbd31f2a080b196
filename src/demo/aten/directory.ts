import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { PasswordHasher } from '../../domain/accounts/password-hasher.js';
import { type AtenExportAccount, isPasswordHash } from './export.js';

// Every statement of the demo ATEN directory, on its own tables (aten_directory_*).

export interface DirectoryAccount {
  login: string;
  familyName: string;
  givenName: string;
  vectors: string[];
}

/** CAS service tickets live this long and are good for one validation. */
export const TICKET_TTL_SECONDS = 60;

const ticketHash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/**
 * The account when `password` is its password. An unknown login costs the same argon2id verify as a
 * known one, and both answer `undefined`.
 */
export async function checkCredentials(
  db: Db,
  hasher: PasswordHasher,
  login: string,
  password: string,
): Promise<DirectoryAccount | undefined> {
  const row = await db
    .selectFrom('aten_directory_accounts')
    .selectAll()
    .where('login', '=', login.trim().toLowerCase())
    .executeTakeFirst();
  if (!row) {
    await hasher.verifyDummy(password);
    return undefined;
  }
  if (!(await hasher.verify(row.password_hash, password))) return undefined;
  return { login: row.login, familyName: row.family_name, givenName: row.given_name, vectors: row.vectors };
}

/** A new service ticket for `login` and `service`; only its hash is stored. */
export async function issueTicket(db: Db, login: string, service: string): Promise<string> {
  const ticket = `ST-${randomBytes(32).toString('base64url')}`;
  await db
    .insertInto('aten_directory_tickets')
    .values({
      ticket_hash: ticketHash(ticket),
      login,
      service,
      expires_at: sql`now() + make_interval(secs => ${TICKET_TTL_SECONDS})`,
    })
    .execute();
  return ticket;
}

/**
 * The account a ticket was issued to, consuming the ticket whatever happens (CAS: a ticket is
 * validated once); undefined when unknown, expired, already used, or issued for another service.
 */
export async function redeemTicket(
  db: Db,
  ticket: string,
  service: string,
): Promise<DirectoryAccount | undefined> {
  const spent = await db
    .deleteFrom('aten_directory_tickets')
    .where('ticket_hash', '=', ticketHash(ticket))
    .returning(['login', 'service', 'expires_at'])
    .executeTakeFirst();
  if (!spent || spent.service !== service || new Date(spent.expires_at).getTime() <= Date.now())
    return undefined;
  const row = await db
    .selectFrom('aten_directory_accounts')
    .selectAll()
    .where('login', '=', spent.login)
    .executeTakeFirst();
  return (
    row && { login: row.login, familyName: row.family_name, givenName: row.given_name, vectors: row.vectors }
  );
}

/** Expired tickets nobody redeemed. */
export async function purgeTickets(db: Db): Promise<void> {
  await db.deleteFrom('aten_directory_tickets').where('expires_at', '<', sql<Date>`now()`).execute();
}

/**
 * Loads an export, all or nothing: listed accounts are created or replaced (password, names,
 * vectors); accounts absent from the file are left alone. Passwords given in clear are hashed first.
 */
export async function importDirectoryAccounts(
  db: Db,
  hasher: PasswordHasher,
  accounts: AtenExportAccount[],
): Promise<{ created: number; updated: number }> {
  const hashed: (AtenExportAccount & { passwordHash: string })[] = [];
  for (const account of accounts)
    hashed.push({
      ...account,
      passwordHash: isPasswordHash(account.password) ? account.password : await hasher.hash(account.password),
    });
  return db.transaction().execute(async (trx) => {
    let created = 0;
    let updated = 0;
    for (const account of hashed) {
      const row = await trx
        .insertInto('aten_directory_accounts')
        .values({
          login: account.login,
          password_hash: account.passwordHash,
          family_name: account.familyName,
          given_name: account.givenName,
          vectors: JSON.stringify(account.vectors),
        })
        .onConflict((oc) =>
          oc.column('login').doUpdateSet((eb) => ({
            password_hash: eb.ref('excluded.password_hash'),
            family_name: eb.ref('excluded.family_name'),
            given_name: eb.ref('excluded.given_name'),
            vectors: eb.ref('excluded.vectors'),
            updated_at: sql`now()`,
          })),
        )
        .returning(sql<boolean>`xmax = 0`.as('inserted'))
        .executeTakeFirstOrThrow();
      if (row.inserted) created++;
      else updated++;
    }
    return { created, updated };
  });
}
