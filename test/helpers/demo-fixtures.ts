import type { Db } from '../../src/db/database.js';

export interface DemoPupil {
  givenName: string;
  familyName: string;
  establishmentName: string;
  establishmentUai: string;
}

/**
 * The demo pupil account and its establishment. Uses the demo registry when it binds the account;
 * otherwise binds it to a small fixture collège, so the ENT's pupil journey does not depend on it.
 */
export async function ensureDemoPupil(db: Db, identifier: string): Promise<DemoPupil> {
  const account = await db
    .selectFrom('accounts')
    .select(['id', 'given_name', 'family_name', 'birth_date'])
    .where('identifier', '=', identifier)
    .executeTakeFirstOrThrow();
  const bound = () =>
    db
      .selectFrom('pupils')
      .innerJoin('establishments', 'establishments.uai', 'pupils.establishment_uai')
      .select(['establishments.name', 'establishments.uai'])
      .where('pupils.account_id', '=', account.id)
      .executeTakeFirst();
  let row = await bound();
  if (!row) {
    await db
      .insertInto('establishments')
      .values({ uai: '0869999Z', name: 'Collège des Tests', kind: 'college', town: 'Poitiers' })
      .onConflict((oc) => oc.column('uai').doNothing())
      .execute();
    await db
      .insertInto('pupils')
      .values({
        registry_id: `TEST-${identifier}`,
        family_name: account.family_name,
        given_name: account.given_name,
        birth_date: account.birth_date ?? '2011-01-01',
        level: '4EME',
        establishment_uai: '0869999Z',
        account_id: account.id,
      })
      .execute();
    row = (await bound())!;
  }
  return {
    givenName: account.given_name,
    familyName: account.family_name,
    establishmentName: row.name,
    establishmentUai: row.uai,
  };
}
