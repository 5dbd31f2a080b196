import type { Db } from '../../db/database.js';
import type { PasswordHasher } from '../../domain/accounts/password-hasher.js';
import type { AtenExportAccount } from './export.js';

export const DEMO_ATEN_PASSWORD = 'Aten#2026';

/**
 * The demo directory's accounts (README "ATEN transition"), against the demo registry: Sophie Durand's
 * ATEN account names Léo only (Léa comes through « Ajout d'élèves »), Karim Petit's his son Nathan,
 * Manon Bernard is a pupil, and Claire Martin already has her ÉduConnect account (c.martin12).
 */
export const DEMO_ATEN_ACCOUNTS: AtenExportAccount[] = [
  {
    login: 'sophie.durand',
    password: DEMO_ATEN_PASSWORD,
    familyName: 'Durand',
    givenName: 'Sophie',
    vectors: ['2|Durand|Sophie|C-0002|0861234A'],
  },
  {
    login: 'karim.petit',
    password: DEMO_ATEN_PASSWORD,
    familyName: 'Petit',
    givenName: 'Karim',
    vectors: ['1|Petit|Karim|C-0004|0861234A'],
  },
  {
    login: 'manon.bernard',
    password: DEMO_ATEN_PASSWORD,
    familyName: 'Bernard',
    givenName: 'Manon',
    vectors: ['3|Bernard|Manon|C-0005|0861234A'],
  },
  {
    login: 'claire.martin',
    password: DEMO_ATEN_PASSWORD,
    familyName: 'Martin',
    givenName: 'Claire',
    vectors: ['1|Martin|Claire|C-0001|0861234A', '1|Martin|Claire|L-0001|0860034C'],
  },
];

/** Idempotent: the demo accounts that are missing (an account imported under the same login is kept). */
export async function seedDemoAtenDirectory(db: Db, hasher: PasswordHasher): Promise<void> {
  const present = await db.selectFrom('aten_directory_accounts').select('login').execute();
  const known = new Set(present.map((r) => r.login));
  const missing = DEMO_ATEN_ACCOUNTS.filter((a) => !known.has(a.login));
  if (missing.length === 0) return;
  const hash = await hasher.hash(DEMO_ATEN_PASSWORD);
  await db
    .insertInto('aten_directory_accounts')
    .values(
      missing.map((a) => ({
        login: a.login,
        password_hash: hash,
        family_name: a.familyName,
        given_name: a.givenName,
        vectors: JSON.stringify(a.vectors),
      })),
    )
    .onConflict((oc) => oc.column('login').doNothing())
    .execute();
}
