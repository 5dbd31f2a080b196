import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { AtenVector } from '../../domain/aten/vector.js';
import type { PupilChoice } from '../../domain/registry/registry.js';

// Every statement of the ATEN transition: its own table (aten_transitions) and the registry rows it reads.

/** The ÉduConnect account an ATEN account already created, if any. */
export async function transitionOf(db: Db, atenLogin: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('aten_transitions')
    .select('account_id')
    .where('aten_login', '=', atenLogin)
    .executeTakeFirst();
  return row?.account_id;
}

/** Records that `atenLogin` created `accountId`; false when it already created one (the primary key). */
export async function insertTransition(trx: Db, atenLogin: string, accountId: string): Promise<boolean> {
  const row = await trx
    .insertInto('aten_transitions')
    .values({ aten_login: atenLogin, account_id: accountId })
    .onConflict((oc) => oc.column('aten_login').doNothing())
    .returning('aten_login')
    .executeTakeFirst();
  return row !== undefined;
}

export interface RegistryPupil extends PupilChoice {
  uai: string;
  accountId: string | null;
  level: string | null;
}

/** The registry's pupils named by the vectors (eleveId and UAI both matching); `lock` in a transaction. */
export async function pupilsOfVectors(db: Db, vectors: AtenVector[], lock = false): Promise<RegistryPupil[]> {
  if (vectors.length === 0) return [];
  let query = db
    .selectFrom('pupils as p')
    .innerJoin('establishments as e', 'e.uai', 'p.establishment_uai')
    .select([
      'p.id',
      'p.registry_id',
      'p.family_name',
      'p.given_name',
      'p.birth_date',
      'p.level',
      'p.account_id',
      'e.uai',
      'e.name',
      'e.kind',
    ])
    .where((eb) =>
      eb.or(
        vectors.map((v) =>
          eb.and([eb('p.registry_id', '=', v.pupilRegistryId), eb('p.establishment_uai', '=', v.uai)]),
        ),
      ),
    )
    .orderBy('p.id');
  if (lock) query = query.forUpdate('p');
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    registryId: r.registry_id,
    familyName: r.family_name,
    givenName: r.given_name,
    birthDate: r.birth_date,
    level: r.level,
    accountId: r.account_id,
    uai: r.uai,
    establishmentName: r.name,
    establishmentKind: r.kind,
    representativeId: '',
  }));
}

export interface NamedRepresentative {
  id: string;
  familyName: string;
  givenName: string;
  mobile: string | null;
  email: string | null;
  accountId: string | null;
}

/**
 * The registry rows of the person among these pupils' representatives (same folded name), locked
 * when `lock`: the parent's rows, bound to the new account so « Ajout d'élèves » finds the rest.
 */
export async function representativesNamed(
  db: Db,
  pupilIds: string[],
  matchName: string,
  lock = false,
): Promise<NamedRepresentative[]> {
  if (pupilIds.length === 0) return [];
  let query = db
    .selectFrom('representatives as r')
    .select(['r.id', 'r.family_name', 'r.given_name', 'r.mobile', 'r.email', 'r.account_id'])
    .where('r.match_name', '=', matchName)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('pupil_representatives as pr')
          .select('pr.pupil_id')
          .whereRef('pr.representative_id', '=', 'r.id')
          .where('pr.pupil_id', 'in', pupilIds),
      ),
    )
    .orderBy('r.id');
  if (lock) query = query.forUpdate();
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    familyName: r.family_name,
    givenName: r.given_name,
    mobile: r.mobile,
    email: r.email,
    accountId: r.account_id,
  }));
}

export async function identifierTaken(db: Db, identifier: string): Promise<boolean> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .where('identifier', '=', identifier)
    .executeTakeFirst();
  return row !== undefined;
}

/** The pupil's account, unless another one took the pupil meanwhile. */
export async function bindPupilAccount(trx: Db, pupilId: string, accountId: string): Promise<boolean> {
  const updated = await trx
    .updateTable('pupils')
    .set({ account_id: accountId, updated_at: sql`now()` })
    .where('id', '=', pupilId)
    .where('account_id', 'is', null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

export async function identifierOfAccount(db: Db, accountId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('accounts')
    .select('identifier')
    .where('id', '=', accountId)
    .executeTakeFirst();
  return row?.identifier;
}
